"""The commands every service has: `sihub-<name> migrate` and `sihub-<name> serve`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
import uvicorn

from sihub_shared.migrations import upgrade
from sihub_shared.settings import ServiceSettings


def service_cli(
    name: str, *, settings_class: type[ServiceSettings], app_factory: str, migrations: Path
) -> typer.Typer:
    app = typer.Typer(help=f"sihub {name} service", no_args_is_help=True, add_completion=False)

    @app.command()
    def migrate(revision: str = typer.Option("head", help="Alembic revision to upgrade to")) -> None:
        """Bring this service's database to the latest (or the given) schema revision."""
        settings = settings_class()
        asyncio.run(upgrade(migrations, settings.database_url, revision))
        typer.echo(f"{name}: database at {revision}")

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1"),
        port: int = typer.Option(8000),
        workers: int = typer.Option(1, help="worker processes"),
    ) -> None:
        """Serve the HTTP API (and, with SIHUB_RUN_WORKERS, the outbox relay and consumers)."""
        settings_class()  # fail fast on bad configuration, before uvicorn starts
        uvicorn.run(
            app_factory, factory=True, host=host, port=port, workers=workers,
            access_log=False, log_level="warning", loop="uvloop", http="httptools",
        )

    return app
