"""The event bus's background connect stops when the service stops, whatever the connect was doing."""

from __future__ import annotations

import asyncio

import nats

from sihub_shared.events import bus as bus_module
from sihub_shared.events.bus import EventBus


async def _ended_by_close(bus: EventBus) -> bool:
    """Starts the bus, closes it while it connects: had the connect task ended once close() returned?"""
    bus.start()
    assert bus._task is not None
    await asyncio.sleep(0.1)  # inside the first connect
    try:
        await asyncio.wait_for(bus.close(), timeout=5)
        return bus._task.done()
    finally:
        # A second stop, for when the first was lost (the failure under test): nothing outlives the test.
        bus._task.cancel()
        await asyncio.gather(bus._task, return_exceptions=True)


async def test_a_stop_that_a_failing_connect_swallowed_still_ends_the_connect_loop(monkeypatch):
    swallowed: list[bool] = []

    async def connect_swallowing_the_cancel(*args, **kwargs):
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed.append(True)  # asyncio.wait_for on Python 3.11, when the cancel comes as its wait ends
        raise OSError("connection refused")

    monkeypatch.setattr(bus_module.nats, "connect", connect_swallowing_the_cancel)
    bus = EventBus("nats://127.0.0.1:1", name="bus-test")
    assert await _ended_by_close(bus)
    assert bus.client is None


async def test_a_connection_made_as_the_stop_came_is_closed(monkeypatch, fresh_nats_server):
    made: list[nats.aio.client.Client] = []
    real_connect = nats.connect

    async def connect_succeeding_as_cancelled(*args, **kwargs):
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            if made:
                raise
            # the connection came in the same step as the cancel
        made.append(await real_connect(fresh_nats_server.url))
        return made[-1]

    monkeypatch.setattr(bus_module.nats, "connect", connect_succeeding_as_cancelled)
    bus = EventBus(fresh_nats_server.url, name="bus-test")
    try:
        assert await _ended_by_close(bus)
        assert len(made) == 1 and made[0].is_closed
    finally:
        for client in made:
            await client.close()
