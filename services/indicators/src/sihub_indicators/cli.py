"""`sihub-indicators`: migrate, serve, and `ingest FILE` (the same ingest as the API, in-process)."""

from __future__ import annotations

import asyncio
import getpass
import hashlib
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from sihub_indicators.observations.formats import IngestFormat
from sihub_indicators.settings import IndicatorsSettings
from sihub_shared.cli import offline_settings, service_cli

if TYPE_CHECKING:  # the ingest's modules load when it runs (sihub_shared.cli says why)
    from sihub_indicators.observations.schemas import IngestReport
    from sihub_indicators.observations.service import IngestFile
    from sihub_shared.identity import Identity

app = service_cli(
    "indicators",
    settings_class=IndicatorsSettings,
    app_factory="sihub_indicators.main:create_app",
    migrations=Path(__file__).parent / "migrations",
    load_demo="sihub_indicators.demo.loader:load_demo",
)
_BLOCK = 1024 * 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


async def _ingest(settings: IndicatorsSettings, identity: Identity, path: Path, upload: IngestFile,
                  progress: Progress) -> IngestReport:
    from sihub_indicators.observations.service import IngestService
    from sihub_shared.db import Database

    task = progress.add_task(path.name, total=path.stat().st_size)
    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            service = IngestService(session, chunk_rows=settings.ingest_chunk_rows,
                                    max_errors=settings.max_reported_errors,
                                    max_structure_bytes=settings.max_structure_bytes)
            return await service.ingest(identity, upload, lambda done: progress.update(task, completed=done))
    finally:
        await database.dispose()


@app.command()
def ingest(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="the observations file"),
    format: IngestFormat = typer.Option(IngestFormat.CSV, "--format", help="csv, sdmx-ml or sdmx-csv"),  # noqa: A002
    mapping: Path | None = typer.Option(None, exists=True, dir_okay=False, help="SDMX mapping (JSON)"),
    structure: Path | None = typer.Option(
        None, exists=True, dir_okay=False, readable=True,
        help="SDMX-ML structure message with the data structure (DSD) of an SDMX-ML file"),
    source: str | None = typer.Option(None, help="source for rows that name none"),
    illustrative: bool = typer.Option(False, help="mark every row as made-up demonstration data"),
    organisation: str = typer.Option("sihub-indicators command line", help="recorded as who ingested"),
) -> None:
    """Validate and ingest a file into SIHUB_DATABASE_URL: all rows or none. Bad rows are listed
    and the exit status is 1; the events go out when the service's relay next runs."""
    from sihub_indicators.observations.service import IngestFile, parse_mapping
    from sihub_shared.errors import ProblemError
    from sihub_shared.identity import Identity, Role

    settings = offline_settings(IndicatorsSettings)
    console = Console(stderr=True)
    identity = Identity(account_id=f"cli:{getpass.getuser()}"[:36], organisation=organisation,
                        roles=frozenset({Role.admin}))
    try:
        with file.open("rb") as handle, ExitStack() as files, Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=console, transient=True,
        ) as progress:
            upload = IngestFile(
                file=handle, format=format, sha256=_sha256(file), filename=file.name,
                mapping=parse_mapping(mapping.read_bytes()) if mapping is not None else None,
                source=source, illustrative=illustrative,
                structure=files.enter_context(structure.open("rb")) if structure is not None else None,
            )
            report = asyncio.run(_ingest(settings, identity, file, upload, progress))
    except ProblemError as exc:
        console.print(f"[red]refused[/red]: {escape(exc.detail)}", highlight=False)
        for error in exc.errors or []:
            where = f"row {error['row']}, " if "row" in error else ""
            console.print(f"  {where}{error['field']}: {error['message']}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    if report.ingest_id is None:
        typer.echo(f"nothing changed: all {report.rows} rows are already held")
    else:
        typer.echo(f"ingest {report.ingest_id}: {report.rows} rows, {report.inserted} inserted, "
                   f"{report.revised} revised, {report.unchanged} unchanged, {report.skipped} skipped")
