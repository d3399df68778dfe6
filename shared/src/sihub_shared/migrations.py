"""Alembic, run from code: each service keeps its own migrations and its own version table.

A service's `migrations/env.py` is two lines:

    from sihub_shared.migrations import run_env
    run_env(target_metadata=None)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from sihub_shared.settings import async_database_url

# Dated file names, so the history reads in order: 2026_11_23_0700_initial.py
MIGRATION_LOCK = 0x51_4855_42  # "sihub": one advisory lock id for every service's migrations
FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d_%%(slug)s"


def alembic_config(script_location: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("sqlalchemy.url", async_database_url(database_url).replace("%", "%%"))
    return config


async def upgrade(script_location: Path, database_url: str, revision: str = "head") -> None:
    await _migrate(script_location, database_url, revision, command.upgrade)


async def downgrade(script_location: Path, database_url: str, revision: str) -> None:
    """Back to `revision`: for an operator taking a release back, and for tests of a downgrade."""
    await _migrate(script_location, database_url, revision, command.downgrade)


async def _migrate(script_location: Path, database_url: str, revision: str,
                   run: Callable[[Config, str], None]) -> None:
    config = alembic_config(script_location, database_url)
    engine = create_async_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Replicas starting together take turns; the later ones find nothing left to do.
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            await connection.run_sync(_run_on, config, revision, run)
    finally:
        await engine.dispose()


def _run_on(connection: Connection, config: Config, revision: str, run: Callable[[Config, str], None]) -> None:
    config.attributes["connection"] = connection
    run(config, revision)


def run_env(target_metadata: MetaData | None = None) -> None:
    """The body of every env.py: online migrations on the connection `upgrade` hands over,
    or on a fresh engine when run by the `alembic` command itself (e.g. for autogenerate)."""

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()

    connection = context.config.attributes.get("connection")
    if connection is not None:
        migrate(connection)
        return

    async def standalone() -> None:
        engine = create_async_engine(
            context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool
        )
        async with engine.begin() as conn:
            await conn.run_sync(migrate)
        await engine.dispose()

    asyncio.run(standalone())
