"""Webhooks at the gateway: real receivers over TCP verify Standard Webhooks signatures with the
standardwebhooks package; events come from a real upstream's outbox through real NATS."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from sqlalchemy import event
from sqlmodel import select
from standardwebhooks import Webhook as Verifier

from sihub_gateway.accounts.models import Account
from sihub_gateway.settings import GatewaySettings
from sihub_gateway.webhooks.models import Webhook
from sihub_gateway.webhooks.repository import QueuedEvent, WebhookRepository
from sihub_gateway.webhooks.service import WebhookService
from sihub_shared.identity import Identity, Role
from sihub_shared.pagination import encode_cursor
from sihub_shared.testing import read_stream
from sihub_shared.testing.ledger import wait_until
from sihub_shared.testing.servers import serving

LEDGER_TYPES = ["org.sihub.ledger.*"]


@dataclass
class Receiver:
    """Answers `failures` 500s first (or forever with -1), then 204; keeps what it was sent."""

    url: str = ""
    failures: int = 0
    received: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        status = 500 if self.failures != 0 else 204
        if self.failures > 0:
            self.failures -= 1
        self.received.append((dict(request.headers), body, status))
        return Response(status_code=status)

    def delivered(self) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for h, b, status in self.received if status == 204]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    async with serving(Starlette(routes=[Route("/hook", receiver.endpoint, methods=["POST"])])) as base:
        receiver.url = base + "/hook"
        yield receiver


@pytest.fixture
def poll_s() -> float:
    return 0.05


@pytest.fixture
def gateway_settings(gateway_settings: GatewaySettings, database_url: str, poll_s: float) -> GatewaySettings:
    return GatewaySettings.model_validate(gateway_settings.model_dump() | {
        "database_url": database_url, "webhook_allow_local_targets": True, "webhook_retry_base_s": 0.05,
        "webhook_retry_max_s": 0.2, "webhook_max_attempts": 3, "webhook_poll_s": poll_s,
        # No sweep after the first round: what these tests queue, send again or resume reaches the
        # worker through the bell, or is found as its retry comes due.
        "webhook_sweep_s": 3600,
        # Lanes of several fronts; a receiver that does not answer is waited for as long as allowed.
        "webhook_lane_batch": 2, "webhook_timeout_s": 30,
    })


async def subscribe(gateway, key: str, url: str, types: list[str] = LEDGER_TYPES) -> dict:
    response = await gateway.call("POST", "/api/v1/gateway/webhooks", key,
                                  json={"url": url, "types": types, "description": "CRM sync"})
    assert response.status_code == 201, response.text
    return response.json()


async def ledger_events(nats_url: str) -> list[dict]:
    import nats
    client = await nats.connect(nats_url)
    try:
        return [e.model_dump(mode="json") for e in await read_stream(client.jetstream(), "SIHUB_LEDGER", "sihub.ledger.>")]
    finally:
        await client.close()


async def until_delivered(receiver: Receiver, count: int) -> None:
    async def done() -> bool:
        return len(receiver.delivered()) >= count
    await wait_until(done)


async def until_recorded(gateway, key: str, webhook_id: str, count: int) -> None:
    """The receiver's 2xx is recorded a moment after it answered: wait for the gateway's record."""
    async def done() -> bool:
        items = (await gateway.call("GET", f"/api/v1/gateway/webhooks/{webhook_id}/deliveries", key)).json()["items"]
        return sum(d["status"] == "delivered" for d in items) >= count
    await wait_until(done)


async def test_delivers_each_event_signed_as_published_in_order(gateway, ledger, receiver, fresh_nats_server):
    key = await gateway.key("integrator")
    webhook = await subscribe(gateway, key, receiver.url)
    assert webhook["secret"].startswith("whsec_") and webhook["status"] == "active"
    await ledger.write(5)
    await until_delivered(receiver, 5)
    await until_recorded(gateway, key, webhook["id"], 5)

    published = await ledger_events(fresh_nats_server.url)
    verifier = Verifier(webhook["secret"])
    bodies = []
    for headers, body in receiver.delivered():
        assert verifier.verify(body, headers) == json.loads(body)  # raises on a bad signature
        assert headers["webhook-id"] == json.loads(body)["id"]
        bodies.append(json.loads(body))
    assert bodies == published  # every event once, as published, in stream order
    # The key's own gateway events (account, key) are not ledger types: not sent.
    assert all(b["type"] == "org.sihub.ledger.note.written.v1" for b in bodies)

    deliveries = (await gateway.call("GET", f"/api/v1/gateway/webhooks/{webhook['id']}/deliveries", key)).json()
    assert [d["status"] for d in deliveries["items"]] == ["delivered"] * 5
    attempts = await gateway.call(
        "GET", f"/api/v1/gateway/webhooks/{webhook['id']}/deliveries/{deliveries['items'][0]['id']}/attempts", key)
    [attempt] = attempts.json()
    assert attempt["status_code"] == 204 and attempt["error"] is None and attempt["latency_ms"] > 0


@pytest.mark.parametrize("poll_s", [3600.0])
async def test_queued_deliveries_wake_the_worker_without_waiting_for_its_poll(gateway, ledger, receiver):
    """The worker polls once an hour here: every delivery it sends, it was woken for by the queue's
    commit (its first round ran at start, before anything was queued)."""
    key = await gateway.key("integrator")
    await subscribe(gateway, key, receiver.url)
    await ledger.write(2)
    await until_delivered(receiver, 2)
    await ledger.write(3)
    await until_delivered(receiver, 5)
    assert len(receiver.received) == 5


async def test_a_failing_receiver_gets_retries_and_the_order_is_kept(gateway, ledger, receiver, fresh_nats_server):
    key = await gateway.key("integrator")
    webhook = await subscribe(gateway, key, receiver.url)
    receiver.failures = 2
    await ledger.write(3)
    await until_delivered(receiver, 3)
    await until_recorded(gateway, key, webhook["id"], 3)

    published = [e["id"] for e in await ledger_events(fresh_nats_server.url)]
    sent = [json.loads(body)["id"] for _, body, _ in receiver.received]
    # The first event twice refused, then accepted; the later ones waited behind it.
    assert sent == [published[0]] * 3 + published[1:]
    deliveries = (await gateway.call("GET", f"/api/v1/gateway/webhooks/{webhook['id']}/deliveries", key)).json()
    first = deliveries["items"][0]
    attempts = (await gateway.call(
        "GET", f"/api/v1/gateway/webhooks/{webhook['id']}/deliveries/{first['id']}/attempts", key)).json()
    assert [(a["status_code"], a["error"]) for a in attempts] == [(500, "answered 500")] * 2 + [(204, None)]


async def test_a_stuck_receiver_holds_back_only_its_own_lane(gateway, ledger, receiver, fresh_nats_server):
    """A receiver that does not answer holds its first request; meanwhile the healthy receiver gets
    every event (several lane fronts), so no round of the worker waited for the stuck one."""
    answer = asyncio.Event()
    stuck_requests: list[str] = []

    async def stuck_endpoint(request: Request) -> Response:
        stuck_requests.append(json.loads(await request.body())["id"])
        await answer.wait()
        return Response(status_code=204)

    key = await gateway.key("integrator")
    async with serving(Starlette(routes=[Route("/hook", stuck_endpoint, methods=["POST"])])) as stuck_base:
        await subscribe(gateway, key, stuck_base + "/hook")
        await subscribe(gateway, key, receiver.url)
        await ledger.write(5)
        await until_delivered(receiver, 5)
        published = [e["id"] for e in await ledger_events(fresh_nats_server.url)]
        # The stuck lane is still on its first request (not timed out, so not retried).
        assert stuck_requests == published[:1]
        assert [json.loads(body)["id"] for _, body in receiver.delivered()] == published

        answer.set()

        async def stuck_caught_up() -> bool:
            return len(stuck_requests) == 5
        await wait_until(stuck_caught_up)
    assert stuck_requests == published


async def test_failing_every_retry_disables_with_an_event_and_can_be_redelivered(gateway, ledger, receiver):
    key = await gateway.key("integrator")
    webhook = await subscribe(gateway, key, receiver.url)
    path = f"/api/v1/gateway/webhooks/{webhook['id']}"
    receiver.failures = -1
    [note] = await ledger.write(1)

    async def disabled() -> bool:
        return (await gateway.call("GET", path, key)).json()["status"] == "disabled"
    await wait_until(disabled)
    assert len(receiver.received) == 3  # webhook_max_attempts
    [failed] = (await gateway.call("GET", f"{path}/deliveries", key, params={"status": "failed"})).json()["items"]
    assert failed["attempts"] == 3 and failed["last_error"] == "answered 500"

    events = await gateway.call("GET", "/api/v1/events", key, params={"types": "org.sihub.gateway.webhook.disabled.v1"})
    [event] = events.json()["items"]
    assert event["data"]["webhook_id"] == webhook["id"] and event["data"]["failed_delivery_id"] == failed["id"]

    receiver.failures = 0
    assert (await gateway.call("POST", f"{path}/deliveries/{failed['id']}/redeliver", key)).status_code == 202
    assert (await gateway.call("POST", f"{path}/resume", key)).json()["status"] == "active"
    await until_delivered(receiver, 1)
    assert json.loads(receiver.delivered()[0][1])["subject"] == note


async def test_a_delivered_event_sent_again_arrives_again_at_once(gateway, ledger, receiver):
    """Once its lane is idle the worker no longer reads it (no sweep in these tests): the owner's
    request to send a delivered event again wakes the lane, and it is sent without waiting."""
    key = await gateway.key("integrator")
    webhook = await subscribe(gateway, key, receiver.url)
    path = f"/api/v1/gateway/webhooks/{webhook['id']}"
    await ledger.write(1)
    await until_recorded(gateway, key, webhook["id"], 1)
    await asyncio.sleep(0.3)  # rounds after it: the lane read empty, and resting
    [delivered] = (await gateway.call("GET", f"{path}/deliveries", key)).json()["items"]
    assert (await gateway.call("POST", f"{path}/deliveries/{delivered['id']}/redeliver", key)).status_code == 202
    await until_delivered(receiver, 2)
    assert receiver.delivered()[0][1] == receiver.delivered()[1][1]


async def test_paused_holds_and_rotation_keeps_the_old_secret_valid(gateway, ledger, receiver):
    key = await gateway.key("integrator")
    webhook = await subscribe(gateway, key, receiver.url)
    path = f"/api/v1/gateway/webhooks/{webhook['id']}"
    assert (await gateway.call("POST", f"{path}/pause", key)).json()["status"] == "paused"
    await ledger.write(1)

    async def queued() -> bool:
        return len((await gateway.call("GET", f"{path}/deliveries", key)).json()["items"]) == 1
    await wait_until(queued)
    assert receiver.received == []

    rotated = (await gateway.call("POST", f"{path}/rotate-secret", key)).json()
    assert rotated["secret"] != webhook["secret"] and rotated["previous_secret_until"]
    assert "secret" not in (await gateway.call("GET", path, key)).json()  # shown once
    await gateway.call("POST", f"{path}/resume", key)
    await until_delivered(receiver, 1)
    [(headers, body)] = receiver.delivered()
    for secret in (rotated["secret"], webhook["secret"]):
        Verifier(secret).verify(body, headers)


async def test_only_the_owner_sees_a_webhook(gateway, receiver):
    owner = await gateway.key("integrator", name="Owner Org")
    other = await gateway.key("integrator", name="Other Org")
    partner = await gateway.key("partner", name="Partner Org")
    webhook = await subscribe(gateway, owner, receiver.url)
    path = f"/api/v1/gateway/webhooks/{webhook['id']}"
    for method, suffix in (("GET", ""), ("POST", "/pause"), ("POST", "/rotate-secret"), ("DELETE", ""),
                           ("GET", "/deliveries")):
        response = await gateway.call(method, path + suffix, other)
        assert response.status_code == 404, (method, suffix, response.text)
        assert response.json()["errors"][0]["field"] == "webhook_id"
    assert (await gateway.call("GET", "/api/v1/gateway/webhooks", other)).json() == []
    assert (await gateway.call("GET", "/api/v1/gateway/webhooks", partner)).status_code == 403
    forged = encode_cursor({"position": 10**30})  # once a 500: past what the column holds
    response = await gateway.call("GET", f"{path}/deliveries?cursor={forged}", owner)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "cursor"
    unknown = await gateway.call("POST", f"{path}/deliveries/00000000-0000-0000-0000-000000000000/redeliver", owner)
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "delivery_id"
    assert (await gateway.call("DELETE", path, owner)).status_code == 204
    assert (await gateway.call("GET", path, owner)).status_code == 404


async def test_an_admin_can_stop_any_accounts_webhook_but_not_take_its_secret(gateway, receiver):
    """An account whose access ended (its keys revoked) keeps its subscriptions: an admin finds and
    pauses or deletes them; the signing secret stays its owner's."""
    owner = await gateway.key("integrator", name="Former Customer")
    webhook = await subscribe(gateway, owner, receiver.url)
    me = (await gateway.call("GET", "/api/v1/gateway/me", owner)).json()
    listed = await gateway.call("GET", "/api/v1/gateway/webhooks", gateway.admin, params={"account_id": me["account_id"]})
    assert [w["id"] for w in listed.json()] == [webhook["id"]]
    assert (await gateway.call("GET", "/api/v1/gateway/webhooks", gateway.admin)).json() == []  # the admin's own
    refused = await gateway.call("GET", "/api/v1/gateway/webhooks", owner, params={"account_id": "another"})
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "account_id"
    path = f"/api/v1/gateway/webhooks/{webhook['id']}"
    paused = await gateway.call("POST", path + "/pause", gateway.admin)
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert (await gateway.call("GET", path, owner)).json()["status"] == "paused"
    assert (await gateway.call("POST", path + "/rotate-secret", gateway.admin)).status_code == 404
    assert (await gateway.call("DELETE", path, gateway.admin)).status_code == 204
    assert (await gateway.call("GET", path, owner)).status_code == 404


async def _subscriptions_with_a_delivery(session, count: int, at: datetime) -> list[Webhook]:  # noqa: ANN001 - a session
    """`count` subscriptions of the first account, each with one delivery due `at` in stream "ledger"."""
    account = (await session.exec(select(Account))).first()
    webhooks = [Webhook(account_id=account.id, url="https://example.org/hook", types=["*"], secret="whsec_x")
                for _ in range(count)]
    session.add_all(webhooks)
    await session.flush()
    await WebhookRepository(session).queue(
        [QueuedEvent([w.id for w in webhooks], "e-1", "org.sihub.ledger.note.written.v1", 1, b"{}")],
        stream="ledger", at=at)
    return webhooks


async def test_a_claim_reads_every_lane_however_many_subscriptions_there_are(gateway):
    """Lanes are subscriptions × streams: 130 subscriptions make 650, past SQLite's 500 terms
    of a compound SELECT; the claim still reads the front of every one."""
    async with gateway.database.session() as session:
        now = datetime.now(UTC)
        webhooks = await _subscriptions_with_a_delivery(session, 130, now)
        lanes = [(w.id, stream) for w in webhooks for stream in ("gateway", "ledger", "a", "b", "c")]
        claimed, _ = await WebhookRepository(session).claim_due(now, now + timedelta(minutes=1), lanes, 1,
                                                                 max_lanes=len(lanes))
        assert sorted(d.subscription_id for d in claimed) == sorted(w.id for w in webhooks)


async def test_claims_of_every_lane_count_share_a_few_statement_shapes(gateway):
    """The lanes of a round change with every delivery in flight and every new subscription: claims
    of 1 to 40 lanes each take the front of every lane asked for, in statements of the shapes
    1, 2, 4, … 64 lanes, not one a count (each new shape is compiled anew)."""
    statements: set[str] = set()
    async with gateway.database.session() as session:
        start = datetime.now(UTC)
        webhooks = await _subscriptions_with_a_delivery(session, 40, start)
        own = (await session.connection()).sync_connection  # not the app's delivery worker's

        def note_claim(connection, _cursor, statement, *_args) -> None:  # noqa: ANN001 - SQLAlchemy's event signature
            if connection is own and "UNION ALL" in statement:
                statements.add(statement)

        event.listen(gateway.database.engine.sync_engine, "before_cursor_execute", note_claim)
        try:
            repository = WebhookRepository(session)
            for count in range(1, 41):
                now = start + timedelta(seconds=count)  # the leases of the claim before have ended
                lanes = [(w.id, "ledger") for w in webhooks[:count]]
                claimed, _ = await repository.claim_due(now, now + timedelta(milliseconds=500), lanes, 1,
                                                        max_lanes=count)
                assert sorted(d.subscription_id for d in claimed) == sorted(subscription_id for subscription_id, _ in lanes)
        finally:
            event.remove(gateway.database.engine.sync_engine, "before_cursor_execute", note_claim)
    assert len(statements) == 6  # 2, 4, … 64 lanes: one lane is a single SELECT, no UNION


async def test_a_claimed_front_holds_back_its_whole_lane_from_another_claim(gateway, gateway_settings):
    """A front is leased through its first row: a second claim (another worker's) takes nothing of
    that lane, not even the rows of the front beyond its first, until the lease ends; then the
    whole front again (at least once), in order."""
    async with gateway.database.session() as session:
        account = (await session.exec(select(Account))).first()
        webhook = Webhook(account_id=account.id, url="https://example.org/hook", types=["*"], secret="whsec_x")
        session.add(webhook)
        await session.flush()
        now = datetime.now(UTC)
        repository = WebhookRepository(session)
        await repository.queue([QueuedEvent([webhook.id], f"e-{sequence}", "org.sihub.ledger.note.written.v1",
                                            sequence, b"{}") for sequence in range(1, 6)], stream="ledger", at=now)
        lane = [(webhook.id, "ledger")]
        lease_until = now + timedelta(minutes=1)
        first, _ = await repository.claim_due(now, lease_until, lane, 3, max_lanes=1)
        assert [d.event_id for d in first] == ["e-1", "e-2", "e-3"]
        second, heads = await repository.claim_due(now, lease_until, lane, 3, max_lanes=1)
        assert second == [] and heads == {lane[0]: lease_until}
        # The owner asks for the head again while it is being sent: the lease is kept.
        owner = Identity(account_id=account.id, organisation=account.name, roles=frozenset({Role.integrator}))
        await WebhookService(session, gateway_settings).redeliver(owner, webhook.id, first[0].id)
        await session.flush()
        after = datetime.now(UTC)
        second, heads = await repository.claim_due(after, after + timedelta(minutes=1), lane, 3, max_lanes=1)
        assert second == [] and heads == {lane[0]: lease_until}
        later = lease_until + timedelta(seconds=1)
        again, _ = await repository.claim_due(later, later + timedelta(minutes=1), lane, 5, max_lanes=1)
        assert [d.event_id for d in again] == ["e-1", "e-2", "e-3", "e-4", "e-5"]


async def test_a_subscription_gets_what_is_published_after_its_creation_whatever_the_events_time(
        gateway, ledger, receiver, fresh_nats_server):
    """Review 7: an event was sent only if its `time` (stamped by the publishing service, on its own
    clock, when it recorded it) was not before the subscription's creation. One recorded just before
    but relayed after, or one from a service whose clock is behind, was skipped without a trace."""
    import nats

    [before] = await ledger.write(1)

    async def published(count: int):  # noqa: ANN202
        async def done() -> bool:
            return len(await ledger_events(fresh_nats_server.url)) >= count
        await wait_until(done)

    await published(1)
    key = await gateway.key("integrator")
    await subscribe(gateway, key, receiver.url)
    # Published after the creation, stamped an hour before it (the publisher's clock is behind).
    late = (await ledger_events(fresh_nats_server.url))[0] | {
        "id": str(uuid.uuid4()), "subject": "late",
        "time": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}
    client = await nats.connect(fresh_nats_server.url)
    try:
        await client.jetstream().publish("sihub.ledger.note.written", json.dumps(late).encode(),
                                         headers={"Nats-Msg-Id": late["id"]})
    finally:
        await client.close()
    [after] = await ledger.write(1)
    await until_delivered(receiver, 2)
    sent = [json.loads(body) for _, body in receiver.delivered()]
    # In stream order; the note published before the creation (the lane's lowest sequence) is not sent.
    assert [event["id"] for event in sent] == [late["id"], *[
        e["id"] for e in await ledger_events(fresh_nats_server.url) if e["subject"] == after]]
    assert before not in {event["subject"] for event in sent}


def test_an_event_is_after_a_subscription_by_its_position_or_its_time():
    """By the stream position, or else by time: a stream created anew numbers from 1 again, and its
    events would otherwise wait until the numbering passed the old one."""
    from sihub_gateway.webhooks.service import published_after
    from sihub_shared.events.envelope import CloudEvent

    created = datetime.now(UTC)
    webhook = Webhook(account_id="a", url="https://example.org/hook", types=["*"], secret="whsec_x",
                      created_at=created, start_positions={"ledger": 100})

    def event(sequence: int, minutes: int) -> CloudEvent:
        stamped = CloudEvent(source="/sihub/ledger", type="org.sihub.ledger.note.written.v1", data={},
                             time=created + timedelta(minutes=minutes))
        stamped._stream_sequence = sequence
        return stamped

    assert published_after(event(101, -60), "ledger", webhook)  # relayed after, stamped before
    assert not published_after(event(100, -1), "ledger", webhook)  # published before the creation
    assert published_after(event(3, 5), "ledger", webhook)  # the stream was created anew since
    assert published_after(event(1, -1), "indicators", webhook)  # a stream not there at the creation
