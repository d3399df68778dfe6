"""What long-running work needs: workers (outbox relay, consumers, webhook delivery) to stop,
background jobs (large matching rounds, report builds) a lease that says they are still running,
and a long-running process a heap that gives back what it no longer uses."""

from __future__ import annotations

import asyncio
import ctypes
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta

from structlog import get_logger

log = get_logger(__name__)


def raise_if_stopping() -> None:
    """Call first in a worker's catch-all, and at the top of its loop. A stop cancels the worker's
    task, but the cancellation can surface as another error (the rollback of a connection cancelled
    mid-statement raises its own), or not at all (asyncio.wait_for on Python 3.11 returns when the
    cancel comes as its wait ends, and nats-py waits for messages with it); caught and retried, or
    never seen, the stop would be lost and the service's shutdown wait for ever. The task still
    counts the cancel it was asked for (`cancelling()`), which this reads."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def wait_for_event(event: asyncio.Event, timeout_s: float) -> None:
    """Until `event` is set or `timeout_s` has passed. With asyncio.timeout, not wait_for: on
    Python 3.11 wait_for swallows a cancel that comes as the event is set, and the worker waiting
    would not stop."""
    with suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            await event.wait()


def lease_until(lease_s: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=lease_s)


def lease_lapsed(until: datetime | None) -> bool:
    """A job whose lease lapsed is not running any more: the process running it stopped (killed,
    crashed, redeployed) without saying so. No lease at all is a job from before leases: lapsed."""
    return until is None or until < datetime.now(UTC)


@asynccontextmanager
async def renewing_lease(renew: Callable[[datetime], Awaitable[None]], lease_s: float) -> AsyncIterator[None]:
    """Renew a background job's lease every quarter of it while the block runs, so that readers
    on any replica can tell a job in progress from one whose process is gone."""

    async def keep_renewing() -> None:
        while True:
            raise_if_stopping()  # a cancel that a renewal's driver swallowed still ends the loop
            await asyncio.sleep(lease_s / 4)
            try:
                await renew(lease_until(lease_s))
            except Exception:  # noqa: BLE001 - a missed renewal is retried; the lease has room for three
                raise_if_stopping()
                log.warning("lease renewal failed", exc_info=True)

    task = asyncio.create_task(keep_renewing(), name="lease-renewal")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, where the C library has one (not musl, not macOS)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


async def trimming_the_heap(interval_s: float, trim: Callable[[int], int] | None = None) -> None:
    """Give the C heap's free pages back to the operating system every `interval_s`. Freed memory
    otherwise stays with the process: SQLite's and the drivers' allocations, made from many
    threads (one per pooled SQLite connection), leave free pages inside glibc's arenas, and under
    bench-load the registry's RSS grew 4–12% in ten minutes while Python's own objects did not
    grow at all (tracemalloc). Each trim gave back 5–12 MB, taking 1–30 ms in a thread."""
    trim = trim or malloc_trim()
    if trim is None or interval_s <= 0:
        return
    while True:
        await asyncio.sleep(interval_s)
        await asyncio.to_thread(trim, 0)
