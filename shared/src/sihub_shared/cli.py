"""The commands every service has: `sihub-<name> migrate` and `sihub-<name> serve`, and
`sihub-<name> load-demo` for those with demo data.

A command imports what it needs when it runs (the app by its factory's path, the demo loader by
its path, alembic in `migrate`), so that starting one command costs its own imports, not every
command's: `make run` starts fifteen of these processes, and each import of the whole service
was ~3 s of CPU."""

from __future__ import annotations

import asyncio
import os
import pkgutil
import secrets
from pathlib import Path
from typing import TypeVar

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from sihub_shared.demo import DemoLoadError, LoadDemo
from sihub_shared.settings import ServiceSettings

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def offline_settings(settings_class: type[SettingsT]) -> SettingsT:
    """Settings for a command that works on the database alone (an import, an ingest, a build): it
    signs no identity for another service, so `SIHUB_IDENTITY_SECRET` may be left unset (the stack's
    secret is not needed to write a file into a database)."""
    if os.environ.get("SIHUB_IDENTITY_SECRET"):
        return settings_class()
    return settings_class(identity_secret=secrets.token_urlsafe(32))


def service_cli(
    name: str,
    *,
    settings_class: type[ServiceSettings],
    app_factory: str,
    migrations: Path,
    load_demo: str | None = None,
) -> typer.Typer:
    """`app_factory` and `load_demo` are "module:attribute" paths (`load_demo` a `LoadDemo`)."""
    app = typer.Typer(help=f"sihub {name} service", no_args_is_help=True, add_completion=False)

    @app.command()
    def migrate(revision: str = typer.Option("head", help="Alembic revision to upgrade to")) -> None:
        """Bring this service's database to the latest (or the given) schema revision."""
        from sihub_shared.migrations import upgrade

        settings = offline_settings(settings_class)
        asyncio.run(upgrade(migrations, settings.database_url, revision))
        typer.echo(f"{name}: database at {revision}")

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1"),
        port: int = typer.Option(8000),
        workers: int = typer.Option(1, help="worker processes"),
    ) -> None:
        """Serve the HTTP API (and, with SIHUB_RUN_WORKERS, the outbox relay and consumers)."""
        import uvicorn

        settings = settings_class()  # fail fast on bad configuration, before uvicorn starts
        uvicorn.run(
            app_factory, factory=True, host=host, port=port, workers=workers,
            access_log=False, log_level="warning", loop="uvloop", http="httptools",
            timeout_graceful_shutdown=settings.shutdown_grace_s,
        )

    if load_demo is not None:
        _add_load_demo(app, name, load_demo)
    return app


def _add_load_demo(app: typer.Typer, name: str, load_demo: str) -> None:
    @app.command("load-demo")
    def load_demo_command(
        gateway: str = typer.Option(..., help="the gateway's base URL, e.g. http://127.0.0.1:8000"),
        key_file: Path = typer.Option(..., exists=True, dir_okay=False, help="a file holding an admin API key"),
    ) -> None:
        """Load the demo data through the public API; a second load creates nothing twice."""
        load: LoadDemo = pkgutil.resolve_name(load_demo)
        try:
            counts = asyncio.run(load(gateway, key_file.read_text().strip(), typer.echo))
        except (DemoLoadError, httpx.HTTPError) as error:
            Console(stderr=True).print(f"[red]demo data not loaded[/red]: {escape(str(error))}", highlight=False)
            raise typer.Exit(1) from error
        typer.echo(f"{name} demo data: {counts.created} records created")
