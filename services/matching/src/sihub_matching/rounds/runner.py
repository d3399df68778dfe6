"""Large rounds run after the response (202): the inputs are read in one transaction, the scoring
and the solver run in a worker thread, progress is written between the steps (for
GET /rounds/{id}/progress to poll), and the draft is stored in a last transaction. The run renews
the round's lease while it goes: if its process stops, the lease lapses and the round reads as
failed (RoundService._settled) instead of running for ever."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from structlog import get_logger

from sihub_matching.rounds.service import RoundService, build_instance, solve_and_record
from sihub_shared.db import Database
from sihub_shared.workers import renewing_lease

log = get_logger(__name__)


async def run_in_background(
    database: Database, round_id: str, lease_s: float,
    on_progress: Callable[[float], None] = lambda _: None,
) -> None:
    """Run a round already marked running (RoundService.start_run), renewing its lease meanwhile;
    `on_progress` hears each step."""

    async def _progress(
        database: Database, round_id: str, progress: float, state: str = "running"
    ) -> None:
        async with database.session() as session:
            await RoundService(session).set_progress(round_id, progress, state)
        on_progress(progress if state == "running" else 1.0)

    async def _renew(until: datetime) -> None:
        async with database.session() as session:
            await RoundService(session).renew_lease(round_id, until)

    try:
        async with renewing_lease(_renew, lease_s):
            async with database.session() as session:
                service = RoundService(session)
                run = await service.prepare(await service.get(round_id))
            await _progress(database, round_id, 0.2)
            instance = await asyncio.to_thread(build_instance, run)
            await _progress(database, round_id, 0.5)
            output = await asyncio.to_thread(solve_and_record, run, instance)
            await _progress(database, round_id, 0.9)
            async with database.session() as session:
                service = RoundService(session)
                await service.store(await service.get(round_id, for_update=True), output)
        on_progress(1.0)
    except Exception:  # noqa: BLE001 - the round shows `failed`; the log has the cause
        log.exception("round run failed", round_id=round_id)
        await _progress(database, round_id, 0.0, "failed")
