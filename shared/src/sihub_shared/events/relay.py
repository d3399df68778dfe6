"""The outbox relay: publishes committed outbox rows to JetStream, in order, at least once.

Each batch is published with async publishes (one round trip for the whole batch), every message
carrying `Nats-Msg-Id` = event id, and marked published only when every ack is back. A crash in
between republishes the batch and the broker drops the duplicates within its duplicate window.
On PostgreSQL rows are claimed `FOR UPDATE SKIP LOCKED`, so several relays can share one outbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import APIError
from prometheus_client import Counter
from sqlalchemy import Row, event, select, update
from sqlmodel.ext.asyncio.session import AsyncSession
from structlog import get_logger

from sihub_shared.db import Database
from sihub_shared.events.bus import EventBus
from sihub_shared.events.outbox import OUTBOX_PENDING, OutboxMessage

log = get_logger(__name__)
PUBLISHED = Counter("sihub_outbox_published_total", "Outbox events published", ["service"])


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        bus: EventBus,
        *,
        service: str,
        batch_size: int = 500,
        idle_wait_s: float = 0.1,
        ack_timeout_s: float = 10.0,
    ) -> None:
        self.database = database
        self.bus = bus
        self.service = service
        self.batch_size = batch_size
        self.idle_wait_s = idle_wait_s
        self.ack_timeout_s = ack_timeout_s
        self._wake = asyncio.Event()
        self._js: JetStreamContext | None = None
        self._js_client: object | None = None
        # A commit that wrote outbox rows wakes the relay at once instead of at its next poll.
        event.listen(database.sync_session_class, "after_commit", self._after_commit)

    def _after_commit(self, session) -> None:  # noqa: ANN001 - SQLAlchemy's sync Session
        if session.info.pop(OUTBOX_PENDING, False):
            self._wake.set()

    async def run(self) -> None:
        await self.bus.wait_connected()
        failures = 0
        while True:
            try:
                published = await self.publish_batch()
                failures = 0
            except (TimeoutError, APIError, OSError, ConnectionError) as exc:
                failures += 1
                delay = min(0.1 * 2**failures, 5.0)
                log.warning("relay publish failed, retrying", error=repr(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                continue
            if published < self.batch_size:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.idle_wait_s)
                except TimeoutError:
                    pass

    async def publish_batch(self) -> int:
        """Claim, publish and mark up to one batch; returns how many rows went out."""
        async with self.database.session() as session:
            rows = await self.claim(session)
            if not rows:
                return 0
            await self.publish(rows)
            await self.mark_published(session, rows)
        PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    async def claim(self, session: AsyncSession) -> Sequence[Row[Any]]:
        claim = (
            select(OutboxMessage.position, OutboxMessage.event_id, OutboxMessage.subject, OutboxMessage.body)
            .where(OutboxMessage.published_at.is_(None))
            .order_by(OutboxMessage.position)
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )
        return (await session.exec(claim)).all()

    def _jetstream(self) -> JetStreamContext:
        """One JetStream context for the relay's life. Each context subscribes a reply inbox of its
        own on its first `publish_async` and never unsubscribes it: a context per batch leaked one
        subscription per batch (hundreds a second under a steady trickle of commits), and every
        one of them was replayed to the server on each reconnect."""
        client = self.bus.client
        if self._js is None or self._js_client is not client:
            self._js, self._js_client = self.bus.jetstream, client
        return self._js

    async def publish(self, rows: Sequence[Row[Any]]) -> None:
        """One async publish per row, then wait for every ack: a batch costs about one round trip."""
        js = self._jetstream()
        acks: list[asyncio.Future[Any]] = []
        try:
            for row in rows:
                acks.append(
                    await js.publish_async(row.subject, row.body, headers={"Nats-Msg-Id": row.event_id})
                )
            await asyncio.wait_for(asyncio.gather(*acks), self.ack_timeout_s)
        except BaseException:
            # The context outlives the batch: an ack that will never come must not keep its slot
            # in the context's pending-publish semaphore (cancelling a done future does nothing).
            for ack in acks:
                ack.cancel()
            raise

    async def mark_published(self, session: AsyncSession, rows: Sequence[Row[Any]]) -> None:
        await session.exec(
            update(OutboxMessage)
            .where(OutboxMessage.position.in_([row.position for row in rows]))
            .values(published_at=datetime.now(UTC))
        )
