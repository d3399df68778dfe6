"""What long-running work needs: workers (outbox relay, consumers, webhook delivery) to stop, and
background jobs (large matching rounds, report builds) a lease that says they are still running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta

from structlog import get_logger

log = get_logger(__name__)


def raise_if_stopping() -> None:
    """Call first in a worker's catch-all. A stop cancels the worker's task, but the cancellation
    can surface as another error (the rollback of a connection cancelled mid-statement raises its
    own); caught and retried, the stop would be lost and the service's shutdown wait forever."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


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
