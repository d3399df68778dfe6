"""The read model fed by real streams: events published into a real nats-server's JetStream are
consumed by the reports' subscriptions (sihub_shared's ConsumerRunner), kept at their stream
sequences; a redelivery changes nothing, and a fresh read model that replays the streams rebuilds
a stored build byte for byte from its recorded positions, though the streams have moved on."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from sihub_reports.builds.schemas import Format
from sihub_reports.builds.service import compute, render
from sihub_reports.ecosystem.models import StreamEvent, StreamPosition
from sihub_reports.ecosystem.service import EcosystemService
from sihub_reports.events.handlers import subscriptions
from sihub_shared.db import Database
from sihub_shared.events.bus import EventBus
from sihub_shared.events.consumer import ConsumerRunner
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.events.streams import ensure_stream
from sihub_shared.migrations import upgrade
from sihub_shared.settings import async_database_url
from sihub_shared.testing import (
    create_postgres_database,
    drop_postgres_database,
    reachable_postgres_or_skip,
)
from sihub_shared.testing.ledger import wait_until
from sqlmodel import select, text

MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_reports" / "migrations"


async def publish(bus: EventBus, events: list[CloudEvent]) -> None:
    for event in events:
        service = event.source.removeprefix("/sihub/")
        await ensure_stream(bus.jetstream, service, duplicate_window_s=600, replicas=1)
        subject = "sihub." + ".".join(event.type.split(".")[2:5])
        await bus.jetstream.publish(subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})


@asynccontextmanager
async def consuming(database_url: str, bus: EventBus, *, from_the_start: bool = False):
    """The reports' consumers running; `from_the_start` forgets their durables first (`rebuild`),
    as a new read model does, so that they replay every stream from its first event."""
    database = Database(async_database_url(database_url))
    runners = [ConsumerRunner(database, bus, s, fetch_timeout_s=0.2) for s in subscriptions]
    if from_the_start:
        for runner in runners:
            await runner.rebuild()
    tasks = [asyncio.create_task(r.run()) for r in runners]
    try:
        yield database, runners
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await database.dispose()


async def second_database(database_url: str) -> tuple[str, str | None]:
    """A fresh database of the same kind, and its PostgreSQL admin URL (to drop it) if any."""
    if database_url.startswith("sqlite"):
        return database_url.replace("test.db", "fresh.db"), None
    admin = await reachable_postgres_or_skip()
    return await create_postgres_database(admin), admin


async def test_replayed_streams_rebuild_a_build_byte_for_byte(database_url, fresh_nats_server, reports):
    # An event reports does not read sits at registry sequence 6: positions are the streams'
    # own sequences, not counts of what reports kept.
    link = CloudEvent(source="/sihub/registry", type="org.sihub.registry.link.confirmed.v1",
                      data={"link": {"record_kind": "partnership", "record_id": "p2", "actor_id": "se1"}})
    events = reports.events.korea()
    events.insert(5, link)
    bus = EventBus(fresh_nats_server.url, name="reports-streams-test")
    bus.start()
    await bus.wait_connected()
    fresh_url, admin = await second_database(database_url)
    try:
        await publish(bus, events)
        expected = {"SIHUB_REGISTRY": 12, "SIHUB_INDICATORS": 4, "SIHUB_MATCHING": 2}
        async with consuming(database_url, bus) as (database, runners):
            await wait_until(lambda: reached(database, expected))
            # A redelivered event is applied once: the runner finds its id already processed.
            assert await runners[0].apply(events[0]) is False
        assert await stream_sequences(database_url) == [1, 2, 3, 4, 5, *range(7, 13)]
        build = await reports.build("country", "KR")
        assert build["positions"] == expected
        stored = {f: (await reports.get(f"/builds/{build['id']}?format={f}")).content for f in (Format.JSON, Format.HTML, Format.MD)}
        # The streams move on after the build.
        await publish(bus, [reports.events.actor("late", region="KR-26"),
                            reports.events.severity("KR-26", "food", 0.95)])

        # A fresh read model replays the streams from the start, past the build's positions …
        await upgrade(MIGRATIONS, fresh_url)
        moved_on = {"SIHUB_REGISTRY": 13, "SIHUB_INDICATORS": 5, "SIHUB_MATCHING": 2}
        async with consuming(fresh_url, bus, from_the_start=True) as (database, _):
            await wait_until(lambda: reached(database, moved_on))
            # … and what it builds at the recorded positions is the stored build, byte for byte.
            async with database.session() as session:
                rebuilt = await compute(session, "country", ["KR"], build["positions"])
                now = await compute(session, "country", ["KR"], moved_on)
        assert await stream_sequences(fresh_url) == [1, 2, 3, 4, 5, *range(7, 14)]
        assert rebuilt == stored[Format.JSON]
        assert render(rebuilt, Format.HTML, base_url="http://testserver") == stored[Format.HTML]
        assert render(rebuilt, Format.MD, base_url="http://testserver") == stored[Format.MD]
        assert now != rebuilt
    finally:
        await bus.close()
        if admin is not None:
            await drop_postgres_database(admin, fresh_url)


async def reached(database: Database, expected: dict[str, int]) -> bool:
    async with database.session() as session:
        return await EcosystemService(session).positions() == expected


async def stream_sequences(database_url: str) -> list[int]:
    database = Database(async_database_url(database_url))
    try:
        async with database.session() as session:
            rows = await session.exec(select(StreamEvent.sequence).where(StreamEvent.stream == "SIHUB_REGISTRY")
                                      .order_by(StreamEvent.sequence))
            return list(rows.all())
    finally:
        await database.dispose()


def at(sequence: int, event: CloudEvent) -> CloudEvent:
    """The event as a consumer reads it at `sequence` of its stream."""
    read = event.model_copy()
    read._stream_sequence = sequence
    return read


async def test_a_build_records_how_far_each_stream_was_read_without_a_gap(reports):
    registry = [e for e in reports.events.korea() if e.source == "/sihub/registry"]
    read = [at(sequence, event) for sequence, event in enumerate(registry, start=1)]
    # The third event's handler failed: it comes again after the ones behind it were kept.
    await reports.feed(*read[:2], *read[3:])
    assert (await reports.get("/streams")).json()["positions"] == {"SIHUB_REGISTRY": 2}
    build = await reports.build("country", "KR")
    assert build["positions"] == {"SIHUB_REGISTRY": 2}
    report = (await reports.get(f"/builds/{build['id']}")).json()
    actors = next(f for s in report["sections"] for f in s["figures"] if f["id"] == "ecosystem.actors.total")
    assert actors["value"] == 2  # the hub and se1: not se2, nor the events read past the gap

    await reports.feed(read[2])
    assert (await reports.get("/streams")).json()["positions"] == {"SIHUB_REGISTRY": len(read)}
    # An event published again under a new message id is read at a later sequence; it is not
    # applied twice, and the stream's position moves past it.
    await reports.feed(at(len(read) + 1, registry[0]))
    assert (await reports.get("/streams")).json()["positions"] == {"SIHUB_REGISTRY": len(read) + 1}
    # What the build recorded is what it folded: made again now, it is the same, byte for byte.
    rebuilt = (await reports.post(f"/builds/{build['id']}/rebuild")).json()
    assert rebuilt["identical"] is True


async def test_a_position_moves_past_sequences_that_will_never_be_read(database_url, fresh_nats_server, reports):
    """A message deleted from a stream is never read; nor, after migration 0003, are the events of
    types reports does not keep that were acked before positions were kept (a stream starts at its
    highest sequence kept). Neither holds a position back for ever: idle, each consumer passes the
    broker's ack floor on."""
    link = CloudEvent(source="/sihub/registry", type="org.sihub.registry.link.confirmed.v1",
                      data={"link": {"record_kind": "partnership", "record_id": "p2", "actor_id": "se1"}})
    late = [reports.events.actor(f"late{n}", region="KR-26") for n in range(3)]
    bus = EventBus(fresh_nats_server.url, name="reports-streams-test")
    bus.start()
    await bus.wait_connected()
    try:
        await publish(bus, [*reports.events.korea(), link, *late[:2]])  # the registry's 11, the link at 12, 13, 14
        await bus.jetstream.delete_msg("SIHUB_REGISTRY", 13)
        expected = {"SIHUB_REGISTRY": 14, "SIHUB_INDICATORS": 4, "SIHUB_MATCHING": 2}
        async with consuming(database_url, bus) as (database, _):
            await wait_until(lambda: reached(database, expected))
            async with database.session() as session:
                position = await session.get(StreamPosition, "SIHUB_REGISTRY")
                assert position is not None and position.ahead == []

        database = Database(async_database_url(database_url))
        try:
            async with database.session() as session:
                await session.exec(text("UPDATE stream_position SET through = 5 WHERE stream = 'SIHUB_REGISTRY'"))
        finally:
            await database.dispose()
        await publish(bus, late[2:])
        async with consuming(database_url, bus) as (database, _):
            await wait_until(lambda: reached(database, expected | {"SIHUB_REGISTRY": 15}))
    finally:
        await bus.close()


async def test_sequences_read_past_a_gap_are_kept_as_ranges(database_url):
    """An event that fails for ever holds a gap; what is read after it is one range that grows,
    not a list of every sequence. Positions kept as lists before migration 0004 become ranges."""
    await upgrade(MIGRATIONS, database_url, "0003")
    database = Database(async_database_url(database_url))
    stream, event = "SIHUB_REGISTRY", CloudEvent(source="/sihub/registry", type="org.sihub.registry.link.confirmed.v1",
                                                 data={})

    async def held() -> tuple[int, list[list[int]]]:
        async with database.session() as session:
            position = (await session.exec(select(StreamPosition).where(StreamPosition.stream == stream))).one()
            return position.through, position.ahead

    async def read(*sequences: int) -> None:
        async with database.session() as session:
            await EcosystemService(session).note_read(stream, [at(s, event) for s in sequences])

    try:
        async with database.session() as session:
            await session.exec(text(f"INSERT INTO stream_position (stream, through, ahead) VALUES ('{stream}', 5, "
                                    "'[7, 8, 9, 11]')"))
        await upgrade(MIGRATIONS, database_url)
        assert await held() == (5, [[7, 9], [11, 11]])
        await read(10, *range(13, 1013))  # 6 fails for ever, and 12 is yet to come
        assert await held() == (5, [[7, 11], [13, 1012]])
        await read(12, 1014)
        assert await held() == (5, [[7, 1012], [1014, 1014]])
        await read(6)
        assert await held() == (1012, [[1014, 1014]])
    finally:
        await database.dispose()
