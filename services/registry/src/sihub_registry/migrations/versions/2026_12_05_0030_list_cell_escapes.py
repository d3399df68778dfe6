r"""actor: the CSV export's list cells escape ";" and "\" inside an item

An offer or need detail holding ";" was exported as it was, so that an import of the export read
two claims (formats: `list_cell`, `_split`). The actors whose list items hold ";" or "\" (the only
ones whose cells change) get their `export_cells` written again by the code's `export_cells`.

The downgrade writes the same actors' cells again as the code before this revision wrote them
(items joined with ";" as they are), so that its export gives back what their items say.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 00:30
"""

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from alembic import op

from sihub_registry.actors.formats import export_cells, list_cell
from sihub_registry.common.types import UUID

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_SCALARS = ("ref", "kind", "sector", "country", "region", "locality", "founded_year", "website", "illustrative")
_TEXTS = ("names", "descriptions")
_LISTS = ("issue_areas", "offers", "needs", "certifications", "identifiers")
_BATCH = 1000


def upgrade() -> None:
    _write_cells_again(list_cell)


def downgrade() -> None:
    _write_cells_again(";".join)


def _write_cells_again(join_list: Callable[[Iterable[str]], str]) -> None:
    connection = op.get_bind()
    actor = sa.table("actor", sa.column("id", UUID), sa.column("export_cells", sa.JSON),
                     *(sa.column(name) for name in _SCALARS), *(sa.column(name, sa.JSON) for name in _TEXTS + _LISTS))
    # A list's JSON text holds ";" where an item does, and a backslash as two: one alone begins the
    # escape JSON writes for a quote or (json.dumps) a letter past ASCII, which do not change a cell.
    escaped = sa.or_(*(sa.cast(actor.c[name], sa.Text).contains(mark, autoescape=True)
                       for name in _LISTS for mark in (";", "\\\\")))
    last = None
    while True:  # 1,000 at a time, as 0005
        query = sa.select(actor.c.id, *(actor.c[name] for name in _SCALARS + _TEXTS + _LISTS)).where(escaped)
        if last is not None:
            query = query.where(actor.c.id > last)
        rows = connection.execute(query.order_by(actor.c.id).limit(_BATCH)).all()
        if not rows:
            break
        connection.execute(
            actor.update().where(actor.c.id == sa.bindparam("actor_id")).values(export_cells=sa.bindparam("cells")),
            [{"actor_id": row.id,
              "cells": export_cells({**{name: getattr(row, name) for name in _SCALARS},
                                     **{name: getattr(row, name) or [] for name in _TEXTS + _LISTS}}, join_list)}
             for row in rows],
        )
        last = rows[-1].id
