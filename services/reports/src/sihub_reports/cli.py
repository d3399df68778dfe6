"""`sihub-reports`: migrate, serve, and `build` (a report from the read model into a file, with a
progress bar; the same build as the API's, stored with its stream positions)."""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path
from urllib.parse import urlsplit

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sihub_shared.cli import offline_settings, service_cli

from sihub_reports.builds.schemas import BuildRequest, Format
from sihub_reports.settings import ReportsSettings

app = service_cli(
    "reports",
    settings_class=ReportsSettings,
    app_factory="sihub_reports.main:create_app",
    migrations=Path(__file__).parent / "migrations",
    load_demo="sihub_reports.demo.loader:load_demo",
)


def _request(codes: list[str]) -> BuildRequest:
    from sihub_shared.errors import error_message, field_path

    try:
        return BuildRequest(kind="country" if len(codes) == 1 else "comparative", countries=codes)
    except ValidationError as invalid:  # said as the API says it: the field, then the rule
        raise ValueError("; ".join(f"{field_path(e['loc'])}: {error_message(e)}" for e in invalid.errors())) from None


async def _build(settings: ReportsSettings, request: BuildRequest, format_: Format, public_url: str,
                 progress: Progress) -> tuple[str, bytes]:
    # a build's modules (rendering, PDF) load when it runs (sihub_shared.cli says why)
    from sihub_reports.builds.service import BuildService
    from sihub_shared.db import Database

    task = progress.add_task("reading the streams", total=None)

    async def advance(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            service = BuildService(session)
            build, _ = await service.request(request, f"cli:{getpass.getuser()}"[:64],
                                             background_events=2**62, lease_s=settings.build_lease_s,
                                             progress=advance)
            progress.update(task, description=f"rendering {format_.value}")
            await session.flush()
            return build.id, await service.content(build.id, format_, public_url)
    finally:
        await database.dispose()


@app.command()
def build(
    country: list[str] = typer.Option(..., "--country", help="ISO 3166-1 alpha-2; repeat it for a comparative report"),
    format: Format = typer.Option(Format.PDF, "--format", help="json, html, md or pdf"),
    output: Path | None = typer.Option(None, "--output", "-o", dir_okay=False, help="default: report-<countries>.<format>"),
    public_url: str = typer.Option("", "--public-url", help="the API's public address (https://api.example.org): "
                                   "links become absolute on it; default: /api/v1/... as in the JSON"),
) -> None:
    """Build a report from SIHUB_DATABASE_URL's read model as it is now, store it (with its stream
    positions) and write it to a file. Two or more countries make a comparative report."""
    from sihub_shared.errors import ProblemError

    settings = offline_settings(ReportsSettings)
    console = Console(stderr=True)
    codes = [c.upper() for c in country]
    path = output or Path(f"report-{'-'.join(codes)}.{format.value}")
    if not path.parent.is_dir():  # before the build is stored: a build no file was written for is lost
        raise typer.BadParameter(f"{path.parent} is not a folder", param_hint="--output")
    address = urlsplit(public_url)
    if public_url and (address.scheme.lower() not in ("http", "https") or not address.hostname or address.username
                       or address.path.strip("/") or "?" in public_url or "#" in public_url
                       or any(c.isspace() for c in public_url)):
        raise typer.BadParameter("give the scheme and host only, e.g. https://api.example.org", param_hint="--public-url")
    base_url = f"{address.scheme.lower()}://{address.netloc.lower()}" if public_url else ""
    try:
        request = _request(codes)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                      transient=True) as progress:
            build_id, content = asyncio.run(_build(settings, request, format, base_url, progress))
    except (ProblemError, ValueError) as error:
        Console(stderr=True).print(f"[red]no report[/red]: {escape(str(error))}", highlight=False)
        raise typer.Exit(1) from error
    path.write_bytes(content)
    typer.echo(f"{path} (build {build_id})")
