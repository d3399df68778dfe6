"""Idempotent durable consumers, declared as data.

    Subscription(
        name="matching-actors",
        stream="SIHUB_REGISTRY",
        subjects=["sihub.registry.actor.>"],
        handlers={ActorCreated.event_type: on_actor_created},
        reset=clear_actor_view,
    )

A consumer whose work per event is a few rows may instead declare `handle_all`, called once per
transaction with every event to apply (in stream order): one statement for a whole batch, not one
per event (the gateway's webhook queue). A consumer that keeps how far it has read a stream
declares `note_read`, called in the same transaction with every event of the batch, those already
applied included, and `note_read_through`, called at most every FLOOR_CHECK_INTERVAL_S with the
broker's ack floor (every sequence up to it applied, found applied, or never to come: deleted,
malformed);
reports' positions.

Each fetched batch is applied in one transaction that also records every event id in
`processed_event`; the acks are sent only after that commit. A redelivered event finds its id and
is acked without being applied again, so effects happen exactly once. When anything in the batch
fails, the whole batch is rolled back and its messages are applied one transaction each, so only
the failing event is redelivered (its handler may thus run twice; only its database effects count).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from nats.errors import Error as NatsError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from prometheus_client import Counter
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession
from structlog import get_logger

from sihub_shared.db import Database
from sihub_shared.events.bus import EventBus
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.workers import raise_if_stopping

log = get_logger(__name__)
APPLIED = Counter("sihub_events_applied_total", "Events applied by consumers", ["consumer"])
SKIPPED = Counter("sihub_events_duplicate_total", "Redelivered events skipped", ["consumer"])

# How often a consumer that keeps its position reads the broker's ack floor.
FLOOR_CHECK_INTERVAL_S = 5.0

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[CloudEvent]], Awaitable[None]]


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_event"

    consumer: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=36)
    processed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


@dataclass(frozen=True)
class Subscription:
    name: str
    stream: str
    subjects: Sequence[str]
    handlers: Mapping[str, Handler]
    reset: Callable[[AsyncSession], Awaitable[None]] | None = None
    handle_all: BatchHandler | None = None  # instead of `handlers`: every event, whatever its type
    note_read: BatchHandler | None = None  # every event read, applied or found already applied
    note_read_through: Callable[[AsyncSession, int], Awaitable[None]] | None = None  # the ack floor
    description: str = ""
    batch_size: int = field(default=100)


class ConsumerRunner:
    def __init__(
        self, database: Database, bus: EventBus, subscription: Subscription, *, fetch_timeout_s: float = 1.0
    ) -> None:
        self.database = database
        self.bus = bus
        self.subscription = subscription
        self.fetch_timeout_s = fetch_timeout_s
        self._noted_floor = 0
        self._floor_checked_at = float("-inf")

    def _config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.subscription.name,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=30,
            max_ack_pending=10_000,
            filter_subjects=list(self.subscription.subjects),
        )

    async def _pull_subscription(self):  # noqa: ANN202 - nats-py's PullSubscription
        js = self.bus.jetstream
        await js.add_consumer(self.subscription.stream, self._config())
        return await js.pull_subscribe_bind(self.subscription.name, stream=self.subscription.stream)

    async def run(self) -> None:
        await self.bus.wait_connected()
        while True:
            try:
                await self._consume()
            except (NatsError, OSError, TimeoutError) as exc:
                raise_if_stopping()
                log.warning("consumer lost its subscription, resubscribing",
                            consumer=self.subscription.name, error=repr(exc))
                await asyncio.sleep(0.5)

    async def _consume(self) -> None:
        seen_reconnections = self.bus.reconnections
        self._noted_floor = 0  # the durable may have been made again elsewhere: its floor starts over
        subscription = await self._pull_subscription()
        try:
            # nats-py pull subscriptions can stall after the server restarts: after every
            # reconnect the subscription is dropped and bound again to the same durable.
            while self.bus.reconnections == seen_reconnections:
                raise_if_stopping()  # a stop that came as a message did: the fetch returned it
                try:
                    messages = await subscription.fetch(
                        self.subscription.batch_size, timeout=self.fetch_timeout_s
                    )
                except TimeoutError:
                    await self._note_ack_floor()
                    continue
                await self._handle_batch(messages)
                await self._note_ack_floor()
        finally:
            try:
                await subscription.unsubscribe()
            except NatsError:
                pass

    async def _handle_batch(self, messages) -> None:  # noqa: ANN001 - nats-py Msgs
        """One transaction (and one commit) for the whole fetched batch: per-event transactions
        cap a consumer at a few hundred events a second on SQLite (see bench/bench_events.py)."""
        if len(messages) > 1:
            try:
                events = [CloudEvent.received(message) for message in messages]
            except ValueError:
                events = None  # a malformed message: handled one by one (it is terminated)
            if events is not None:
                applied = await self.apply_batch(events)
                if applied is not None:
                    for message, was_applied in zip(messages, applied, strict=True):
                        (APPLIED if was_applied else SKIPPED).labels(self.subscription.name).inc()
                        await message.ack()
                    return
        for message in messages:
            await self._handle(message)

    async def _note_ack_floor(self) -> None:
        """Tell the subscription how far the broker has seen every message acked (at most every
        FLOOR_CHECK_INTERVAL_S, idle or not): sequences the consumer never reads (a deleted message,
        a malformed one) are passed only this way."""
        now = time.monotonic()
        if self.subscription.note_read_through is None or now - self._floor_checked_at < FLOOR_CHECK_INTERVAL_S:
            return
        self._floor_checked_at = now
        try:
            info = await self.bus.jetstream.consumer_info(self.subscription.stream, self.subscription.name)
        except (NatsError, TimeoutError) as exc:
            log.debug("ack floor not read; read again later", consumer=self.subscription.name, error=repr(exc))
            return
        floor = info.ack_floor.stream_seq if info.ack_floor is not None else 0
        if floor > self._noted_floor:
            try:
                async with self.database.session() as session:
                    await self.subscription.note_read_through(session, floor)
            except Exception:  # noqa: BLE001 - noted again at the next idle moment
                raise_if_stopping()
                log.warning("could not note the ack floor", consumer=self.subscription.name, exc_info=True)
                return
            self._noted_floor = floor

    async def _handle(self, message) -> None:  # noqa: ANN001 - nats-py Msg
        try:
            event = CloudEvent.received(message)
        except ValueError:
            # It can never be applied: redelivering it would only hold up the ones behind it.
            log.error("malformed message terminated", consumer=self.subscription.name, subject=message.subject)
            await message.term()
            return
        try:
            applied = await self.apply(event)
        except Exception:
            raise_if_stopping()
            log.exception("handler failed; the event will be redelivered",
                          consumer=self.subscription.name, event_id=event.id, type=event.type)
            await message.nak(delay=2)
            return
        (APPLIED if applied else SKIPPED).labels(self.subscription.name).inc()
        await message.ack()

    async def apply(self, event: CloudEvent) -> bool:
        """Apply one event exactly once; returns False when it had already been applied."""
        try:
            async with self.database.session() as session:
                if await session.get(ProcessedEvent, (self.subscription.name, event.id)):
                    await self._note_read(session, [event])
                    return False
                await self._handle_events(session, [event])
                await self._note_read(session, [event])
                session.add(
                    ProcessedEvent(
                        consumer=self.subscription.name,
                        event_id=event.id,
                        processed_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            # Another replica applied and recorded the same event first; any other conflict is the
            # handler's, and the event is redelivered.
            async with self.database.session() as session:
                if await session.get(ProcessedEvent, (self.subscription.name, event.id)) is None:
                    raise
                await self._note_read(session, [event])
            return False
        return True

    async def apply_batch(self, events: Sequence[CloudEvent]) -> list[bool] | None:
        """Apply events in order in one transaction, each exactly once; returns which were applied,
        or None when the batch failed and was rolled back (nothing of it is kept)."""
        name = self.subscription.name
        try:
            async with self.database.session() as session:
                seen = set(
                    (await session.exec(
                        select(ProcessedEvent.event_id).where(
                            ProcessedEvent.consumer == name,
                            col(ProcessedEvent.event_id).in_({event.id for event in events}),
                        )
                    )).all()
                )
                applied: list[bool] = []
                for event in events:
                    applied.append(event.id not in seen)
                    seen.add(event.id)
                await self._handle_events(session, [e for e, was_applied in zip(events, applied, strict=True)
                                                    if was_applied])
                await self._note_read(session, events)
                now = datetime.now(UTC)
                session.add_all(
                    ProcessedEvent(consumer=name, event_id=event.id, processed_at=now)
                    for event, was_applied in zip(events, applied, strict=True) if was_applied
                )
        except Exception:  # noqa: BLE001 - retried one event per transaction, which logs the failure
            raise_if_stopping()
            log.debug("batch failed; applying its events one by one", consumer=name, events=len(events))
            return None
        return applied

    async def _handle_events(self, session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        if self.subscription.handle_all is not None:
            if events:
                await self.subscription.handle_all(session, events)
            return
        for event in events:
            handler = self.subscription.handlers.get(event.type)
            if handler is not None:
                await handler(session, event)

    async def _note_read(self, session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        if self.subscription.note_read is not None:
            await self.subscription.note_read(session, events)

    async def rebuild(self) -> None:
        """Forget the durable and the read model; the next run replays the stream from the start."""
        self._noted_floor, self._floor_checked_at = 0, float("-inf")
        try:
            await self.bus.jetstream.delete_consumer(self.subscription.stream, self.subscription.name)
        except NotFoundError:
            pass
        async with self.database.session() as session:
            if self.subscription.reset is not None:
                await self.subscription.reset(session)
            await session.exec(delete(ProcessedEvent).where(ProcessedEvent.consumer == self.subscription.name))
