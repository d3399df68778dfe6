"""The import rules of the workspace, checked by import-linter (contracts in pyproject.toml):
shared never imports a service, services never import each other."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_import_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_every_service_has_the_same_layout():
    for service in sorted((ROOT / "services").iterdir()):
        package = service / "src" / f"sihub_{service.name}"
        for part in ("main.py", "settings.py", "cli.py", "api", "events", "migrations/env.py", "migrations/versions"):
            assert (package / part).exists(), f"{service.name} lacks {part}"
        versions = [p.name for p in (package / "migrations" / "versions").glob("*.py")]
        assert versions and all(name[:4].isdigit() and name[4] == "_" for name in versions), versions


def test_a_service_command_line_loads_only_what_its_commands_share():
    """`make run` starts ~15 command processes: each loads the app, alembic, the ORM models or a
    job's modules when that command runs (sihub_shared.cli), not at start."""
    for service in sorted(p.name for p in (ROOT / "services").iterdir()):
        probe = (f"import sys, sihub_{service}.cli; "
                 f"print(' '.join(m for m in sys.modules if m in ('alembic', 'uvicorn', 'sihub_{service}.main') "
                 f"or m.startswith('sihub_{service}.') and m.endswith('.models')))")
        loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
        assert loaded == [], f"sihub-{service} loads {loaded} at start"
