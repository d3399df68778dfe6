"""Bulk inserts: COPY on PostgreSQL (through the session's own connection, so inside its
transaction), multi-row executemany elsewhere. No ORM bookkeeping either way."""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

_CHUNK = 1000


def _table(target: Any) -> sa.Table:
    return getattr(target, "__table__", target)


async def bulk_insert(session: AsyncSession, target: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, Python values as the ORM takes them)."""
    if not rows:
        return
    table = _table(target)
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), _CHUNK):
            await session.exec(sa.insert(table), params=list(rows[start : start + _CHUNK]))
        return
    columns = list(rows[0])
    as_json = [name for name in columns if isinstance(table.c[name].type, sa.JSON)]
    if as_json:
        rows = [row | {name: json.dumps(row[name]) for name in as_json} for row in rows]
    # itemgetter builds the record tuples in C: this loop runs once per term, facet and event row.
    values = itemgetter(*columns)
    records = [values(row) for row in rows] if len(columns) > 1 else [(values(row),) for row in rows]
    raw = await connection.get_raw_connection()
    try:
        await raw.driver_connection.copy_records_to_table(table.name, records=records, columns=columns)
    except asyncpg.IntegrityConstraintViolationError as exc:
        # COPY bypasses SQLAlchemy: raise what an INSERT would, so callers handle one exception.
        raise IntegrityError(f"COPY {table.name}", None, exc) from exc
