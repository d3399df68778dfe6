"""Replay over HTTP: the published events of every stream, read from JetStream by the gateway."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime

import httpx
import jsonschema
import nats
import pytest

from sihub_shared.testing import read_stream
from sihub_shared.testing.ledger import wait_until

LEDGER_TYPE = "org.sihub.ledger.note.written.v1"


async def published(nats_url: str) -> list[dict]:
    """Every event on the gateway's and the ledger's streams, straight from NATS."""
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        events = []
        for service in ("gateway", "ledger"):
            try:
                events += [e.model_dump(mode="json") for e in await read_stream(js, f"SIHUB_{service.upper()}", f"sihub.{service}.>")]
            except nats.js.errors.NotFoundError:
                pass
        return events
    finally:
        await client.close()


async def all_published(nats_url: str, count: int) -> list[dict]:
    async def enough() -> bool:
        return len(await published(nats_url)) >= count
    await wait_until(enough)
    return await published(nats_url)


def assert_problem(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f == field or f.startswith(f"{field}[") for f in fields), response.json()


@pytest.fixture
async def history(gateway, ledger, fresh_nats_server):
    """Events of both streams, interleaved in time: keys (gateway) and notes (ledger)."""
    integrator = await gateway.key("integrator")  # account.created + api_key.issued
    await ledger.write(3)
    await gateway.key("partner", name="Partner Org")
    await ledger.write(2)
    # admin, integrator, partner: account.created + api_key.issued each; 5 notes
    events = await all_published(fresh_nats_server.url, 6 + 5)
    return integrator, events


async def test_pages_every_stream_oldest_first_from_the_beginning(gateway, history):
    integrator, events = history
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"after": after} if after else {})
        response = await gateway.call("GET", "/api/v1/events", integrator, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += page["items"]
        after, pages = page["position"], pages + 1
        if not page["has_more"]:
            break
    assert pages >= 4  # 11 events, 3 a page
    # Every event once, exactly as published, oldest first.
    assert sorted(seen, key=lambda e: e["id"]) == sorted(events, key=lambda e: e["id"])
    times = [datetime.fromisoformat(e["time"]) for e in seen]
    assert times == sorted(times)
    assert after == "gateway:6,ledger:5"


async def test_starts_from_any_position_and_filters_types(gateway, history):
    integrator, events = history
    ledger_ids = [e["id"] for e in events if e["type"] == LEDGER_TYPE]
    response = await gateway.call("GET", "/api/v1/events", integrator,
                                  params={"after": "ledger:2", "types": "org.sihub.ledger.*"})
    assert response.status_code == 200, response.text
    assert [e["id"] for e in response.json()["items"]] == ledger_ids[2:]

    exact = await gateway.call("GET", "/api/v1/events", integrator,
                               params=[("types", "org.sihub.gateway.api_key.issued.v1"), ("types", LEDGER_TYPE)])
    assert {e["type"] for e in exact.json()["items"]} == {"org.sihub.gateway.api_key.issued.v1", LEDGER_TYPE}
    assert len(exact.json()["items"]) == 3 + 5  # a key each for the admin, the integrator, the partner


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"after": "ledger"}, 422, "after"),            # malformed
    ({"after": "nowhere:1"}, 422, "after"),         # no such stream
    ({"after": "ledger:99"}, 409, "after"),         # beyond what was published (yet)
    ({"types": "org.sihub.ledger.note.erased.v1"}, 422, "types"),  # no such type
    ({"types": "org.sihub.nothing.*"}, 422, "types"),
    ({"types": "not a type"}, 422, "types"),
])
async def test_a_position_or_type_that_does_not_exist_is_a_problem(gateway, history, params, status, field):
    integrator, _ = history
    response = await gateway.call("GET", "/api/v1/events", integrator, params=params)
    assert_problem(response, status, field)


async def test_only_integrators_and_admins_replay(gateway, history):
    partner = await gateway.key("partner", name="Another Partner")
    assert (await gateway.call("GET", "/api/v1/events", partner)).status_code == 403
    assert (await gateway.client.get("/api/v1/events")).status_code == 401
    assert (await gateway.call("GET", "/api/v1/events", gateway.admin)).status_code == 200


async def test_live_tail_sends_history_then_new_events_and_resumes(gateway, ledger, history):
    integrator, events = history
    ledger_ids = [e["id"] for e in events if e["type"] == LEDGER_TYPE]

    async def read_events(response: httpx.Response, count: int) -> list[tuple[str, dict]]:
        got, fields = [], {}
        async for line in response.aiter_lines():
            if line.startswith(("id: ", "data: ")):
                name, _, value = line.partition(": ")
                fields[name] = value
            elif line == "" and "data" in fields:
                got.append((fields["id"], json.loads(fields["data"])))
                fields = {}
                if len(got) == count:
                    return got
        raise AssertionError("the stream ended")

    headers = {"Authorization": f"Bearer {integrator}"}
    params = {"types": "org.sihub.ledger.*"}
    async with gateway.client.stream("GET", "/api/v1/events/live", params=params, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        reading = asyncio.create_task(read_events(response, 6))
        [new_id] = await ledger.write(1)
        got = await asyncio.wait_for(reading, 30)
    assert [e["id"] for _, e in got[:5]] == ledger_ids
    assert got[5][1]["subject"] == new_id
    # A reconnect with Last-Event-ID continues right after that event.
    resume = headers | {"Last-Event-ID": got[3][0]}
    async with gateway.client.stream("GET", "/api/v1/events/live", params=params, headers=resume) as response:
        again = await asyncio.wait_for(read_events(response, 2), 30)
    assert [e["id"] for _, e in again] == [e["id"] for _, e in got[4:6]]


async def test_a_live_stream_ends_once_its_key_is_revoked(gateway, ledger, history):
    integrator, _ = history
    headers = {"Authorization": f"Bearer {integrator}"}
    async with gateway.client.stream("GET", "/api/v1/events/live", params={"types": "org.sihub.ledger.*"},
                                     headers=headers) as response:
        assert response.status_code == 200
        received: list[str] = []

        async def read_to_the_end() -> None:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    received.append(json.loads(line.removeprefix("data: "))["subject"])

        reading = asyncio.create_task(read_to_the_end())
        await wait_until(lambda: asyncio.sleep(0, len(received) == 5))  # the history
        revoked = await gateway.call("DELETE", f"/api/v1/gateway/keys/{integrator.split('_')[1]}", gateway.admin)
        assert revoked.status_code == 200, revoked.text
        [written_after] = await ledger.write(1)
        await asyncio.wait_for(reading, 30)  # the gateway ended the stream
    assert len(received) == 5 and written_after not in received


async def test_asyncapi_describes_nats_security_and_the_webhook_delivery(gateway, ledger):
    document = (await gateway.client.get("/asyncapi.json")).json()
    assert document["servers"]["nats"]["security"] == [{"$ref": "#/components/securitySchemes/natsUser"}]
    assert document["components"]["securitySchemes"]["natsUser"]["type"] == "userPassword"
    # The upstream's channels are merged in, each saying who may publish on it.
    assert "`ledger`" in document["channels"]["sihub_ledger_note_written"]["description"]
    webhook = document["channels"]["webhook"]
    assert webhook["servers"] == [{"$ref": "#/servers/webhooks"}]
    headers = document["components"]["schemas"]["WebhookHeaders"]
    assert set(headers["required"]) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    delivery = document["operations"]["deliverWebhook"]
    assert delivery["channel"] == {"$ref": "#/channels/webhook"} and "15 attempts" in delivery["description"]


async def test_the_merged_openapi_lists_the_event_types_and_streams_the_code_takes(gateway, history):
    integrator, _ = history
    document = (await gateway.client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    patterns = schemas["EventTypePattern"]["enum"]
    assert {LEDGER_TYPE, "org.sihub.ledger.*", "org.sihub.ledger.note.*", "org.sihub.*", "*"} <= set(patterns)
    assert "org.sihub.nothing.*" not in patterns
    # Every listed pattern is taken, by replay and by a webhook subscription alike.
    for start in range(0, len(patterns), 20):
        response = await gateway.call("GET", "/api/v1/events", integrator,
                                      params={"types": patterns[start:start + 20], "limit": 1})
        assert response.status_code == 200, response.text
    for pattern in ("org.sihub.nothing.*", "org.sihub.ledger.note.*ed.v1", "org.sihub.ledger*"):
        assert pattern not in patterns
        response = await gateway.call("GET", "/api/v1/events", integrator, params={"types": pattern})
        assert_problem(response, 422, "types")
    webhook = schemas["WebhookCreate"]["properties"]["types"]["items"]
    assert webhook == {"$ref": "#/components/schemas/EventTypePattern"}
    position = schemas["StreamPosition"]["pattern"]
    assert re.fullmatch(position, "gateway:6,ledger:5") and not re.fullmatch(position, "nothing:1")


async def test_the_live_events_are_what_the_merged_openapi_says(gateway, history):
    """OpenAPI 3.1 reads an event stream's schema as each event's (Schemathesis checks it so): the
    CloudEvent is the JSON text of `data`."""
    integrator, _ = history
    document = (await gateway.client.get("/openapi.json")).json()
    answer = document["paths"]["/api/v1/events/live"]["get"]["responses"]["200"]
    event_schema = answer["content"]["text/event-stream"]["schema"]
    data_schema = event_schema["properties"]["data"]
    headers = {"Authorization": f"Bearer {integrator}"}
    async with gateway.client.stream("GET", "/api/v1/events/live", headers=headers) as response:
        fields: dict[str, str] = {}
        async for line in response.aiter_lines():
            if line == "" and "data" in fields:
                break
            name, _, value = line.partition(": ")
            fields[name] = value
    jsonschema.validate(fields, event_schema | {"components": document["components"]})
    assert data_schema["contentMediaType"] == "application/json"
    jsonschema.validate(json.loads(fields["data"]), data_schema["contentSchema"])
    assert json.loads(fields["data"])["type"] == fields["event"]
