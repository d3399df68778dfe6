"""Consent for claims about others, on SQLite and PostgreSQL: naming another account's actor in a
project, case study, membership or partnership leaves that link pending until the actor's owner
confirms it (or declines it); a partnership goes active only when every link is confirmed."""

from __future__ import annotations

from typing import Any

from sihub_shared.identity import Role


def states(record: dict[str, Any]) -> dict[str, str]:
    return {c["actor_id"]: c["state"] for c in record["confirmations"]}


async def decide(caller, path: str, actor_id: str, state: str):
    return await caller.put(f"{path}/confirmations/{actor_id}", json={"state": state})


async def test_a_project_naming_another_owners_actor_waits_for_that_owner(registry, new_actor):
    a, b, c = registry.partner(), registry.partner(), registry.partner()
    a_actor = await a.create("/actors", new_actor("Haeundae Clinic", region="KR-26"))
    b_actor = await b.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26"))
    c_actor = await c.create("/actors", new_actor("Suyeong Library", kind="local_government", region="KR-26"))

    project = await b.create("/projects", {"actor_id": b_actor["id"], "partner_ids": [a_actor["id"]], "country": "KR",
                                           "title": [{"value": "Care at home", "lang": "en"}]})
    path = f"/projects/{project['id']}"
    assert states(project) == {b_actor["id"]: "confirmed", a_actor["id"]: "pending"} and project["confirmed"] is False
    [listed] = (await c.get("/projects", params={"actor_id": a_actor["id"]})).json()["items"]
    assert states(listed) == states(project) and listed["confirmed"] is False

    # B cannot answer for A, nor can anyone else who does not own A's actor; an unnamed actor is a 404.
    for caller in (b, c, registry.caller(Role.integrator)):
        refused = await decide(caller, path, a_actor["id"], "confirmed")
        assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert (await decide(c, path, c_actor["id"], "confirmed")).status_code == 404
    for body, field in (({"state": "maybe"}, "state"), ({"state": "confirmed", "note": "x"}, "note"), ({}, "state")):
        refused = await a.put(f"{path}/confirmations/{a_actor['id']}", json=body)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field, refused.text
    before = len(await registry.events())

    confirmed = await decide(a, path, a_actor["id"], "confirmed")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.headers["ETag"] == '"2"'
    body = confirmed.json()
    assert states(body) == {b_actor["id"]: "confirmed", a_actor["id"]: "confirmed"} and body["confirmed"] is True
    [link] = [x for x in body["confirmations"] if x["actor_id"] == a_actor["id"]]
    assert link["decided_by"] == a.account_id and link["decided_at"]
    events = (await registry.events())[before:]
    assert [e["type"] for e in events] == ["org.sihub.registry.project.updated.v1", "org.sihub.registry.link.confirmed.v1"]
    assert events[0]["data"]["project"]["confirmed"] is True
    assert events[1]["data"]["link"] | {"decided_at": None} == {
        "record_kind": "project", "record_id": project["id"], "record_version": 2, "actor_id": a_actor["id"],
        "state": "confirmed", "decided_by": a.account_id, "decided_at": None}
    # answering the same again changes nothing
    again = await decide(a, path, a_actor["id"], "confirmed")
    assert again.status_code == 200 and again.headers["ETag"] == '"2"'
    assert len(await registry.events()) == before + 2

    # A change of the named actors keeps the answers of those still named; a newly named one waits.
    changed = await b.change(path, {"partner_ids": [a_actor["id"], c_actor["id"]]})
    assert changed.status_code == 200, changed.text
    assert states(changed.json()) == {b_actor["id"]: "confirmed", a_actor["id"]: "confirmed", c_actor["id"]: "pending"}
    dropped = await b.change(path, {"partner_ids": [c_actor["id"]]})
    assert a_actor["id"] not in states(dropped.json())
    named_again = await b.change(path, {"partner_ids": [c_actor["id"], a_actor["id"]]})
    assert states(named_again.json())[a_actor["id"]] == "pending"


async def test_case_studies_and_memberships_wait_for_the_named_owner(registry, new_actor):
    a, b = registry.partner(), registry.partner()
    a_actor = await a.create("/actors", new_actor("Haeundae Clinic", region="KR-26"))
    b_actor = await b.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26"))
    hub = await b.create("/actors", new_actor("Social Campus On Busan", kind="hub_intermediary", region="KR-26"))

    case = await b.create("/case-studies", {"country": "KR", "title": [{"value": "Care at home", "lang": "en"}],
                                            "actor_ids": [b_actor["id"], a_actor["id"]]})
    assert states(case) == {b_actor["id"]: "confirmed", a_actor["id"]: "pending"}
    assert (await decide(b, f"/case-studies/{case['id']}", a_actor["id"], "confirmed")).status_code == 403
    declined = await decide(a, f"/case-studies/{case['id']}", a_actor["id"], "declined")
    assert declined.status_code == 200 and states(declined.json())[a_actor["id"]] == "declined"
    assert declined.json()["confirmed"] is False
    [event] = await registry.events("sihub.registry.link.")
    assert event["type"] == "org.sihub.registry.link.declined.v1"
    assert (event["data"]["link"]["record_kind"], event["data"]["link"]["state"]) == ("case_study", "declined")

    programme = await b.create("/programmes", {"hub_id": hub["id"], "names": [{"value": "Academy", "lang": "en"}]})
    own = await b.create("/memberships", {"programme_id": programme["id"], "actor_id": b_actor["id"]})
    assert states(own) == {b_actor["id"]: "confirmed"} and own["confirmed"] is True
    other = await b.create("/memberships", {"programme_id": programme["id"], "actor_id": a_actor["id"]})
    assert states(other) == {a_actor["id"]: "pending"} and other["confirmed"] is False
    assert (await decide(b, f"/memberships/{other['id']}", a_actor["id"], "confirmed")).status_code == 403
    confirmed = await decide(a, f"/memberships/{other['id']}", a_actor["id"], "confirmed")
    assert confirmed.status_code == 200 and confirmed.json()["confirmed"] is True
    assert (await b.get(f"/memberships/{other['id']}")).json()["confirmations"][0]["decided_by"] == a.account_id
    membership_events = await registry.events("sihub.registry.membership.updated")
    assert [e["data"]["membership"]["confirmed"] for e in membership_events] == [True]


async def test_a_partnership_goes_active_only_when_every_owner_has_confirmed(registry, new_actor):
    a, b, c = registry.partner(), registry.partner(), registry.partner()
    a_actor = await a.create("/actors", new_actor("Haeundae Clinic", region="KR-26"))
    b_actor = await b.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26"))
    c_actor = await c.create("/actors", new_actor("Toyota Foundation", kind="foundation", country="JP", region="JP-13"))
    body = {"actor_ids": [b_actor["id"], a_actor["id"], c_actor["id"]], "type": "co_delivery"}

    at_once = await b.post("/partnerships", json=body | {"status": "active"})
    assert at_once.status_code == 409 and at_once.headers["content-type"] == "application/problem+json"
    assert at_once.json()["unconfirmed"] == [a_actor["id"], c_actor["id"]]
    partnership = await b.create("/partnerships", body)
    path = f"/partnerships/{partnership['id']}"
    assert states(partnership) == {b_actor["id"]: "confirmed", a_actor["id"]: "pending", c_actor["id"]: "pending"}

    early = await b.change(path, {"status": "active"})
    assert early.status_code == 409
    assert {e["message"] for e in early.json()["errors"]} == {
        f"actor {a_actor['id']} is not confirmed by its owner", f"actor {c_actor['id']} is not confirmed by its owner"}
    assert (await decide(b, path, a_actor["id"], "confirmed")).status_code == 403
    assert (await decide(a, path, a_actor["id"], "confirmed")).status_code == 200
    still = await a.change(path, {"status": "active"})
    assert still.status_code == 409 and still.json()["unconfirmed"] == [c_actor["id"]]
    assert (await decide(c, path, c_actor["id"], "confirmed")).status_code == 200
    active = await a.change(path, {"status": "active"})
    assert active.status_code == 200 and active.json()["status"] == "active" and active.json()["confirmed"] is True

    # A party that withdraws ends the partnership: an active one is one every party stands behind.
    withdrawn = await decide(c, path, c_actor["id"], "declined")
    assert withdrawn.status_code == 200
    assert (withdrawn.json()["status"], states(withdrawn.json())[c_actor["id"]]) == ("ended", "declined")
    events = await registry.events("sihub.registry.")
    assert [e["type"].split(".")[3:5] for e in events if e["type"].split(".")[3] in ("link", "partnership")] == [
        ["partnership", "created"], ["partnership", "updated"], ["link", "confirmed"], ["partnership", "updated"],
        ["link", "confirmed"], ["partnership", "updated"], ["partnership", "updated"], ["link", "declined"]]


async def test_a_partnership_declined_before_it_starts_ends_on_its_start_date(registry, new_actor):
    a, b = registry.partner(), registry.partner()
    a_actor = await a.create("/actors", new_actor("Haeundae Clinic", region="KR-26"))
    b_actor = await b.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26"))
    partnership = await a.create("/partnerships", {"actor_ids": [a_actor["id"], b_actor["id"]], "type": "co_delivery",
                                                   "starts_on": "2099-01-01"})
    path = f"/partnerships/{partnership['id']}"
    assert (await decide(b, path, b_actor["id"], "confirmed")).status_code == 200
    assert (await a.change(path, {"status": "active"})).status_code == 200
    withdrawn = (await decide(b, path, b_actor["id"], "declined")).json()
    assert (withdrawn["status"], withdrawn["starts_on"], withdrawn["ends_on"]) == ("ended", "2099-01-01", "2099-01-01")
    # The record keeps to its own rules: it can still be changed.
    assert (await a.change(path, {"illustrative": True})).status_code == 200


async def test_an_admins_claim_waits_too_and_an_admin_may_answer_for_an_owner(registry, new_actor):
    a, b = registry.partner(), registry.partner()
    a_actor = await a.create("/actors", new_actor("Haeundae Clinic", region="KR-26"))
    b_actor = await b.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26"))
    partnership = await registry.admin.create("/partnerships", {"actor_ids": [a_actor["id"], b_actor["id"]], "type": "funding"})
    assert set(states(partnership).values()) == {"pending"}
    path = f"/partnerships/{partnership['id']}"
    assert (await registry.admin.change(path, {"status": "active"})).status_code == 409

    on_behalf = await decide(registry.admin, path, a_actor["id"], "confirmed")
    assert on_behalf.status_code == 200
    [link] = [x for x in on_behalf.json()["confirmations"] if x["actor_id"] == a_actor["id"]]
    assert (link["state"], link["decided_by"]) == ("confirmed", registry.admin.account_id)
