"""Every service's migrations build the tables, columns, types, nullability, keys and indexes its
models describe, on SQLite and on PostgreSQL, and go down to nothing and up again. A model changed
without a migration (or an index made by a migration that no model declares) would otherwise show
only as a wrong query plan in production, or as a migration written by `alembic revision
--autogenerate` that drops it.

Not compared (alembic's comparison does not see them, or they differ on purpose): a partial index's
WHERE clause, a column's collation, and server defaults — the registry keeps '[]' on the
`confirmations` columns and, on SQLite, '{}' on `actor.export_cells`, from the migrations that
added those NOT NULL columns to tables already holding rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PROBE = Path(__file__).with_name("schema_probe.py")
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir())
# Alembic's own table, and SQLite's record of AUTOINCREMENT counters.
BOOKKEEPING = {"alembic_version", "sqlite_sequence"}


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_build_the_models_schema_and_go_down_and_up_again(service: str, database_url: str) -> None:
    run = subprocess.run([sys.executable, str(PROBE), service, database_url], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["upgraded"] == [], f"sihub-{service}: the models and the migrated database differ: {found['upgraded']}"
    assert set(found["downgraded"]) <= BOOKKEEPING, f"sihub-{service}: tables left after a downgrade to base"
    assert found["upgraded_again"] == [], f"sihub-{service}: the database migrated again differs: {found['upgraded_again']}"
