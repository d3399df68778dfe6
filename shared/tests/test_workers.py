"""A stop ends a worker even when the cancellation surfaces as another error; a background job's
lease is renewed while it runs, survives a failed renewal and is no longer renewed once it ends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from sihub_shared.workers import lease_lapsed, lease_until, raise_if_stopping, renewing_lease


async def _worker(started: asyncio.Event, retries: list[str]) -> None:
    """A worker's loop: a catch-all that logs and retries, as the relay and consumers have."""
    while True:
        try:
            started.set()
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                # What the rollback of a connection cancelled mid-statement does.
                raise RuntimeError("Can't reconnect until invalid transaction is rolled back") from None
        except Exception:  # noqa: BLE001 - the worker outlives any one round
            raise_if_stopping()
            retries.append("retried")


async def test_a_stop_that_surfaces_as_another_error_still_ends_the_worker():
    started, retries = asyncio.Event(), []
    task = asyncio.create_task(_worker(started, retries))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert retries == []


async def test_an_error_without_a_stop_is_retried():
    async def failing_once() -> str:
        try:
            raise RuntimeError("a round failed")
        except RuntimeError:
            raise_if_stopping()
            return "retried"

    assert await failing_once() == "retried"


async def test_a_lease_is_renewed_while_the_job_runs_and_not_after():
    renewals: list[datetime] = []

    async def renew(until: datetime) -> None:
        renewals.append(until)
        if len(renewals) == 1:
            raise OSError("database gone for a moment")  # the next renewal still comes

    async with renewing_lease(renew, lease_s=0.2):
        await asyncio.sleep(0.35)  # about six renewals at a quarter of the lease each
    ended_with = len(renewals)
    await asyncio.sleep(0.15)
    assert ended_with >= 3 and len(renewals) == ended_with
    assert all(later > earlier for earlier, later in zip(renewals, renewals[1:], strict=False))  # each extends it


def test_a_lease_lapses_when_its_time_passes_or_it_was_never_taken():
    assert not lease_lapsed(lease_until(60))
    assert lease_lapsed(datetime.now(UTC) - timedelta(seconds=1))
    assert lease_lapsed(None)
