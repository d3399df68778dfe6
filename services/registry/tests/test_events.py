"""The registry's events: `sihub.registry.<entity>.<verb>` for actors, memberships, projects,
case studies and partnerships, each carrying the record's full new state (never an actor's
contacts), written to the outbox with the change and published by the relay to JetStream."""

from __future__ import annotations

import json

from sihub_registry.events.contracts import (
    ActorCreated,
    CaseStudyCreated,
    MembershipCreated,
    PartnershipUpdated,
    ProjectCreated,
)
from sihub_shared.events.contracts import CATALOGUE, stream_name
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.testing import read_stream
from sihub_shared.testing.ledger import wait_until

ENTITIES = ("actor", "membership", "project", "case_study", "partnership")


async def test_each_event_carries_the_full_new_state(registry, new_actor):
    owner = registry.partner()
    actor = await owner.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26",
                                                    contacts=[{"email": "care@busan.example"}], issue_areas=["ageing_care"]))
    peer = await owner.create("/actors", new_actor("Haeundae Clinic", region="KR-26"))
    hub = await owner.create("/actors", new_actor("Social Campus On Busan", kind="hub_intermediary", region="KR-26"))
    programme = await owner.create("/programmes", {"hub_id": hub["id"], "names": [{"value": "Academy", "lang": "en"}]})
    membership = await owner.create("/memberships", {"programme_id": programme["id"], "actor_id": actor["id"]})
    project = await owner.create("/projects", {"actor_id": actor["id"], "partner_ids": [peer["id"]], "country": "KR",
                                               "title": [{"value": "Care at home", "lang": "en"}]})
    case = await owner.create("/case-studies", {"country": "KR", "region": "KR-26", "actor_ids": [actor["id"]],
                                                "title": [{"value": "Care at home", "lang": "en"}]})
    partnership = await owner.create("/partnerships", {"actor_ids": [actor["id"], peer["id"]], "type": "co_delivery"})
    active = await owner.change(f"/partnerships/{partnership['id']}", {"status": "active"})

    events = await registry.events()
    for event in events:
        # Every event is a catalogued contract, valid as such, on the subject its type names.
        contract = CATALOGUE[event["type"]]
        CloudEvent.model_validate(event).unwrap(contract)
        assert event["source"] == "/sihub/registry"
        assert "care@busan.example" not in json.dumps(event)
    by_type = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)

    def state(contract, record_id: str) -> dict:
        [event] = [e for e in by_type[contract.event_type] if e["subject"] == record_id]
        return event["data"][next(iter(contract.model_fields))]

    public_actor = {k: v for k, v in actor.items() if k != "contacts"}
    assert state(ActorCreated, actor["id"]) == public_actor
    assert state(MembershipCreated, membership["id"]) == membership
    assert state(ProjectCreated, project["id"]) == project
    assert state(CaseStudyCreated, case["id"]) == case
    assert state(PartnershipUpdated, partnership["id"]) == active.json()

    for entity in ENTITIES:
        for verb in ("created", "updated", "deleted"):
            assert f"org.sihub.registry.{entity}.{verb}.v1" in CATALOGUE


async def test_the_relay_publishes_registry_events_to_jetstream(relayed_registry, new_actor):
    owner = relayed_registry.partner()
    actor = await owner.create("/actors", new_actor("Busan Care Cooperative", region="KR-26"))
    imported = await owner.post("/actors/import", json=[new_actor(f"Imported {n}", ref=f"bulk:{n}") for n in range(50)])
    assert imported.status_code == 201
    assert (await owner.change(f"/actors/{actor['id']}", {"locality": "Haeundae-gu"})).status_code == 200
    outbox = await relayed_registry.events()
    assert len(outbox) == 52
    # On a busy machine the requests can be answered before the bus has connected.
    await relayed_registry.app.state.bus.wait_connected()
    js = relayed_registry.app.state.bus.jetstream

    async def all_published() -> bool:
        try:
            return len(await read_stream(js, stream_name("registry"), "sihub.registry.>")) >= len(outbox)
        except Exception:  # noqa: BLE001 - the stream is created once the relay has connected
            return False

    await wait_until(all_published, timeout_s=30)
    published = await read_stream(js, stream_name("registry"), "sihub.registry.>")
    # In outbox order, each once, with the outbox's event ids (the broker's duplicate key).
    assert [e.id for e in published] == [e["id"] for e in outbox]
    assert [e.type for e in published] == ["org.sihub.registry.actor.created.v1"] * 51 + ["org.sihub.registry.actor.updated.v1"]
    last = published[-1].unwrap(CATALOGUE["org.sihub.registry.actor.updated.v1"])
    assert (last.actor.id, last.actor.locality, last.actor.version) == (actor["id"], "Haeundae-gu", 2)
    assert {e.data["actor"]["ref"] for e in published[1:51]} == {f"bulk:{n}" for n in range(50)}
