"""Writing actors' `export_cells` again from their columns, for the migrations that change how the
CSV export writes a cell (0005, 0009, 0010): 1,000 actors at a time, in id order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from alembic import op

from sihub_registry.common.types import UUID

_SCALARS = ("ref", "kind", "sector", "country", "region", "locality", "founded_year", "website", "illustrative")
_LISTS = ("names", "descriptions", "issue_areas", "offers", "needs", "certifications", "identifiers")
_BATCH = 1000
ACTOR = sa.table("actor", sa.column("id", UUID), sa.column("export_cells", sa.JSON),
                 *(sa.column(name) for name in _SCALARS), *(sa.column(name, sa.JSON) for name in _LISTS))


def json_text_holds(columns: Iterable[str], marks: Iterable[str]) -> sa.ColumnElement[bool]:
    """Whether one of the JSON `columns`' text (as the database keeps it) holds one of `marks`."""
    return sa.or_(*(sa.cast(ACTOR.c[column], sa.Text).contains(mark, autoescape=True)
                    for column in columns for mark in marks))


def without_certification_numbers(values: dict[str, Any]) -> dict[str, Any]:
    """An actor's values as the code before 0010 wrote its cells from them (no certificate numbers)."""
    return values | {"certifications": [c | {"number": None} for c in values["certifications"]]}


def write_export_cells(cells_of: Callable[[dict[str, Any]], dict[str, Any]],
                       where: sa.ColumnElement[bool] | None = None) -> None:
    """Each actor's cells (of those `where` selects) as `cells_of` writes them from its values."""
    connection = op.get_bind()
    last = None
    while True:
        query = sa.select(ACTOR.c.id, *(ACTOR.c[name] for name in _SCALARS + _LISTS))
        if where is not None:
            query = query.where(where)
        if last is not None:
            query = query.where(ACTOR.c.id > last)
        rows = connection.execute(query.order_by(ACTOR.c.id).limit(_BATCH)).all()
        if not rows:
            break
        connection.execute(
            ACTOR.update().where(ACTOR.c.id == sa.bindparam("actor_id")).values(export_cells=sa.bindparam("cells")),
            [{"actor_id": row.id, "cells": cells_of({**{name: getattr(row, name) for name in _SCALARS},
                                                     **{name: getattr(row, name) or [] for name in _LISTS}})}
             for row in rows],
        )
        last = rows[-1].id
