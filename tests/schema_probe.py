"""Run by test_migrations.py in a process of its own, with one service's modules loaded (SQLModel
keeps every table of the process in one metadata, so a test process holding several services'
models could not say which tables are whose):

    python tests/schema_probe.py SERVICE DATABASE_URL

Migrates the empty database to head, compares it with the service's models (alembic's
autogenerate comparison: what `alembic revision --autogenerate` would write), downgrades to base,
lists the tables left, migrates to head again and compares again. Prints one JSON object."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from sihub_shared.migrations import alembic_config


def differences(connection: Connection) -> list[str]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [repr(difference) for difference in compare_metadata(context, SQLModel.metadata)]


def tables(connection: Connection) -> list[str]:
    return sorted(sa.inspect(connection).get_table_names())


def migrate(connection: Connection, config: Any, direction: str) -> None:
    config.attributes["connection"] = connection
    getattr(command, direction)(config, "head" if direction == "upgrade" else "base")


async def probe(service: str, database_url: str) -> dict[str, Any]:
    main = importlib.import_module(f"sihub_{service}.main")  # the app's modules: every model it has
    config = alembic_config(Path(main.__file__).parent / "migrations", database_url)
    engine = create_async_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    found: dict[str, Any] = {}
    try:
        for step, direction in (("upgraded", "upgrade"), ("downgraded", "downgrade"), ("upgraded_again", "upgrade")):
            async with engine.begin() as connection:
                await connection.run_sync(migrate, config, direction)
            async with engine.connect() as connection:
                found[step] = await connection.run_sync(differences if direction == "upgrade" else tables)
    finally:
        await engine.dispose()
    return found


if __name__ == "__main__":
    print(json.dumps(asyncio.run(probe(sys.argv[1], sys.argv[2]))))
