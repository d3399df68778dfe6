"""`sihub-matching`: migrate, serve, load-demo, and `round run ROUND_ID` (a round run in-process against
SIHUB_DATABASE_URL, with a progress bar; as an admin of this machine)."""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sihub_matching.settings import MatchingSettings
from sihub_shared.cli import offline_settings, service_cli

if TYPE_CHECKING:  # a round's modules load when it runs (sihub_shared.cli says why)
    from sihub_shared.identity import Identity

app = service_cli(
    "matching",
    settings_class=MatchingSettings,
    app_factory="sihub_matching.main:create_app",
    migrations=Path(__file__).parent / "migrations",
    load_demo="sihub_matching.demo.loader:load_demo",
)
rounds = typer.Typer(help="matching rounds", no_args_is_help=True)
app.add_typer(rounds, name="round")


async def _run(
    settings: MatchingSettings, identity: Identity, round_id: str, progress: Progress
) -> dict:
    from sihub_matching.rounds.runner import run_in_background
    from sihub_matching.rounds.service import RoundService
    from sihub_shared.db import Database

    task = progress.add_task("scoring and solving", total=1.0)
    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            await RoundService(session).start_run(
                identity, round_id, background_cells=0, lease_s=settings.round_run_lease_s
            )
        await run_in_background(
            database, round_id, settings.round_run_lease_s,
            lambda done: progress.update(task, completed=done),
        )
        async with database.session() as session:
            service = RoundService(session)
            row = await service.get(round_id)
            draft = await service.draft(round_id)
            return {
                "run_state": row.run_state,
                "draft": draft.result if draft is not None else None,
            }
    finally:
        await database.dispose()


@rounds.command("run")
def run_round(round_id: str = typer.Argument(..., help="the round's id")) -> None:
    """Run a round into a new draft (as the API's run does), showing its progress."""
    from sihub_shared.errors import ProblemError
    from sihub_shared.identity import Identity, Role

    settings = offline_settings(MatchingSettings)
    console = Console(stderr=True)
    identity = Identity(
        account_id=f"cli:{getpass.getuser()}"[:36],
        organisation="sihub-matching command line",
        roles=frozenset({Role.admin}),
    )
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            outcome = asyncio.run(_run(settings, identity, round_id, progress))
    except ProblemError as exc:
        console.print(f"[red]refused[/red]: {escape(exc.detail)}", highlight=False)
        for error in exc.errors or []:
            console.print(f"  {error['field']}: {error['message']}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    draft = outcome["draft"]
    if outcome["run_state"] != "done" or draft is None:
        console.print("[red]the run failed[/red]: see the log", highlight=False)
        raise typer.Exit(1)
    typer.echo(
        f"round {round_id}: {draft['matched_count']} matched, total score {draft['total_score']}, "
        f"{len(draft['unmatched'])} unmatched, {draft['blocking_pairs']} blocking pairs ({draft['objective']}); "
        f"{draft['other_objective']['objective']} would total {draft['other_objective']['total_score']}"
    )
