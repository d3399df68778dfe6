"""The NATS connection of one service process: connects in the background and reconnects forever."""

from __future__ import annotations

import asyncio

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from structlog import get_logger

from sihub_shared.workers import raise_if_stopping

log = get_logger(__name__)


class EventBus:
    def __init__(self, url: str, *, name: str, user: str | None = None, password: str | None = None) -> None:
        self.url = url
        self.name = name
        self.user = user
        self.password = password
        self.client: Client | None = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Consumers compare this with what they saw to know their pull subscription is stale.
        self.reconnections = 0

    @property
    def is_connected(self) -> bool:
        return self.client is not None and self.client.is_connected

    @property
    def jetstream(self) -> JetStreamContext:
        if self.client is None:
            raise RuntimeError("the event bus is not connected yet")
        return self.client.jetstream(publish_async_max_pending=20_000)

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect_until_up(), name=f"{self.name}-nats-connect")

    async def wait_connected(self) -> None:
        await self._connected.wait()

    async def _connect_until_up(self) -> None:
        delay = 0.2
        while self.client is None:
            raise_if_stopping()
            try:
                self.client = await nats.connect(
                    self.url,
                    name=self.name,
                    user=self.user,
                    password=self.password,
                    # Replies (acks, fetched messages) come to `_INBOX.<user>.…`: the only inbox the
                    # server lets this user subscribe to (deploy/k8s/nats-accounts.conf).
                    inbox_prefix=f"_INBOX.{self.user or self.name}",
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    connect_timeout=2,
                    pending_size=64 * 1024 * 1024,
                    reconnected_cb=self._on_reconnected,
                    disconnected_cb=self._on_disconnected,
                    error_cb=self._on_error,
                )
            except (OSError, nats.errors.Error, asyncio.TimeoutError) as exc:
                log.warning("nats not reachable yet", url=self.url, error=str(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self._connected.set()
        log.info("nats connected", url=self.url)

    async def _on_reconnected(self) -> None:
        self.reconnections += 1
        log.info("nats reconnected", reconnections=self.reconnections)

    async def _on_disconnected(self) -> None:
        log.warning("nats disconnected")

    async def _on_error(self, exc: Exception) -> None:
        log.warning("nats error", error=str(exc))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # Waited for: a connection made as the stop came (nats-py connects with wait_for, which
            # can return one and drop the cancel) is then closed below instead of left open.
            await asyncio.gather(self._task, return_exceptions=True)
        if self.client is not None and not self.client.is_closed:
            try:
                await self.client.drain()
            except (nats.errors.Error, asyncio.TimeoutError) as exc:
                # The broker is gone (stopped before this service, or down): nothing is left to
                # drain, and the shutdown must go on to close the database.
                log.warning("nats not drained on close", error=repr(exc))
                await self.client.close()
