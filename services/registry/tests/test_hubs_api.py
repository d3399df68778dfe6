"""Hubs over HTTP: operators, programmes, cohorts and memberships, managed by the hub's
operators only; the `hub` filter on actors; membership events with their programme's names."""

from __future__ import annotations

import asyncio

from sihub_shared.identity import Role


async def test_hub_operators_manage_programmes_cohorts_and_memberships(registry, new_actor):
    hub_owner, operator, member_owner, stranger = (registry.partner() for _ in range(4))
    integrator = registry.caller(Role.integrator)
    hub = await hub_owner.create("/actors", new_actor("Social Campus On Busan", kind="hub_intermediary", region="KR-26"))
    other_hub = await stranger.create("/actors", new_actor("Social Economy Innovation Town Daejeon",
                                                           kind="hub_intermediary", region="KR-30"))
    member = await member_owner.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26"))
    second = await member_owner.create("/actors", new_actor("Haeundae Green", region="KR-26"))

    # A programme belongs to a hub actor; it is created by that hub's operators only.
    programme_body = {"hub_id": hub["id"], "names": [{"value": "Growth Academy", "lang": "en"},
                                                     {"value": "성장 아카데미", "lang": "ko"}],
                      "issue_areas": ["employment"], "cohorts": [{"name": "2026 spring", "ref": "busan:2026-spring"}]}
    not_a_hub = await hub_owner.post("/programmes", json=programme_body | {"hub_id": member["id"]})
    # A reference to a record that is not there (not a hub) conflicts with the current state: 409.
    assert not_a_hub.status_code == 409 and not_a_hub.json()["errors"][0]["field"] == "hub_id"
    for caller in (operator, stranger, integrator):
        denied = await caller.post("/programmes", json=programme_body)
        assert denied.status_code == 403 and denied.headers["content-type"] == "application/problem+json"
    created = await hub_owner.post("/programmes", json=programme_body)
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    programme = created.json()
    assert [c["name"] for c in programme["cohorts"]] == ["2026 spring"]
    spring = programme["cohorts"][0]

    # The hub's owner makes another account an operator; only the owner (or an admin) may.
    assert (await operator.put(f"/hubs/{hub['id']}/operators/{stranger.account_id}")).status_code == 403
    added = await hub_owner.put(f"/hubs/{hub['id']}/operators/{operator.account_id}")
    assert added.status_code == 200
    assert [o["account_id"] for o in added.json()["operators"]] == [operator.account_id]
    listed_operators = await integrator.get(f"/hubs/{hub['id']}/operators")
    assert listed_operators.json()["owner_account_id"] == hub_owner.account_id
    assert (await integrator.get(f"/hubs/{member['id']}/operators")).status_code == 404  # an actor, not a hub

    autumn = await operator.post("/cohorts", json={"programme_id": programme["id"], "name": "2026 autumn"})
    assert autumn.status_code == 201
    autumn = autumn.json()
    read = await integrator.get(f"/cohorts/{autumn['id']}")
    assert read.status_code == 200 and read.headers["ETag"] == '"1"' and read.json()["hub_id"] == hub["id"]
    programmes = (await integrator.get("/programmes", params={"hub": hub["id"]})).json()["items"]
    assert [[c["name"] for c in p["cohorts"]] for p in programmes] == [["2026 spring", "2026 autumn"]]
    assert (await integrator.get("/programmes", params={"hub": other_hub["id"]})).json()["items"] == []
    assert (await stranger.post("/cohorts", json={"programme_id": programme["id"], "name": "x"})).status_code == 403

    # Memberships: the hub's operators manage them, not the member actor's owner, not another hub's.
    membership_body = {"programme_id": programme["id"], "cohort_id": spring["id"], "actor_id": member["id"],
                       "starts_on": "2026-03-01", "role": "resident"}
    for caller in (member_owner, stranger, integrator):
        assert (await caller.post("/memberships", json=membership_body)).status_code == 403
    wrong_cohort = await operator.post("/memberships", json=membership_body | {"cohort_id": other_hub["id"]})
    assert wrong_cohort.status_code == 409 and wrong_cohort.json()["errors"][0]["field"] == "cohort_id"
    unknown_actor = await operator.post("/memberships", json=membership_body | {"actor_id": programme["id"]})
    assert unknown_actor.status_code == 409 and unknown_actor.json()["errors"][0]["field"] == "actor_id"
    bad_dates = await operator.post("/memberships", json=membership_body | {"ends_on": "2025-01-01"})
    assert bad_dates.status_code == 422 and bad_dates.json()["errors"][0]["field"] == "ends_on"
    joined = await operator.post("/memberships", json=membership_body)
    assert joined.status_code == 201, joined.text
    membership = joined.json()
    assert membership["programme"]["names"][1] == {"value": "성장 아카데미", "lang": "ko"}
    assert membership["cohort"] == {"id": spring["id"], "name": "2026 spring"} and membership["hub_id"] == hub["id"]
    twice = await operator.post("/memberships", json=membership_body)
    assert twice.status_code == 409 and twice.json()["existing_id"] == membership["id"]
    await hub_owner.create("/memberships", {"programme_id": programme["id"], "actor_id": second["id"]})

    # The hub filter on actors lists its members.
    members = await integrator.get("/actors", params={"hub": hub["id"]})
    assert [a["id"] for a in members.json()["items"]] == [member["id"], second["id"]]
    assert (await integrator.get("/actors", params={"hub": other_hub["id"]})).json()["items"] == []
    listed = await integrator.get("/memberships", params={"hub": hub["id"], "cohort_id": spring["id"]})
    assert [m["id"] for m in listed.json()["items"]] == [membership["id"]]
    malformed = await integrator.get("/memberships", params={"programme_id": "nope"})
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "programme_id[0]"

    # Updates need If-Match; only operators update; moving to another cohort of the programme.
    path = f"/memberships/{membership['id']}"
    assert (await operator.patch(path, json={"cohort_id": autumn["id"]})).status_code == 428
    assert (await operator.patch(path, json={"cohort_id": autumn["id"]}, headers={"If-Match": '"9"'})).status_code == 412
    assert (await member_owner.change(path, {"role": "alumnus"})).status_code == 403
    moved = await operator.change(path, {"cohort_id": autumn["id"], "ends_on": "2026-12-31"})
    assert moved.status_code == 200 and moved.headers["ETag"] == '"2"'
    assert moved.json()["cohort"] == {"id": autumn["id"], "name": "2026 autumn"}

    # A programme or cohort with live members is not deleted; its members are, first.
    assert (await hub_owner.remove(f"/cohorts/{autumn['id']}")).status_code == 409
    assert (await stranger.remove(path)).status_code == 403
    assert (await operator.remove(path)).status_code == 200
    assert (await operator.get(path)).status_code == 404
    assert [a["id"] for a in (await integrator.get("/actors", params={"hub": hub["id"]})).json()["items"]] == [second["id"]]
    renamed = await operator.change(f"/programmes/{programme['id']}", {"names": [{"value": "Growth Academy II", "lang": "en"}]})
    assert renamed.status_code == 200 and renamed.json()["names"] == [{"value": "Growth Academy II", "lang": "en"}]
    assert (await operator.remove(f"/cohorts/{autumn['id']}")).status_code == 200
    assert (await operator.remove(f"/programmes/{programme['id']}")).status_code == 409

    # Once the owner removes it, the former operator is a stranger again.
    removed = await hub_owner.delete(f"/hubs/{hub['id']}/operators/{operator.account_id}")
    assert removed.status_code == 200 and removed.json()["operators"] == []
    assert (await operator.post("/cohorts", json={"programme_id": programme["id"], "name": "2027"})).status_code == 403

    events = [(e["type"].split(".")[3:5], e["subject"]) for e in await registry.events("sihub.registry.membership.")]
    assert [verb for verb, _ in events] == [["membership", "created"], ["membership", "created"],
                                            ["membership", "updated"], ["membership", "deleted"]]
    deleted = (await registry.events("sihub.registry.membership.deleted"))[0]["data"]["membership"]
    assert deleted["id"] == membership["id"] and deleted["deleted_at"] is not None
    assert deleted["programme"]["names"][0]["value"] == "Growth Academy"  # the programme as it was then
    assert deleted["cohort"]["name"] == "2026 autumn" and deleted["actor_id"] == member["id"]


async def test_moving_a_membership_into_a_cohort_the_actor_is_already_in_is_a_409(registry, new_actor):
    operator, member_owner = registry.partner(), registry.partner()
    hub = await operator.create("/actors", new_actor("Social Campus On Busan", kind="hub_intermediary", region="KR-26"))
    member = await member_owner.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26"))
    programme = await operator.create("/programmes", {"hub_id": hub["id"], "names": [{"value": "Growth Academy", "lang": "en"}],
                                                      "cohorts": [{"name": "spring"}, {"name": "autumn"}]})
    spring, autumn = (c["id"] for c in programme["cohorts"])
    body = {"programme_id": programme["id"], "actor_id": member["id"]}
    in_spring = await operator.create("/memberships", body | {"cohort_id": spring})
    in_autumn = await operator.create("/memberships", body | {"cohort_id": autumn})

    moved = await operator.change(f"/memberships/{in_autumn['id']}", {"cohort_id": spring})
    assert moved.status_code == 409 and moved.headers["content-type"] == "application/problem+json"
    assert moved.json()["errors"][0]["field"] == "cohort_id" and moved.json()["existing_id"] == in_spring["id"]
    live = await operator.get("/memberships", params={"programme_id": programme["id"], "cohort_id": spring})
    assert [m["id"] for m in live.json()["items"]] == [in_spring["id"]]
    # Out of any cohort is a different place: the move is allowed.
    assert (await operator.change(f"/memberships/{in_autumn['id']}", {"cohort_id": None})).status_code == 200
    assert (await operator.delete(f"/memberships/{in_spring['id']}")).status_code == 428
    assert (await operator.delete(f"/memberships/{in_spring['id']}", headers={"If-Match": '"9"'})).status_code == 412
    assert (await operator.remove(f"/memberships/{in_spring['id']}")).status_code == 200


async def test_a_deleted_hubs_records_can_be_read_and_deleted_not_changed(registry, new_actor):
    hub_owner, member_owner = registry.partner(), registry.partner()
    hub = await hub_owner.create("/actors", new_actor("Social Campus On Daegu", kind="hub_intermediary", region="KR-27"))
    member = await member_owner.create("/actors", new_actor("Daegu Makers", region="KR-27"))
    programme = await hub_owner.create("/programmes", {"hub_id": hub["id"], "names": [{"value": "Makers", "lang": "en"}],
                                                       "cohorts": [{"name": "2026"}]})
    cohort = programme["cohorts"][0]
    membership = await hub_owner.create("/memberships", {"programme_id": programme["id"], "cohort_id": cohort["id"],
                                                         "actor_id": member["id"]})
    assert (await hub_owner.remove(f"/actors/{hub['id']}")).status_code == 200

    # The records are there (the path's record is not missing: no 404); their hub is not: 409 naming
    # the record's hub, or the programme a new record would join. Who may not manage it hears 403 first.
    new_cohort = {"programme_id": programme["id"], "name": "2027"}
    assert (await member_owner.post("/cohorts", json=new_cohort)).status_code == 403
    for response, field in (
        (await hub_owner.change(f"/programmes/{programme['id']}", {"names": [{"value": "Makers II", "lang": "en"}]}),
         "hub_id"),
        (await hub_owner.change(f"/cohorts/{cohort['id']}", {"name": "2026 spring"}), "hub_id"),
        (await hub_owner.change(f"/memberships/{membership['id']}", {"role": "alumnus"}), "hub_id"),
        (await hub_owner.post("/cohorts", json=new_cohort), "programme_id"),
        (await hub_owner.post("/memberships", json={"programme_id": programme["id"], "actor_id": member["id"],
                                                    "role": "mentor"}), "programme_id"),
    ):
        assert response.status_code == 409, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field
    assert (await member_owner.get(f"/programmes/{programme['id']}")).status_code == 200
    # The member's owner may still withdraw (decline), not confirm a listing in a hub that is gone.
    answer = f"/memberships/{membership['id']}/confirmations/{member['id']}"
    confirmed = await member_owner.put(answer, json={"state": "confirmed"})
    assert confirmed.status_code == 409 and confirmed.json()["errors"][0]["field"] == "hub_id"
    assert (await member_owner.put(answer, json={"state": "declined"})).status_code == 200
    assert (await member_owner.remove(f"/memberships/{membership['id']}")).status_code == 403  # still its operators'
    for path in (f"/memberships/{membership['id']}", f"/cohorts/{cohort['id']}", f"/programmes/{programme['id']}"):
        assert (await hub_owner.remove(path)).status_code == 200, path


async def test_memberships_requested_at_once_make_one_and_none_lands_in_a_cohort_deleted_meanwhile(registry, new_actor):
    """Requests at once (on PostgreSQL, four identical POSTs once made four memberships, and a
    membership created beside its cohort's deletion outlived the cohort): the programme and the
    cohort a membership names are locked, so they take turns."""
    operator = registry.partner()
    hub = await operator.create("/actors", new_actor("Social Campus On Daegu", kind="hub_intermediary", region="KR-27"))
    members = [await operator.create("/actors", new_actor(f"Daegu Member {n}", region="KR-27")) for n in range(2)]
    programme = await operator.create("/programmes", {"hub_id": hub["id"], "names": [{"value": "Academy", "lang": "en"}],
                                                      "cohorts": [{"name": "first"}, {"name": "second"}]})
    first, second = (c["id"] for c in programme["cohorts"])
    body = {"programme_id": programme["id"], "cohort_id": first, "actor_id": members[0]["id"]}
    answers = await asyncio.gather(*(operator.post("/memberships", json=body) for _ in range(4)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    live = await operator.get("/memberships", params={"actor_id": members[0]["id"]})
    assert len(live.json()["items"]) == 1

    etag = (await operator.get(f"/cohorts/{second}")).headers["ETag"]
    joined, deleted = await asyncio.gather(
        operator.post("/memberships", json={"programme_id": programme["id"], "cohort_id": second,
                                            "actor_id": members[1]["id"]}),
        operator.delete(f"/cohorts/{second}", headers={"If-Match": etag}))
    in_cohort = (await operator.get("/memberships", params={"cohort_id": second})).json()["items"]
    cohort_gone = (await operator.get(f"/cohorts/{second}")).status_code == 404
    assert not (cohort_gone and in_cohort), (joined.status_code, deleted.status_code)
    assert (joined.status_code, deleted.status_code) in ((201, 409), (409, 200))

    # A membership moved out of its cohort beside a new programme-level membership of the same actor.
    moved_from = (await operator.get("/memberships", params={"actor_id": members[0]["id"]})).json()["items"][0]
    etag = (await operator.get(f"/memberships/{moved_from['id']}")).headers["ETag"]
    moved, added = await asyncio.gather(
        operator.patch(f"/memberships/{moved_from['id']}", json={"cohort_id": None}, headers={"If-Match": etag}),
        operator.post("/memberships", json={"programme_id": programme["id"], "actor_id": members[0]["id"]}))
    assert sorted((moved.status_code, added.status_code)) in ([200, 409], [201, 409]), (moved.text, added.text)
    live = (await operator.get("/memberships", params={"actor_id": members[0]["id"]})).json()["items"]
    assert len([m for m in live if m["cohort"] is None]) == 1


async def test_a_member_whose_owner_declined_being_listed_is_not_among_the_hubs_actors(registry, new_actor):
    operator, member_owner = registry.partner(), registry.partner()
    hub = await operator.create("/actors", new_actor("Social Campus On Ulsan", kind="hub_intermediary", region="KR-31"))
    members = [await member_owner.create("/actors", new_actor(f"Ulsan Member {n}", region="KR-31")) for n in range(2)]
    programme = await operator.create("/programmes", {"hub_id": hub["id"], "names": [{"value": "Academy", "lang": "en"}]})
    listed = [await operator.create("/memberships", {"programme_id": programme["id"], "actor_id": m["id"]})
              for m in members]

    async def hub_actors() -> list[str]:
        return [a["id"] for a in (await operator.get("/actors", params={"hub": hub["id"]})).json()["items"]]

    assert await hub_actors() == sorted(m["id"] for m in members)  # pending: listed, awaiting an answer
    answer = f"/memberships/{listed[0]['id']}/confirmations/{members[0]['id']}"
    assert (await member_owner.put(answer, json={"state": "declined"})).status_code == 200
    assert await hub_actors() == [members[1]["id"]]
    assert (await member_owner.put(answer, json={"state": "confirmed"})).status_code == 200
    assert await hub_actors() == sorted(m["id"] for m in members)
