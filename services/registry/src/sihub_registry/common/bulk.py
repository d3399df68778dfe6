"""Bulk inserts: COPY on PostgreSQL (through the session's own connection, so inside its
transaction), the driver's executemany elsewhere. No ORM bookkeeping either way."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession


def _table(target: Any) -> sa.Table:
    return getattr(target, "__table__", target)


async def bulk_insert(session: AsyncSession, target: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, Python values as the ORM takes them)."""
    if not rows:
        return
    columns = list(rows[0])
    # itemgetter builds the record tuples in C: this loop runs once per actor and event row.
    values = itemgetter(*columns)
    records = [values(row) for row in rows] if len(columns) > 1 else [(values(row),) for row in rows]
    await bulk_insert_records(session, target, columns, records)


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
        await _executemany(connection, table, columns, records)
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


async def _executemany(connection: Any, table: sa.Table, columns: Sequence[str], records: Sequence[tuple[Any, ...]]) -> None:
    """One INSERT executed for every record through the driver (SQLite). Each column's type is
    applied here, a column at a time: SQLAlchemy's own executemany made a dict of every record and
    processed it value by value, a tenth of a busy registry's time under bench-load (py-spy)."""
    dialect = connection.dialect
    by_column = list(zip(*records, strict=True))
    for index, name in enumerate(columns):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            by_column[index] = list(map(process, by_column[index]))
    quote = dialect.identifier_preparer.quote
    statement = (f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
                 f"VALUES ({', '.join('?' * len(columns))})")
    await connection.exec_driver_sql(statement, list(zip(*by_column, strict=True)))
