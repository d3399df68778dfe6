"""A stop ends a worker even when the cancellation surfaces as another error; a background job's
lease is renewed while it runs, survives a failed renewal and is no longer renewed once it ends."""

from __future__ import annotations

import asyncio
import ctypes
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sihub_shared.workers import (
    lease_lapsed,
    lease_until,
    malloc_trim,
    raise_if_stopping,
    renewing_lease,
    trimming_the_heap,
)


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


def _rss_kib() -> int:
    return next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith("VmRSS:"))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="RSS is read from /proc (Linux)")
@pytest.mark.skipif(any(os.environ.get(v) for v in ("GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "LD_PRELOAD")),
                    reason="another allocator, or glibc's tuned: the blocks may not come from the heap")
async def test_the_heap_trim_gives_back_free_pages_the_heap_keeps():
    """Blocks freed between blocks still in use stay with the process (the heap cannot shrink past
    the ones in use); the trim gives their pages back. Run as the workers run it."""
    trim = malloc_trim()
    assert trim is not None  # glibc, as on every machine this runs on (Debian)
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(4096) for _ in range(40_000)]  # 160 MB, below the mmap threshold
    for block in blocks:
        ctypes.memset(block, 1, 4096)  # touched: resident
    kept = blocks[::64]
    in_use = set(kept)
    for block in blocks:
        if block not in in_use:
            libc.free(block)
    before = _rss_kib()
    calls: list[int] = []

    def counted_trim(pad: int) -> int:
        released = trim(pad)
        calls.append(released)
        return released

    task = asyncio.create_task(trimming_the_heap(0.01, counted_trim))
    try:
        while not calls:
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
    after = _rss_kib()
    for block in kept:
        libc.free(block)
    assert calls[0] == 1  # glibc: 1 when memory was given back
    assert before - after > 100_000, (before, after)  # KiB: most of the 160 MB freed


async def test_no_heap_trim_when_its_interval_is_zero():
    calls: list[int] = []
    await asyncio.wait_for(trimming_the_heap(0, lambda pad: calls.append(pad) or 0), 1)
    assert calls == []
