"""Writing actors' `export_cells` again from their columns, for the migrations that change how the
CSV export writes a cell (0005, 0009, 0010, 0012), and the `name_lang` facets that give an export
its name columns (0012): 1,000 actors at a time, in id order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from sihub_registry.actors.formats import name_column_place
from sihub_registry.common.types import UUID

_SCALARS = ("ref", "kind", "sector", "country", "region", "locality", "founded_year", "website", "illustrative")
_LISTS = ("names", "descriptions", "issue_areas", "offers", "needs", "certifications", "identifiers")
_BATCH = 1000
ACTOR = sa.table("actor", sa.column("id", UUID), sa.column("export_cells", sa.JSON),
                 *(sa.column(name) for name in _SCALARS), *(sa.column(name, sa.JSON) for name in _LISTS))


def json_text_holds(columns: Iterable[str], marks: Iterable[str]) -> sa.ColumnElement[bool]:
    """Whether one of `columns`' text (a JSON column's as the database keeps it) holds one of `marks`."""
    return sa.or_(*(sa.cast(ACTOR.c[column], sa.Text).contains(mark, autoescape=True)
                    for column in columns for mark in marks))


def without_certification_numbers(values: dict[str, Any]) -> dict[str, Any]:
    """An actor's values as the code before 0010 wrote its cells from them (no certificate numbers)."""
    return values | {"certifications": [c | {"number": None} for c in values["certifications"]]}


def with_several_names() -> sa.ColumnElement[bool]:
    return sa.func.json_array_length(ACTOR.c.names) > 1


def without_later_names(cells: dict[str, Any]) -> dict[str, Any]:
    """Cells as the code before 0012 wrote them: the first name in each language only."""
    return cells | {"names": {key: cell for key, cell in cells["names"].items() if name_column_place(key)[1] == 1}}


def _batches(where: sa.ColumnElement[bool] | None) -> Iterator[list[sa.Row[Any]]]:
    """The actors `where` selects, with their values, 1,000 at a time in id order."""
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
            return
        yield list(rows)
        last = rows[-1].id


def write_export_cells(cells_of: Callable[[dict[str, Any]], dict[str, Any]],
                       where: sa.ColumnElement[bool] | None = None) -> None:
    """Each actor's cells (of those `where` selects) as `cells_of` writes them from its values."""
    for rows in _batches(where):
        op.get_bind().execute(
            ACTOR.update().where(ACTOR.c.id == sa.bindparam("actor_id")).values(export_cells=sa.bindparam("cells")),
            [{"actor_id": row.id, "cells": cells_of({**{name: getattr(row, name) for name in _SCALARS},
                                                     **{name: getattr(row, name) or [] for name in _LISTS}})}
             for row in rows],
        )


def add_name_facets(keys_of: Callable[[list[dict[str, Any]]], Iterable[str]], where: sa.ColumnElement[bool]) -> None:
    """The `name_lang` facets `keys_of` gives each actor's names (of those `where` selects) that
    the actor does not have yet."""
    facet = sa.table("actor_facet", sa.column("facet", sa.String), sa.column("value", sa.String),
                     sa.column("actor_id", UUID))
    connection = op.get_bind()
    for rows in _batches(where):
        held = set(connection.execute(sa.select(facet.c.value, facet.c.actor_id).where(
            facet.c.facet == "name_lang", facet.c.actor_id.in_([row.id for row in rows]))).all())
        missing = [{"facet": "name_lang", "value": key, "actor_id": row.id}
                   for row in rows for key in dict.fromkeys(keys_of(row.names or [])) if (key, row.id) not in held]
        if missing:
            connection.execute(facet.insert(), missing)
