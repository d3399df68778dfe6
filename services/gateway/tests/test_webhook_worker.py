"""The delivery worker driven round by round (the app's own worker is off), on the gateway's
database, to a real receiver over TCP."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sihub_gateway.settings import GatewaySettings
from sihub_gateway.webhooks.lanes import LaneRests, QueueBell
from sihub_gateway.webhooks.models import DeliveryStatus, WebhookDelivery
from sihub_gateway.webhooks.repository import QueuedEvent, WebhookRepository
from sihub_gateway.webhooks.sender import Outcome
from sihub_gateway.webhooks.service import WebhookService
from sihub_gateway.webhooks.worker import DeliveryWorker
from sihub_shared.testing.servers import serving


@pytest.fixture
def gateway_settings(gateway_settings: GatewaySettings, database_url: str) -> GatewaySettings:
    return GatewaySettings.model_validate(gateway_settings.model_dump() | {
        "database_url": database_url, "webhook_allow_local_targets": True, "run_workers": False,
        "webhook_lane_batch": 10,
    })


async def test_a_front_whose_time_is_up_hands_the_rest_of_its_lane_to_the_next_round(gateway, gateway_settings):
    """A front starts no request after its time (so it never outlives its lease, however long the
    batch): the rest, never leased, is claimed again in the next round, and still arrives in order."""
    received: list[str] = []

    async def endpoint(request: Request) -> Response:
        received.append(json.loads(await request.body())["id"])
        return Response(status_code=204)

    async with serving(Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])) as base:
        key = await gateway.key("integrator")
        webhook = (await gateway.call("POST", "/api/v1/gateway/webhooks", key,
                                      json={"url": base + "/hook", "types": ["org.sihub.ledger.*"]})).json()
        events = [f"e{sequence}" for sequence in range(1, 5)]
        async with gateway.database.session() as session:
            await WebhookRepository(session).queue(
                [QueuedEvent([webhook["id"]], event_id, "org.sihub.ledger.note.written.v1", sequence,
                             json.dumps({"id": event_id}).encode()) for sequence, event_id in enumerate(events, start=1)],
                stream="ledger", at=datetime.now(UTC))
            await session.commit()

        worker = DeliveryWorker(gateway.database, gateway_settings)
        worker.front_s = 0.0  # every front's time is up as it starts: one request each
        claimed: list[int] = []
        try:
            while not claimed or claimed[-1] or worker.in_flight:
                claimed.append(await worker.run_once())
                assert len(claimed) < 20, claimed
        finally:
            await worker.sender.close()

    assert received == events
    # The whole lane claimed each round (the batch allows 10), one sent, the rest left due.
    assert [n for n in claimed if n] == [4, 3, 2, 1]
    async with gateway.database.session() as session:
        statuses = (await session.exec(select(WebhookDelivery.status))).all()
    assert statuses == [DeliveryStatus.delivered] * 4


async def test_a_stop_that_comes_as_the_worker_is_woken_still_stops_it(gateway, gateway_settings):
    worker = DeliveryWorker(gateway.database, gateway_settings.model_copy(update={"webhook_poll_s": 30.0}))
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.3)  # a round done, waiting to be woken
    # A lane finishes (or the bell rings) as the gateway stops (asyncio.wait_for, on Python 3.11,
    # would return and drop the cancel).
    worker.wakes.set()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    assert task in done and task.cancelled()


async def test_idle_and_waiting_lanes_rest_until_woken_due_or_swept(gateway, gateway_settings):
    """A claim reads only the lanes that may have something to send: of 30 subscriptions × 2 streams,
    after a first round that reads every lane, one whose head waits for its retry is read again
    when it comes due, an idle one when the bell rings for it (this process queued for it) or at
    the next sweep (what another gateway process queued)."""
    key = await gateway.key("integrator")
    ids = [(await gateway.call("POST", "/api/v1/gateway/webhooks", key, json={
        "url": f"http://127.0.0.1:9/hook-{n}", "types": ["org.sihub.ledger.*"]})).json()["id"] for n in range(30)]
    rests, bell = LaneRests(sweep_s=60), QueueBell()
    bell.worker_rests = rests
    start = datetime.now(UTC)
    idle: list[int] = []

    async def claim(at: datetime) -> list[str]:
        async with gateway.database.session() as session:
            claimed, _ = await WebhookService(session, gateway_settings).claim_due(at, set(), rests)
            await session.commit()
        idle.append(sum(1 for until in rests.until.values() if until is None))
        return [delivery.event_id for delivery, _ in claimed]

    async def queue(subscription_id: str, event_id: str, sequence: int, at: datetime, *, ring: bool) -> None:
        async with gateway.database.session() as session:
            await WebhookRepository(session).queue([QueuedEvent([subscription_id], event_id, "org.sihub.ledger.note.written.v1",
                                                                sequence, b"{}")], stream="ledger", at=at)
            if ring:
                bell.ring_after_commit(session, [(subscription_id, "ledger")])
            await session.commit()

    await queue(ids[0], "retrying", 1, start + timedelta(seconds=10), ring=False)  # waits for its retry
    assert await claim(start) == []
    assert idle[-1] == 59 and rests.next_due() == start + timedelta(seconds=10)  # every other lane idle

    await queue(ids[1], "from-another-process", 1, start, ring=False)
    assert await claim(start + timedelta(seconds=1)) == []  # idle lanes are not read
    await queue(ids[2], "rung", 1, start, ring=True)
    assert await claim(start + timedelta(seconds=2)) == ["rung"]
    assert await claim(start + timedelta(seconds=11)) == ["retrying"]
    assert await claim(start + timedelta(seconds=61)) == ["from-another-process"]  # the sweep


def test_a_lane_woken_while_its_claim_ran_is_read_again():
    """The bell can ring between a claim's read and its note (the queue committed meanwhile): what
    the read saw of that lane may predate the deliveries, so the lane does not rest on it."""
    rests, now = LaneRests(sweep_s=60), datetime.now(UTC)
    lanes = [("a", "ledger"), ("b", "ledger")]
    assert rests.to_read(lanes, now) == lanes  # the first round sweeps
    rests.wake([("a", "ledger")])
    rests.note(lanes, {}, now)  # both read empty
    assert rests.to_read(lanes, now + timedelta(seconds=1)) == [("a", "ledger")]


def test_a_lane_no_longer_offered_sets_no_wake_up_time():
    """A lane whose head waited for its retry, then paused (no longer offered to a claim): its old
    due time must not wake the worker in a loop once it has passed."""
    rests, now = LaneRests(sweep_s=60), datetime.now(UTC)
    waiting, idle = ("a", "ledger"), ("b", "ledger")
    rests.to_read([waiting, idle], now)
    rests.note([waiting, idle], {waiting: now + timedelta(seconds=5)}, now)
    assert rests.next_due() == now + timedelta(seconds=5)
    assert rests.to_read([idle], now + timedelta(seconds=10)) == []
    assert rests.next_due() is None


async def test_an_outcome_longer_than_its_column_is_kept_cut_short_with_the_others_of_its_round(gateway, gateway_settings):
    """A refusal quotes the host, which may be 253 characters: on PostgreSQL such an error once broke
    the whole round's record (the other lane's delivery was sent again), and the lane was never disabled."""
    key = await gateway.key("integrator")
    hooks = [(await gateway.call("POST", "/api/v1/gateway/webhooks", key, json={
        "url": f"http://127.0.0.1:9/hook-{n}", "types": ["org.sihub.ledger.*"]})).json()["id"] for n in range(2)]
    async with gateway.database.session() as session:
        await WebhookRepository(session).queue(
            [QueuedEvent([hooks[0]], "e1", "org.sihub.ledger.note.written.v1", 1, b"{}"),
             QueuedEvent([hooks[1]], "e2", "org.sihub.ledger.note.written.v1", 2, b"{}")],
            stream="ledger", at=datetime.now(UTC))
        await session.commit()
    async with gateway.database.session() as session:
        deliveries = {d.subscription_id: d.id for d in (await session.exec(select(WebhookDelivery))).all()}
    host = ".".join(["a" * 63] * 3 + ["b" * 61])
    refused = Outcome(None, 1.0, f"refused: host {host!r} resolves to a non-public address (10.0.0.1)")
    async with gateway.database.session() as session:
        await WebhookService(session, gateway_settings).record_outcomes(
            [(deliveries[hooks[0]], Outcome(204, 1.0, None)), (deliveries[hooks[1]], refused)])
        await session.commit()
    async with gateway.database.session() as session:
        found = {d.subscription_id: d for d in (await session.exec(select(WebhookDelivery))).all()}
    assert found[hooks[0]].status == DeliveryStatus.delivered
    assert found[hooks[1]].last_error == refused.error and len(refused.error) == 300
    assert refused.error.endswith("…") and host[:100] in refused.error
