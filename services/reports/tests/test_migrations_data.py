"""Migrations that rewrite rows keep what the rows say, both ways: 0004 turns the sequences a
stream's position read past a gap into ranges, and its downgrade lists them again."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

from sihub_shared.migrations import alembic_config, downgrade, upgrade

MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_reports" / "migrations"
POSITION = sa.table("stream_position", sa.column("stream", sa.String), sa.column("through", sa.BigInteger),
                    sa.column("ahead", sa.JSON))
HELD = {"SIHUB_REGISTRY": [12, 13, 14, 20, 22, 23], "SIHUB_MATCHING": [], "SIHUB_INDICATORS": [7]}


async def test_stream_positions_ahead_become_ranges_and_back(database_url: str) -> None:
    await upgrade(MIGRATIONS, database_url, "0003")
    engine = create_async_engine(alembic_config(MIGRATIONS, database_url).get_main_option("sqlalchemy.url"),
                                 poolclass=pool.NullPool)

    async def ahead() -> dict[str, list]:
        async with engine.connect() as connection:
            return dict((await connection.execute(sa.select(POSITION.c.stream, POSITION.c.ahead))).all())

    try:
        async with engine.begin() as connection:
            await connection.execute(POSITION.insert(), [{"stream": s, "through": 5, "ahead": a} for s, a in HELD.items()])
        await upgrade(MIGRATIONS, database_url, "0004")
        assert await ahead() == {"SIHUB_REGISTRY": [[12, 14], [20, 20], [22, 23]], "SIHUB_MATCHING": [],
                                 "SIHUB_INDICATORS": [[7, 7]]}
        await downgrade(MIGRATIONS, database_url, "0003")
        assert await ahead() == HELD
    finally:
        await engine.dispose()
