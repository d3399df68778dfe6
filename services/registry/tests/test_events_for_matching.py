"""What the registry and matching tell each other: the hub operators' list as an event (matching
checks who runs a hub's rounds from it), and matching's `match.accepted` becoming a partnership:
proposed, origin match, `match_ref` set, once per match however often the event comes, and none
when an actor was deleted meanwhile."""

from __future__ import annotations

import asyncio
import uuid

from sihub_registry.events.handlers import matches_subscription
from sihub_shared.events.bus import EventBus
from sihub_shared.events.consumer import ConsumerRunner
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.identity import Role


def accepted(match_ref: str, actor_ids: list[str]) -> CloudEvent:
    """The event as matching publishes it (its MatchAccepted contract's JSON)."""
    return CloudEvent(
        source="/sihub/matching",
        type="org.sihub.matching.match.accepted.v1",
        subject=match_ref,
        data={
            "match_ref": match_ref,
            "round_id": str(uuid.uuid4()),
            "hub_id": str(uuid.uuid4()),
            "seeker_id": actor_ids[0],
            "provider_id": actor_ids[1],
            "actor_ids": actor_ids,
            "accepted_by": {actor_ids[0]: "owner-of-first", actor_ids[1]: "an-admin"},
            "partnership_type": "mentoring",
            "score": 0.71,
            "illustrative": True,
            "accepted_at": "2026-12-02T05:00:00Z",
        },
    )


async def test_an_accepted_match_becomes_one_proposed_partnership(registry, new_actor):
    owner = registry.partner()
    first = await owner.create("/actors", new_actor("Gangwon Care Cooperative"))
    second = await owner.create("/actors", new_actor("Seoul Mentors", kind="corporation"))
    runner = ConsumerRunner(
        registry.app.state.database,
        EventBus("nats://127.0.0.1:1", name="unused"),
        matches_subscription,
    )
    match_ref = str(uuid.uuid4())
    assert await runner.apply(accepted(match_ref, [first["id"], second["id"]])) is True
    # The same match again in another event (a republished message) creates nothing more.
    assert await runner.apply(accepted(match_ref, [first["id"], second["id"]])) is True

    listed = (await owner.get("/partnerships", params={"actor_id": first["id"]})).json()["items"]
    assert len(listed) == 1
    [partnership] = listed
    assert partnership["status"] == "proposed" and partnership["origin"] == "match"
    assert partnership["match_ref"] == match_ref and partnership["type"] == "mentoring"
    assert sorted(partnership["actor_ids"]) == sorted([first["id"], second["id"]])
    assert partnership["illustrative"] is True
    # Both owners accepted the match: the links are confirmed, by whoever accepted for each.
    assert partnership["confirmed"] is True
    assert {c["actor_id"]: c["decided_by"] for c in partnership["confirmations"]} == {
        first["id"]: "owner-of-first",
        second["id"]: "an-admin",
    }
    [event] = await registry.events("sihub.registry.partnership.created")
    assert event["data"]["partnership"]["match_ref"] == match_ref


async def test_no_partnership_when_an_actor_was_deleted_meanwhile(registry, new_actor):
    owner = registry.partner()
    first = await owner.create("/actors", new_actor("Gangwon Care Cooperative"))
    second = await owner.create("/actors", new_actor("Seoul Mentors", kind="corporation"))
    assert (await owner.remove(f"/actors/{second['id']}")).status_code in (200, 204)
    runner = ConsumerRunner(
        registry.app.state.database,
        EventBus("nats://127.0.0.1:1", name="unused"),
        matches_subscription,
    )
    await runner.apply(accepted(str(uuid.uuid4()), [first["id"], second["id"]]))
    assert (await owner.get("/partnerships", params={"actor_id": first["id"]})).json()[
        "items"
    ] == []


async def test_adding_and_removing_an_operator_publishes_the_whole_list(registry, new_actor):
    hub_owner, operator = registry.caller(Role.hub_operator), registry.caller(Role.hub_operator)
    hub = await hub_owner.create(
        "/actors", new_actor("Social Campus On Gangwon", kind="hub_intermediary")
    )
    path = f"/hubs/{hub['id']}/operators/{operator.account_id}"
    assert (await hub_owner.put(path)).status_code == 200
    assert (await hub_owner.put(path)).status_code == 200  # already an operator: nothing changes
    assert (await hub_owner.delete(path)).status_code in (200, 204)
    events = [
        e["data"]["hub"] for e in await registry.events("sihub.registry.hub_operators.changed")
    ]
    assert [[o["account_id"] for o in e["operators"]] for e in events] == [
        [operator.account_id],
        [],
    ]
    assert {e["hub_id"] for e in events} == {hub["id"]} and events[0][
        "owner_account_id"
    ] == hub_owner.account_id
    # Each change moves the list's version on (a repeated PUT changes nothing): a consumer keeps
    # the newest list whatever order the events reach it in.
    assert [e["version"] for e in events] == [1, 2]
    assert (await hub_owner.get(f"/hubs/{hub['id']}/operators")).json()["version"] == 2


async def test_concurrent_changes_of_one_hubs_operators_take_turns(registry, new_actor):
    hub_owner = registry.caller(Role.hub_operator)
    hub = await hub_owner.create("/actors", new_actor("Social Economy Innovation Town Seoul", kind="hub_intermediary"))
    accounts = [registry.caller(Role.hub_operator).account_id for _ in range(6)]
    answers = await asyncio.gather(
        *(hub_owner.put(f"/hubs/{hub['id']}/operators/{a}") for a in accounts),
        *(hub_owner.put(f"/hubs/{hub['id']}/operators/{accounts[0]}") for _ in range(3)),
    )
    assert [a.status_code for a in answers] == [200] * 9
    listed = (await hub_owner.get(f"/hubs/{hub['id']}/operators")).json()
    assert sorted(o["account_id"] for o in listed["operators"]) == sorted(accounts)
    events = [e["data"]["hub"] for e in await registry.events("sihub.registry.hub_operators.changed")
              if e["data"]["hub"]["hub_id"] == hub["id"]]
    assert sorted(e["version"] for e in events) == list(range(1, 7)) and listed["version"] == 6
    newest = max(events, key=lambda e: e["version"])
    assert sorted(o["account_id"] for o in newest["operators"]) == sorted(accounts)


async def test_a_partnership_a_partner_registers_naming_a_match_does_not_take_the_matchs_place(registry, new_actor):
    """Any partner may record a partnership from a match (origin match, a match_ref); one naming a
    match it is not party to, registered before the match is accepted, once made the accepted match
    record nothing. Now the match is recorded anyway, and a second partnership naming a match
    already recorded is a 409 naming match_ref."""
    alice, bob, mallory = registry.partner(), registry.partner(), registry.partner()
    first = await alice.create("/actors", new_actor("Gangwon Care Cooperative"))
    second = await bob.create("/actors", new_actor("Seoul Mentors", kind="corporation"))
    own = await mallory.create("/actors", new_actor("Someone Else"))
    match_ref = str(uuid.uuid4())
    claimed = await mallory.post("/partnerships", json={"actor_ids": [own["id"], first["id"]], "type": "co_delivery",
                                                         "origin": "match", "match_ref": match_ref})
    assert claimed.status_code == 201, claimed.text
    runner = ConsumerRunner(registry.app.state.database, EventBus("nats://127.0.0.1:1", name="unused"),
                            matches_subscription)
    assert await runner.apply(accepted(match_ref, [first["id"], second["id"]])) is True
    recorded = (await bob.get("/partnerships", params={"actor_id": second["id"]})).json()["items"]
    assert [p["match_ref"] for p in recorded] == [match_ref]
    again = await alice.post("/partnerships", json={"actor_ids": [first["id"], second["id"]], "type": "co_delivery",
                                                     "origin": "match", "match_ref": match_ref})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "match_ref"
