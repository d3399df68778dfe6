"""A stop ends a worker even when the cancellation surfaces as another error."""

from __future__ import annotations

import asyncio

import pytest

from sihub_shared.workers import raise_if_stopping


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
