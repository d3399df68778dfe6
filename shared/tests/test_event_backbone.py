"""The promises of the event backbone, on real SQLite/PostgreSQL and a real nats-server."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from sihub_shared.db import Database
from sihub_shared.events.bus import EventBus
from sihub_shared.events.consumer import ConsumerRunner
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.events.relay import OutboxRelay
from sihub_shared.events.streams import ensure_stream
from sihub_shared.settings import async_database_url
from sihub_shared.testing import consumer_caught_up, read_stream

from sihub_shared.testing.ledger import (
    STREAM,
    NoteView,
    NoteWritten,
    apply_note_written,
    create_tables,
    note_subscription,
    unpublished_count,
    view_rows,
    wait_until,
    write_notes,
)


@pytest.fixture
async def database(database_url: str):
    database = Database(async_database_url(database_url))
    await create_tables(database)
    yield database
    await database.dispose()


@pytest.fixture
async def bus(fresh_nats_server):
    bus = EventBus(fresh_nats_server.url, name="ledger-test")
    bus.start()
    await asyncio.wait_for(bus.wait_connected(), 10)
    await ensure_stream(bus.jetstream, "ledger", duplicate_window_s=120)
    yield bus
    await bus.close()


async def stream_messages(bus: EventBus) -> list[CloudEvent]:
    return await read_stream(bus.jetstream, STREAM, "sihub.ledger.>")


async def test_committed_change_publishes_exactly_one_event(database, bus):
    relay = OutboxRelay(database, bus, service="ledger")
    [note_id] = await write_notes(database, 1)

    assert await relay.publish_batch() == 1
    assert await relay.publish_batch() == 0

    events = await stream_messages(bus)
    assert len(events) == 1
    assert events[0].type == "org.sihub.ledger.note.written.v1"
    assert events[0].subject == note_id
    assert events[0].unwrap(NoteWritten).note_id == note_id
    assert await unpublished_count(database) == 0


async def test_rolled_back_change_publishes_nothing(database, bus):
    relay = OutboxRelay(database, bus, service="ledger")
    with pytest.raises(RuntimeError):
        await write_notes(database, 3, fail=True)

    assert await relay.publish_batch() == 0
    assert await stream_messages(bus) == []


async def test_relay_crash_between_publish_and_mark_republishes_and_broker_deduplicates(database, bus):
    relay = OutboxRelay(database, bus, service="ledger")
    ids = await write_notes(database, 5)
    async with database.sessionmaker() as session:
        rows = await relay.claim(session)
        await relay.publish(rows)
        await session.rollback()  # the process dies here: published, never marked

    assert await unpublished_count(database) == 5
    restarted = OutboxRelay(database, bus, service="ledger")
    assert await restarted.publish_batch() == 5

    events = await stream_messages(bus)
    assert sorted(e.subject for e in events) == sorted(ids)
    assert await unpublished_count(database) == 0


async def test_redelivered_event_is_applied_once(database, bus):
    consumer = ConsumerRunner(database, bus, note_subscription())
    event = CloudEvent.wrap(NoteWritten(note_id="n-1", text="hello"), subject="n-1")

    assert await consumer.apply(event) is True
    assert await consumer.apply(event) is False
    assert await view_rows(database) == {"n-1": ("hello", 1)}


async def test_a_batch_handler_gets_each_new_event_once_in_order(database, bus):
    """`handle_all` is called once per transaction with the events not applied before, in order;
    a batch that fails is applied again one event per call (only the bad event is left)."""
    calls: list[list[str]] = []

    async def handle_all(session, events) -> None:  # noqa: ANN001
        calls.append([e.subject for e in events])
        if any(e.subject == "bad" for e in events):
            raise ValueError("a bad event")
        for event in events:
            await apply_note_written(session, event)

    consumer = ConsumerRunner(database, bus, replace(note_subscription(), handlers={}, handle_all=handle_all))
    first, second, third = (CloudEvent.wrap(NoteWritten(note_id=n, text=n), subject=n) for n in ("a", "b", "c"))
    assert await consumer.apply(first) is True
    assert await consumer.apply_batch([first, second, third]) == [False, True, True]
    assert await consumer.apply_batch([second, third]) == [False, False]
    assert calls == [["a"], ["b", "c"]]
    assert await view_rows(database) == {"a": ("a", 1), "b": ("b", 1), "c": ("c", 1)}

    bad = CloudEvent.wrap(NoteWritten(note_id="bad", text="x"), subject="bad")
    fourth = CloudEvent.wrap(NoteWritten(note_id="d", text="d"), subject="d")
    assert await consumer.apply_batch([bad, fourth]) is None  # rolled back whole
    assert await consumer.apply(fourth) is True
    assert calls[-2:] == [["bad", "d"], ["d"]]
    assert set(await view_rows(database)) == {"a", "b", "c", "d"}


async def test_the_same_event_twice_on_the_stream_is_applied_once(database, bus):
    """Past the duplicate window the broker cannot help; the consumer's processed ids do."""
    event = CloudEvent.wrap(NoteWritten(note_id="n-2", text="twice"), subject="n-2")
    for msg_id in ("first-publish", "second-publish"):
        await bus.jetstream.publish(NoteWritten.subject, event.to_bytes(), headers={"Nats-Msg-Id": msg_id})
    consumer = ConsumerRunner(database, bus, note_subscription())
    task = asyncio.create_task(consumer.run())
    try:
        await wait_until(lambda: consumer_caught_up(bus.jetstream, STREAM, "ledger-view"))
    finally:
        task.cancel()
    assert await view_rows(database) == {"n-2": ("twice", 1)}


async def test_a_handlers_own_conflict_is_redelivered_not_taken_as_applied(database, bus):
    """An IntegrityError means "another replica applied it first" only when the event's id is
    recorded as processed; the handler's own conflict leaves the event to come again."""

    async def insert_twice(session, event) -> None:  # noqa: ANN001
        note = event.unwrap(NoteWritten)
        session.add(NoteView(note_id=note.note_id, text=note.text))
        await session.flush()
        await session.exec(text("INSERT INTO test_note_view (note_id, text, times_applied) VALUES (:id, 'again', 1)")
                           .bindparams(id=note.note_id))

    event = CloudEvent.wrap(NoteWritten(note_id="n-3", text="conflict"), subject="n-3")
    conflicting = ConsumerRunner(database, bus, replace(note_subscription(), handlers={NoteWritten.event_type: insert_twice}))
    with pytest.raises(IntegrityError):
        await conflicting.apply(event)
    assert await view_rows(database) == {}
    assert await ConsumerRunner(database, bus, note_subscription()).apply(event) is True


async def test_a_malformed_message_is_terminated_and_the_ones_behind_it_applied(database, bus):
    await bus.jetstream.publish(NoteWritten.subject, b"{not an event", headers={"Nats-Msg-Id": "malformed"})
    event = CloudEvent.wrap(NoteWritten(note_id="n-4", text="behind"), subject="n-4")
    await bus.jetstream.publish(NoteWritten.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})
    floors: list[int] = []

    async def note_read_through(session, floor: int) -> None:  # noqa: ANN001
        floors.append(floor)

    consumer = ConsumerRunner(database, bus, replace(note_subscription(), note_read_through=note_read_through),
                              fetch_timeout_s=0.2)
    task = asyncio.create_task(consumer.run())
    try:
        await wait_until(lambda: consumer_caught_up(bus.jetstream, STREAM, "ledger-view"))
        # The consumer passes the broker's ack floor on: past the terminated message too.
        await wait_until(lambda: _true(floors[-1:] == [2]))
    finally:
        task.cancel()
    assert await view_rows(database) == {"n-4": ("behind", 1)}


async def _true(value: bool) -> bool:
    return value


async def test_broker_killed_and_restarted_mid_stream_loses_nothing(database, bus, fresh_nats_server):
    relay = OutboxRelay(database, bus, service="ledger", ack_timeout_s=2)
    consumer = ConsumerRunner(database, bus, note_subscription(), fetch_timeout_s=0.5)
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    written: list[str] = []
    try:
        for round_ in range(6):
            written += await write_notes(database, 50)
            if round_ in (1, 3):
                fresh_nats_server.restart(kill=True)
            await asyncio.sleep(0.1)

        async def all_applied_and_marked() -> bool:
            # The relay marks a batch after its acks, possibly after a consumer has applied it.
            return len(await view_rows(database)) == len(written) and await unpublished_count(database) == 0

        await wait_until(all_applied_and_marked, timeout_s=60)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    view = await view_rows(database)
    assert set(view) == set(written)
    assert {times for _, times in view.values()} == {1}
    assert await unpublished_count(database) == 0


async def test_replay_from_the_start_rebuilds_an_identical_read_model(database, bus):
    relay = OutboxRelay(database, bus, service="ledger")
    consumer = ConsumerRunner(database, bus, note_subscription(), fetch_timeout_s=0.3)
    await write_notes(database, 40)
    await relay.publish_batch()

    async def run_until_caught_up() -> None:
        task = asyncio.create_task(consumer.run())
        try:
            await wait_until(lambda: consumer_caught_up(bus.jetstream, STREAM, "ledger-view"))
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    await run_until_caught_up()
    before = await view_rows(database)
    assert len(before) == 40

    await consumer.rebuild()
    assert await view_rows(database) == {}
    await run_until_caught_up()
    assert await view_rows(database) == before


@pytest.mark.postgres
async def test_two_relays_share_one_postgres_outbox_without_double_publishing(database, bus):
    if database.is_sqlite:
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite runs one relay")
    ids = await write_notes(database, 400)
    relays = [OutboxRelay(database, bus, service="ledger", batch_size=50) for _ in range(2)]

    async def drain(relay: OutboxRelay) -> int:
        total = 0
        while published := await relay.publish_batch():
            total += published
        return total

    counts = await asyncio.gather(*(drain(r) for r in relays))
    assert sum(counts) == 400
    events = await stream_messages(bus)
    assert sorted(e.subject for e in events) == sorted(ids)


class _FetchThatSwallowsACancel:
    """A pull subscription as nats-py's behaves when a stop comes as a message does: its fetch waits
    with asyncio.wait_for, which on Python 3.11 returns and drops the cancel."""

    async def fetch(self, batch: int, timeout: float) -> list:
        try:
            await asyncio.sleep(timeout)
        except asyncio.CancelledError:
            return []
        raise TimeoutError

    async def unsubscribe(self) -> None:
        pass


async def test_a_stop_that_a_fetch_swallowed_still_stops_the_consumer(database, bus):
    class Runner(ConsumerRunner):
        async def _pull_subscription(self) -> _FetchThatSwallowsACancel:
            return _FetchThatSwallowsACancel()

    task = asyncio.create_task(Runner(database, bus, note_subscription(), fetch_timeout_s=0.2).run())
    await asyncio.sleep(0.1)  # waiting in a fetch
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    assert task in done and task.cancelled()


async def test_a_stop_that_comes_as_the_relay_is_woken_still_stops_it(database, bus):
    relay = OutboxRelay(database, bus, service="ledger", idle_wait_s=30)
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(0.3)  # idle, waiting to be woken
    # A commit with outbox rows wakes the relay as the service stops (asyncio.wait_for, on Python
    # 3.11, would return and drop the cancel).
    relay._wake.set()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    assert task in done and task.cancelled()


async def test_relay_outlives_a_database_error_and_publishes_once_it_clears(database, bus):
    written = await write_notes(database, 20)
    async with database.session() as session:  # the outbox vanishes, as in a failover
        await session.exec(text("ALTER TABLE outbox_message RENAME TO outbox_message_away"))
    relay = OutboxRelay(database, bus, service="ledger", idle_wait_s=0.05)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.5)
        assert not task.done(), task
        async with database.session() as session:
            await session.exec(text("ALTER TABLE outbox_message_away RENAME TO outbox_message"))

        async def drained() -> bool:
            return await unpublished_count(database) == 0

        await wait_until(drained, timeout_s=30)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert sorted(e.subject for e in await stream_messages(bus)) == sorted(written)


async def test_closing_the_bus_after_its_broker_stopped_does_not_raise(fresh_nats_server):
    # A service shutting down may find its broker gone (stopped first, or down): its shutdown must
    # still go on to close the database (and so truncate a SQLite WAL).
    bus = EventBus(fresh_nats_server.url, name="ledger-test")
    bus.start()
    await asyncio.wait_for(bus.wait_connected(), 10)
    fresh_nats_server.stop()

    async def disconnected() -> bool:
        return not bus.is_connected

    await wait_until(disconnected)
    await bus.close()
    assert bus.client is not None and bus.client.is_closed
