"""Bulk inserts: COPY on PostgreSQL (through the session's own connection, so inside its
transaction), the driver's executemany elsewhere. No ORM bookkeeping either way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_shared.db import as_records, insert_records


def _table(target: Any) -> sa.Table:
    return getattr(target, "__table__", target)


async def bulk_insert(session: AsyncSession, target: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, Python values as the ORM takes them)."""
    if rows:
        await bulk_insert_records(session, target, *as_records(rows))


async def bulk_insert_records(
    session: AsyncSession, target: Any, columns: Sequence[str], records: Sequence[tuple[Any, ...]]
) -> None:
    """Insert `records` (tuples of the `columns`' values, Python values as the ORM takes them):
    for many narrow rows, such as search terms, tuples cost far less to build than dicts."""
    if not records:
        return
    table = _table(target)
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        await insert_records(connection, table, columns, records)
        return
    as_json = [index for index, name in enumerate(columns) if isinstance(table.c[name].type, sa.JSON)]
    if as_json:
        # Column by column: one list comprehension per JSON column instead of a loop per value;
        # orjson, as the database's reads use: json.dumps was 7% of an import's Python time.
        by_column = list(zip(*records, strict=True))
        for index in as_json:
            by_column[index] = [orjson.dumps(value).decode() for value in by_column[index]]
        records = list(zip(*by_column, strict=True))
    raw = await connection.get_raw_connection()
    try:
        await raw.driver_connection.copy_records_to_table(table.name, records=records, columns=list(columns))
    except asyncpg.IntegrityConstraintViolationError as exc:
        # COPY bypasses SQLAlchemy: raise what an INSERT would, so callers handle one exception.
        raise IntegrityError(f"COPY {table.name}", None, exc) from exc

