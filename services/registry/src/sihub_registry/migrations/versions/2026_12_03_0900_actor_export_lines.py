"""actor: `export_cells` written as the CSV export writes them, the line's fixed part whole

Under bench-load's mix the CSV export's own Python (writing each cell, making rows of a batch)
was a third of the registry's time. `export_cells` now holds the cells already neutralised and
quoted, kind to identifiers as one text, so that the database joins an actor's line
(formats.export_cells). Every actor's cells are written again here from its columns, 1,000 at a
time (whatever 0004 or an earlier process left in them).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from sihub_registry.actors.formats import export_cells
from sihub_registry.common.types import UUID

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SCALARS = ("ref", "kind", "sector", "country", "region", "locality", "founded_year", "website", "illustrative")
_LISTS = ("names", "descriptions", "issue_areas", "offers", "needs", "certifications", "identifiers")
_BATCH = 1000


def upgrade() -> None:
    _write_cells(export_cells)


def downgrade() -> None:
    _write_cells(_cells_before_0005)


def _cells_before_0005(values: dict[str, Any]) -> dict[str, Any]:
    """0004's cells, as the code before this revision reads them: unquoted, no ref or details."""

    def claim(item: dict[str, Any]) -> str:
        return f"{item['capability']}:{item['detail']}" if item.get("detail") else item["capability"]

    def certification(item: dict[str, Any]) -> str:
        return f"{item['scheme']}:{item['level']}:{item.get('valid_from') or ''}:{item.get('valid_to') or ''}".rstrip(":")

    return {
        "names": {text["lang"]: text["value"] for text in reversed(values["names"])},
        "descriptions": {text["lang"]: text["value"] for text in reversed(values["descriptions"])},
        "issue_areas": ";".join(values["issue_areas"]),
        "offers": ";".join(map(claim, values["offers"])),
        "needs": ";".join(map(claim, values["needs"])),
        "certifications": ";".join(map(certification, values["certifications"])),
        "identifiers": ";".join(f"{i['scheme']}:{i['value']}" for i in values["identifiers"]),
    }


def _write_cells(cells_of: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    connection = op.get_bind()
    actor = sa.table("actor", sa.column("id", UUID), sa.column("export_cells", sa.JSON),
                     *(sa.column(name) for name in _SCALARS), *(sa.column(name, sa.JSON) for name in _LISTS))
    last = None
    while True:
        query = sa.select(actor.c.id, *(actor.c[name] for name in _SCALARS + _LISTS)).order_by(actor.c.id).limit(_BATCH)
        if last is not None:
            query = query.where(actor.c.id > last)
        rows = connection.execute(query).all()
        if not rows:
            break
        connection.execute(
            actor.update().where(actor.c.id == sa.bindparam("actor_id")).values(export_cells=sa.bindparam("cells")),
            [{"actor_id": row.id, "cells": cells_of({**{name: getattr(row, name) for name in _SCALARS},
                                                     **{name: getattr(row, name) or [] for name in _LISTS}})}
             for row in rows],
        )
        last = rows[-1].id
