"""The read model from events only: real events on a real nats-server, consumed by the service's own
subscriptions. A replay from the start of the streams rebuilds the same rows; a redelivered event
changes nothing; an older event never overwrites a newer state."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select, text

from sihub_matching.ecosystem.models import READ_MODEL_TABLES, EcoSeverity
from sihub_matching.ecosystem.repository import EcosystemRepository
from sihub_matching.ecosystem.schemas import ActorData, HubOperatorsData
from sihub_matching.ecosystem.service import EcosystemService, weighing_severities
from sihub_matching.events.handlers import indicators_subscription, registry_subscription
from sihub_shared.db import Database
from sihub_shared.events.bus import EventBus
from sihub_shared.events.consumer import ConsumerRunner
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.events.streams import ensure_stream
from sihub_shared.migrations import upgrade
from sihub_shared.settings import async_database_url
from sihub_shared.testing import consumer_caught_up
from sihub_shared.testing.ledger import wait_until

MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_matching" / "migrations"


def subject_of(event: CloudEvent) -> str:
    _, _, service, entity, verb, _ = event.type.split(".")
    return f"sihub.{service}.{entity}.{verb}"


async def dump(database: Database) -> dict[str, list[Any]]:
    """Every read-model row, in a stable order (without the revision counter a row was written
    at: bookkeeping for the scoring snapshot, which a replay counts on from where it was)."""
    async with database.session() as session:
        return {
            table.__tablename__: sorted(
                repr(sorted(row.model_dump(exclude={"revision"}).items()))
                for row in (await session.exec(select(table))).all()
            )
            for table in READ_MODEL_TABLES
        }


@pytest.fixture
async def database(database_url: str):
    await upgrade(MIGRATIONS, database_url)
    database = Database(async_database_url(database_url))
    yield database
    await database.dispose()


@pytest.fixture
async def bus(fresh_nats_server):
    bus = EventBus(fresh_nats_server.url, name="matching-test")
    bus.start()
    await asyncio.wait_for(bus.wait_connected(), 10)
    for service in ("registry", "indicators"):
        await ensure_stream(bus.jetstream, service, duplicate_window_s=120)
    yield bus
    await bus.close()


async def publish(bus: EventBus, events: list[CloudEvent], *, msg_id_suffix: str = "") -> None:
    for event in events:
        await bus.jetstream.publish(
            subject_of(event), event.to_bytes(), headers={"Nats-Msg-Id": event.id + msg_id_suffix}
        )


async def caught_up(bus: EventBus, runners: list[ConsumerRunner]) -> None:
    tasks = [asyncio.create_task(runner.run()) for runner in runners]

    async def done() -> bool:
        for runner in runners:
            subscription = runner.subscription
            if not await consumer_caught_up(bus.jetstream, subscription.stream, subscription.name):
                return False
        return True

    try:
        await wait_until(done)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def history(events) -> list[CloudEvent]:  # noqa: ANN001 - the conftest's Events
    hub, programme, cohort = "h0000000-0000-4000-8000-000000000001", "p-1", "c-1"
    a, b, c = ("a0000000-0000-4000-8000-00000000000" + str(i) for i in range(1, 4))
    return [
        events.actor(hub, kind="hub_intermediary", sector="social", owner="hub-owner"),
        events.actor(a, offers=["mentoring"], needs=["funding"], issue_areas=["ageing_care"]),
        events.actor(
            b,
            kind="foundation",
            sector="philanthropic",
            offers=["funding"],
            issue_areas=["ageing_care"],
        ),
        events.actor(c, country="JP", region="JP-13", needs=["data"]),
        events.actor(
            a,
            "updated",
            version=2,
            offers=["mentoring", "data"],
            needs=["funding"],
            issue_areas=["ageing_care"],
        ),
        events.actor(c, "deleted", version=2, country="JP", region="JP-13", deleted=True),
        events.hub_operators(hub, "hub-owner", ["deputy"]),
        events.programme(programme, hub),
        events.cohort(cohort, programme, hub),
        events.membership("m-1", hub, programme, cohort, a),
        events.membership("m-2", hub, programme, cohort, b),
        events.partnership("ps-1", [a, b], status="active"),
        events.partnership("ps-2", [a, hub], status="proposed"),
        events.partnership("ps-2", [a, hub], status="ended", verb="updated", version=2),
        events.severity("KR-42", "ageing_care", 0.83),
        events.indices("regions:KR", [("KR-42", "ageing_care", 17.0)]),
    ]


async def test_replay_from_the_start_rebuilds_the_same_read_model(database, bus, matching):
    events = history(matching.events)
    await publish(bus, events)
    runners = [
        ConsumerRunner(database, bus, s, fetch_timeout_s=0.3)
        for s in (registry_subscription, indicators_subscription)
    ]
    await caught_up(bus, runners)
    before = await dump(database)
    assert (
        len(before["eco_actor"]) == 4 and len(before["eco_partner_pair"]) == 2
    )  # ps-2 ended: no pair
    assert len(before["eco_hub_operator"]) == 1
    counts = (await matching.get("/ecosystem")).json()
    assert counts | {"revision": 0} == {
        "revision": 0,
        "actors": 3,
        "deleted_actors": 1,
        "programmes": 1,
        "cohorts": 1,
        "memberships": 2,
        "current_partner_pairs": 2,
        "severities": 1,
        "theme_indices": 1,
    }

    for runner in runners:
        await runner.rebuild()
    assert all(rows == [] for rows in (await dump(database)).values())
    await caught_up(bus, runners)
    assert await dump(database) == before


async def test_a_redelivered_event_changes_nothing(database, bus, matching):
    events = history(matching.events)
    await publish(bus, events)
    runners = [
        ConsumerRunner(database, bus, s, fetch_timeout_s=0.3)
        for s in (registry_subscription, indicators_subscription)
    ]
    await caught_up(bus, runners)
    before = await dump(database)

    # The same events again under new message ids (past the broker's duplicate window): the
    # consumers' processed ids drop them; applying one directly is refused as already applied.
    await publish(bus, events, msg_id_suffix="-again")
    await caught_up(bus, runners)
    assert await dump(database) == before
    assert await runners[0].apply(events[1]) is False


async def test_an_older_event_never_overwrites_a_newer_state(matching):
    events = matching.events
    actor = "a0000000-0000-4000-8000-000000000009"
    await matching.feed(
        events.actor(actor, version=3, offers=["data"]),
        events.actor(actor, "updated", version=2, offers=["space"]),
        events.severity("KR-42", "housing", 0.9),
        events.severity("KR-42", "housing", 0.1, computed_at=datetime(2020, 1, 1, tzinfo=UTC)),
    )
    database = Database(async_database_url(matching.database_url))
    try:
        rows = await dump(database)
    finally:
        await database.dispose()
    assert "['data']" in rows["eco_actor"][0] and "space" not in rows["eco_actor"][0]
    assert "0.9" in rows["eco_severity"][0]


async def test_an_annual_severity_weighs_over_another_frequency_in_any_order(matching):
    events = matching.events
    later = datetime(2030, 1, 1, tzinfo=UTC)

    async def weighed() -> dict[str, tuple[str, float | None]]:
        database = Database(async_database_url(matching.database_url))
        try:
            async with database.session() as session:
                rows = await EcosystemRepository(session).severities()
        finally:
            await database.dispose()
        return {geography: (row.frequency, row.severity) for (geography, _), row in weighing_severities(rows).items()}

    await matching.feed(
        events.severity("KR-42", "housing", 0.9),
        events.severity("KR-42", "housing", 0.1, computed_at=later, frequency="monthly"),
        events.severity("KR-11", "housing", 0.2, computed_at=later, frequency="monthly"),
        events.severity("KR-11", "housing", 0.7),
        events.severity("KR-26", "housing", 0.3, frequency="quarterly"),
        events.severity("KR-26", "housing", 0.4, computed_at=later, frequency="monthly"),
        events.severity("KR-26", "housing", 0.5, computed_at=datetime(2020, 1, 1, tzinfo=UTC), frequency="monthly"),
    )
    assert await weighed() == {"KR-42": ("annual", 0.9), "KR-11": ("annual", 0.7), "KR-26": ("monthly", 0.4)}
    assert (await matching.get("/ecosystem")).json()["severities"] == 3  # places, not rows (six)
    # An annual severity that can no longer be computed leaves the monthly one to weigh.
    await matching.feed(events.severity("KR-42", "housing", None, band=None, computed_at=later))
    assert (await weighed())["KR-42"] == ("monthly", 0.1)
    # A row kept before the read model knew frequencies (migration 0003) weighs only where no
    # other does.
    await matching.feed(events.severity("KR-50", "housing", 0.6, computed_at=later))
    await matching.scalar("UPDATE eco_severity SET frequency = 'unknown' WHERE geography = 'KR-50' RETURNING theme")
    assert (await weighed())["KR-50"] == ("unknown", 0.6)
    await matching.feed(events.severity("KR-50", "housing", 0.3, computed_at=datetime(2020, 1, 1, tzinfo=UTC),
                                        frequency="quarterly"))
    assert (await weighed())["KR-50"] == ("quarterly", 0.3)
    # … and is gone: when the quarterly one can no longer be computed, it does not weigh again.
    await matching.feed(events.severity("KR-50", "housing", None, band=None, computed_at=later, frequency="quarterly"))
    assert "KR-50" not in await weighed()


async def test_an_older_operator_list_never_replaces_a_newer_one(matching):
    events = matching.events
    hub = "a0000000-0000-4000-8000-000000000021"
    held = "SELECT string_agg(account_id, ',' ORDER BY account_id) FROM eco_hub_operator"
    if matching.database_url.startswith("sqlite"):
        held = "SELECT group_concat(account_id, ',') FROM (SELECT account_id FROM eco_hub_operator ORDER BY account_id)"
    # Lists published before the registry versioned them replace each other in the order they come.
    await matching.feed(events.hub_operators(hub, "owner", ["a"]), events.hub_operators(hub, "owner", ["b"]))
    assert await matching.scalar(held) == "b"
    await matching.feed(
        events.hub_operators(hub, "owner", ["c", "d"], version=2),
        events.hub_operators(hub, "owner", ["e"], version=1),  # older, redelivered later
        events.hub_operators(hub, "owner", ["f"]),  # older than any versioned list
    )
    assert await matching.scalar(held) == "c,d"
    await matching.feed(events.hub_operators(hub, "owner", [], version=3))
    assert await matching.scalar(held) is None
    await matching.feed(events.hub_operators(hub, "owner", ["e"], version=1))
    assert await matching.scalar("SELECT count(*) FROM eco_hub_operator") == 0


async def test_one_batch_holding_several_versions_of_an_actor_keeps_the_newest_once(matching):
    """In one transaction (a consumer's batch) a row put earlier is found again before it is
    written: a later version updates it (one row, not a second insert), an older one after it
    changes nothing, and the batch's changes share one revision. (The first actor's row is written
    when the revision is taken; the second's only at the commit.)"""
    events = matching.events
    actor, other = "a0000000-0000-4000-8000-000000000011", "a0000000-0000-4000-8000-000000000012"
    database = Database(async_database_url(matching.database_url))
    try:
        runner = ConsumerRunner(database, EventBus(matching.nats_url, name="unused"), registry_subscription)
        applied = await runner.apply_batch([
            events.actor(other, version=1),
            events.actor(actor, version=1, offers=["data"]),
            events.actor(actor, "updated", version=3, offers=["space"]),
            events.actor(actor, "updated", version=2, offers=["legal"]),
        ])
        async with database.session() as session:
            rows = (await session.exec(text("SELECT id, offers, version, revision FROM eco_actor ORDER BY id"))).all()
    finally:
        await database.dispose()
    assert applied == [True] * 4
    assert [(r[0], json.loads(r[1]) if isinstance(r[1], str) else r[1], r[2]) for r in rows] == [
        (actor, ["space"], 3), (other, [], 1)]
    assert rows[0][3] == rows[1][3] > 0


async def test_two_replicas_applying_two_versions_of_a_record_at_once_keep_the_newer(matching):
    """Two matching replicas (two connections) apply versions 3 and 2 of one record at the same
    moment. The one that reads second waits for the first to commit and compares with what it
    wrote, so the older version never commits last (with a plain read both compared with version
    1, and version 2, committed second, won)."""
    events = matching.events
    actor, hub = "a0000000-0000-4000-8000-000000000031", "a0000000-0000-4000-8000-000000000032"
    await matching.feed(events.actor(actor, version=1), events.hub_operators(hub, "owner", ["a"], version=1))
    races = [
        (EcosystemService.apply_actor, ActorData, [events.actor(actor, "updated", version=v).data["actor"]
                                                   for v in (3, 2)]),
        (EcosystemService.apply_hub_operators, HubOperatorsData,
         [events.hub_operators(hub, "owner", accounts, version=v).data["hub"] for v, accounts in ((3, ["c"]), (2, ["b"]))]),
    ]
    replicas = [Database(async_database_url(matching.database_url)) for _ in range(2)]

    async def apply_in(replica: Database, apply: Any, data: Any) -> None:
        async with replica.session() as session:
            await apply(EcosystemService(session), data)

    try:
        for apply, view, (newer, older) in races:
            async with replicas[0].session() as first:
                await apply(EcosystemService(first), view.model_validate(newer))
                second = asyncio.create_task(apply_in(replicas[1], apply, view.model_validate(older)))
                await asyncio.sleep(0.5)
                assert not second.done()  # it waits for the first replica's transaction
            await asyncio.wait_for(second, 30)
    finally:
        for replica in replicas:
            await replica.dispose()
    assert await matching.scalar(f"SELECT version FROM eco_actor WHERE id = '{actor}'") == 3
    assert await matching.scalar(f"SELECT version FROM eco_hub_operator_list WHERE hub_id = '{hub}'") == 3
    assert await matching.scalar(f"SELECT account_id FROM eco_hub_operator WHERE hub_id = '{hub}'") == "c"


async def test_two_replicas_applying_batches_that_cross_take_turns_without_a_deadlock(matching):
    """Replica A applies actor X and then Y in one batch while replica B applies Y: B waits for A
    (both queue on the revision row first) instead of each holding a row the other reads next."""
    events = matching.events
    x, y = "a0000000-0000-4000-8000-000000000041", "a0000000-0000-4000-8000-000000000042"
    await matching.feed(events.actor(x, version=1), events.actor(y, version=1))
    replicas = [Database(async_database_url(matching.database_url)) for _ in range(2)]

    def state(actor_id: str, version: int) -> ActorData:
        return ActorData.model_validate(events.actor(actor_id, "updated", version=version).data["actor"])

    async def apply_in(replica: Database, data: ActorData) -> None:
        async with replica.session() as session:
            await EcosystemService(session).apply_actor(data)

    try:
        async with replicas[0].session() as first:
            await EcosystemService(first).apply_actor(state(x, 2))
            second = asyncio.create_task(apply_in(replicas[1], state(y, 2)))
            await asyncio.sleep(0.5)
            assert not second.done()
            await EcosystemService(first).apply_actor(state(y, 3))
        await asyncio.wait_for(second, 30)  # a deadlock would raise here or in the first replica
    finally:
        for replica in replicas:
            await replica.dispose()
    assert await matching.scalar(f"SELECT version FROM eco_actor WHERE id = '{y}'") == 3
