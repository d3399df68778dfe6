"""`sihub-registry`: migrate, serve, import actors from a file, rebuild the actors' search terms,
and load the demo dataset."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sihub_registry.settings import RegistrySettings
from sihub_shared.cli import offline_settings, service_cli

if TYPE_CHECKING:  # the import's modules load when it runs (sihub_shared.cli says why)
    from sihub_registry.actors.importer import ImportMode, OnExisting
    from sihub_registry.actors.schemas import ImportReport

app = service_cli(
    "registry",
    settings_class=RegistrySettings,
    app_factory="sihub_registry.main:create_app",
    migrations=Path(__file__).parent / "migrations",
    load_demo="sihub_registry.demo.loader:load_demo",
)

console = Console(stderr=True)
MAX_SHOWN_ERRORS = 200


async def _import_file(body: bytes, file_format: str, mode: ImportMode, existing: OnExisting, owner: str,
                       progress: Progress) -> ImportReport:  # fmt: skip
    """The endpoint's import, in one transaction of our own: committed only if it succeeds."""
    from sihub_registry.actors.formats import parse_upload
    from sihub_registry.actors.importer import ActorImporter
    from sihub_shared.db import Database
    from sihub_shared.identity import Identity, Role

    identity = Identity(account_id=owner, organisation="registry command line", roles=frozenset({Role.admin}))
    records = parse_upload(body, None, file_format)
    tasks = {"checking": progress.add_task("checking rows", total=len(records)),
             "writing": progress.add_task("writing actors and events", total=None)}  # fmt: skip

    def advance(phase: str, done: int, total: int) -> None:
        progress.update(tasks[phase], completed=done, total=total)

    database = Database(offline_settings(RegistrySettings).database_url)
    try:
        async with database.session() as session:
            return await ActorImporter(session).import_records(identity, records, mode, existing, progress=advance)
    finally:
        await database.dispose()


def _error_table(title: str, errors: list[dict]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("row", "line", "field", "message"):
        table.add_column(column, overflow="fold")
    for error in errors[:MAX_SHOWN_ERRORS]:
        table.add_row(*(escape(str(error.get(key, ""))) for key in ("row", "line", "field", "message")))
    return table


@app.command("import")
def import_actors(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="a CSV or JSON file of actors"),
    file_format: str | None = typer.Option(None, "--format", help="csv or json (default: from the file name)"),
    partial: bool = typer.Option(False, "--partial", help="import the valid rows and report the bad ones as skipped"),
    skip_existing: bool = typer.Option(False, "--skip-existing", help="rows whose ref is registered are left alone"),
    owner: str = typer.Option("registry-cli", help="the account id that will own the imported actors"),
) -> None:
    """Import actors from a file into SIHUB_DATABASE_URL, as the bulk import endpoint does: every row
    is checked first, and nothing is written unless all rows are valid (or --partial)."""
    from sihub_registry.actors.importer import ImportMode, OnExisting
    from sihub_shared.errors import ProblemError

    file_format = file_format or file.suffix.lstrip(".").lower()
    if file_format not in ("csv", "json"):
        raise typer.BadParameter("csv or json", param_hint="--format")
    mode = ImportMode.PARTIAL if partial else ImportMode.ALL
    existing = OnExisting.SKIP if skip_existing else OnExisting.ERROR
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console) as progress:
            report = asyncio.run(_import_file(file.read_bytes(), file_format, mode, existing, owner, progress))
    except ProblemError as problem:
        console.print(f"[red]{escape(problem.detail)}[/red]", soft_wrap=True)
        if problem.errors:
            console.print(_error_table("bad rows", problem.errors))
        raise typer.Exit(1) from problem
    for skipped in report.skipped:
        console.print(_error_table(f"row {skipped['row']} skipped", skipped["errors"]))
    typer.echo(f"{report.rows} rows: {report.created} created, {report.existing} existing, {len(report.skipped)} skipped")


async def _reindex(batch: int) -> int:
    from sihub_registry.actors.repository import ActorRepository
    from sihub_registry.common.search import index_terms
    from sihub_shared.db import Database

    database = Database(offline_settings(RegistrySettings).database_url)
    done, after = 0, None
    try:
        while True:
            async with database.session() as session:  # one transaction a batch: writers take turns between
                repository = ActorRepository(session)
                actors = await repository.names_after(after, batch)
                if not actors:
                    return done
                await repository.replace_terms({actor_id: index_terms(n["value"] for n in names)
                                                for actor_id, names in actors})
            done, after = done + len(actors), actors[-1][0]
    finally:
        await database.dispose()


@app.command("reindex")
def reindex(batch: int = typer.Option(1000, min=1, help="actors per transaction")) -> None:
    """Rebuild every actor's search terms in SIHUB_DATABASE_URL from its names, as a write does
    (after a change of how names are indexed: actors stored before have the old terms)."""
    typer.echo(f"{asyncio.run(_reindex(batch))} actors reindexed")
