"""Projects, case studies and partnerships over HTTP: CRUD with ETags, ownership, filters and
search, and the partnership status machine (proposed → active → ended)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sihub_registry.common.lifecycle import flush_or_conflict
from sihub_registry.common.types import new_id
from sihub_registry.partnerships.models import Partnership
from sihub_shared.errors import Conflict
from sihub_shared.identity import Role


async def test_projects_belong_to_their_lead_actor(registry, new_actor):
    owner, other = registry.partner(), registry.partner()
    lead = await owner.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26"))
    partner_actor = await other.create("/actors", new_actor("Haeundae Clinic", region="KR-26"))
    body = {"actor_id": lead["id"], "partner_ids": [partner_actor["id"]], "country": "KR", "region": "KR-26",
            "title": [{"value": "Elderly care at home", "lang": "en"}, {"value": "어르신 돌봄 지원", "lang": "ko"}],
            "issue_areas": ["ageing_care"], "status": "active", "starts_on": "2026-01-01"}

    # Only the lead actor's owner registers a project for it.
    assert (await other.post("/projects", json=body)).status_code == 403
    assert (await registry.caller(Role.integrator).post("/projects", json=body)).status_code == 403
    for changes, field, status in (({"region": "JP-13"}, "region", 422), ({"title": []}, "title", 422),
                                   ({"issue_areas": ["astrology"]}, "issue_areas[0]", 422),
                                   ({"partner_ids": [lead["id"]]}, "partner_ids", 422),
                                   # a reference to a record that is not there: a conflict with the current state
                                   ({"partner_ids": ["0190c2a8-0000-7000-8000-000000000000"]}, "partner_ids[0]", 409),
                                   ({"ends_on": "2025-01-01"}, "ends_on", 422)):
        refused = await owner.post("/projects", json=body | changes)
        assert refused.status_code == status and refused.json()["errors"][0]["field"] == field, (changes, refused.text)
    created = await owner.post("/projects", json=body)
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    project = created.json()
    path = f"/projects/{project['id']}"
    other_project = await owner.create("/projects", body | {"title": [{"value": "Youth jobs", "lang": "en"}],
                                                            "partner_ids": [], "region": "KR-11", "issue_areas": ["employment"]})

    async def titles(**params) -> list[str]:
        response = await other.get("/projects", params=params)
        assert response.status_code == 200, response.text
        return [p["title"][0]["value"] for p in response.json()["items"]]

    assert await titles(actor_id=partner_actor["id"]) == ["Elderly care at home"]
    assert await titles(region="KR-11") == ["Youth jobs"]
    assert await titles(issue_area="ageing_care", status="active") == ["Elderly care at home"]
    assert await titles(q="돌봄") == ["Elderly care at home"]
    assert await titles(q="you") == ["Youth jobs"]
    assert await titles(q="eld car") == ["Elderly care at home"]

    assert (await owner.patch(path, json={"status": "completed"})).status_code == 428
    assert (await other.change(path, {"status": "completed"})).status_code == 403
    done = await owner.change(path, {"status": "completed", "ends_on": "2026-06-30"})
    assert done.status_code == 200 and done.headers["ETag"] == '"2"' and done.json()["status"] == "completed"
    assert done.json()["partner_ids"] == [partner_actor["id"]]
    assert (await owner.patch(path, json={"status": "active"}, headers={"If-Match": '"1"'})).status_code == 412
    assert (await other.remove(path)).status_code == 403
    assert (await owner.remove(path)).status_code == 200
    assert (await other.get(path)).status_code == 404
    assert await titles() == ["Youth jobs"]
    assert other_project["id"] != project["id"]
    types = [e["type"] for e in await registry.events("sihub.registry.project.")]
    assert types == ["org.sihub.registry.project.created.v1"] * 2 + [
        "org.sihub.registry.project.updated.v1", "org.sihub.registry.project.deleted.v1"]


async def test_case_studies_are_owned_by_their_publisher_and_searchable(registry, new_actor):
    author, other = registry.partner(), registry.partner()
    actor = await author.create("/actors", new_actor("Village Table", region="KR-42"))
    body = {"country": "KR", "region": "KR-42", "year": 2024, "issue_areas": ["food", "local_economy_regeneration"],
            "actor_ids": [actor["id"]], "source_url": "https://example.org/cases/village-table",
            "title": [{"value": "Village kitchens against isolation", "lang": "en"},
                      {"value": "마을부엌으로 고립을 줄이다", "lang": "ko"}],
            "summary": [{"value": "Shared meals in Gangwon villages", "lang": "en"}]}
    for changes, field, status in (({"region": "KR-26", "country": "JP"}, "region", 422), ({"title": []}, "title", 422),
                                   ({"source_url": "ftp://x.example"}, "source_url", 422),
                                   ({"actor_ids": ["nope"]}, "actor_ids[0]", 409)):
        refused = await author.post("/case-studies", json=body | changes)
        assert refused.status_code == status and refused.json()["errors"][0]["field"] == field, (changes, refused.text)
    assert (await registry.caller(Role.integrator).post("/case-studies", json=body)).status_code == 403
    case = await author.create("/case-studies", body)
    await other.create("/case-studies", {"country": "TH", "region": "TH-50", "title": [
        {"value": "วิสาหกิจชุมชนกาแฟ", "lang": "th"}], "issue_areas": ["local_economy_regeneration"]})
    path = f"/case-studies/{case['id']}"

    async def found(**params) -> list[str]:
        response = await other.get("/case-studies", params=params)
        assert response.status_code == 200, response.text
        return [c["title"][0]["value"] for c in response.json()["items"]]

    assert await found(q="부엌") == ["Village kitchens against isolation"]
    assert await found(q="gangwon meals") == ["Village kitchens against isolation"]  # summaries too
    assert await found(q="กาแฟ") == ["วิสาหกิจชุมชนกาแฟ"]
    assert await found(issue_area="local_economy_regeneration") == ["Village kitchens against isolation", "วิสาหกิจชุมชนกาแฟ"]
    assert await found(country="TH") == ["วิสาหกิจชุมชนกาแฟ"]
    assert await found(actor_id=actor["id"], year=2024) == ["Village kitchens against isolation"]

    assert (await other.change(path, {"year": 2023})).status_code == 403
    assert (await author.patch(path, json={"year": 2023})).status_code == 428
    changed = await author.change(path, {"year": 2023, "title": [{"value": "Village kitchens", "lang": "en"}]})
    assert changed.status_code == 200 and changed.json()["year"] == 2023 and changed.json()["summary"] == body["summary"]
    assert await found(q="부엌") == []  # the index follows the change
    assert (await registry.admin.remove(path)).status_code == 200
    assert (await author.get(path)).status_code == 404
    state = (await registry.events("sihub.registry.case_study.deleted"))[0]["data"]["case_study"]
    assert state["id"] == case["id"] and state["year"] == 2023 and state["deleted_at"] is not None


async def test_partnership_status_moves_proposed_active_ended(registry, new_actor):
    a_owner, b_owner, stranger = registry.partner(), registry.partner(), registry.partner()
    first = await a_owner.create("/actors", new_actor("Toyota Foundation", kind="foundation", country="JP", region="JP-13"))
    second = await b_owner.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26"))
    body = {"actor_ids": [first["id"], second["id"]], "type": "funding",
            "description": [{"value": "A cross-border care grant", "lang": "en"}]}

    assert (await stranger.post("/partnerships", json=body)).status_code == 403
    for changes, field in (({"actor_ids": [first["id"]]}, "actor_ids"), ({"type": "friendship"}, "type"),
                           ({"origin": "match"}, "match_ref")):
        refused = await a_owner.post("/partnerships", json=body | changes)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field, (changes, refused.text)
    created = await a_owner.post("/partnerships", json=body)
    assert created.status_code == 201 and created.json()["status"] == "proposed"
    partnership = created.json()
    assert partnership["created_by"] == a_owner.account_id
    path = f"/partnerships/{partnership['id']}"

    # Either party's owner moves it along (once B's owner has confirmed B takes part); a stranger
    # cannot; skipping back is a 409.
    assert (await b_owner.put(f"{path}/confirmations/{second['id']}", json={"state": "confirmed"})).status_code == 200
    assert (await stranger.change(path, {"status": "active"})).status_code == 403
    assert (await b_owner.patch(path, json={"status": "active"})).status_code == 428
    active = await b_owner.change(path, {"status": "active"})
    assert active.status_code == 200 and active.json()["status"] == "active"
    assert active.json()["starts_on"] == datetime.now(UTC).date().isoformat()
    back = await a_owner.change(path, {"status": "proposed"})
    assert back.status_code == 409 and back.json()["errors"][0]["field"] == "status"
    ended = await a_owner.change(path, {"status": "ended", "ends_on": "2030-01-01"})
    assert ended.status_code == 200 and (ended.json()["status"], ended.json()["ends_on"]) == ("ended", "2030-01-01")
    for status in ("active", "proposed"):
        refused = await a_owner.change(path, {"status": status})
        assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    declined = await b_owner.create("/partnerships", body | {"type": "mentoring"})
    assert (await b_owner.change(f"/partnerships/{declined['id']}", {"status": "ended"})).status_code == 200

    listed = await stranger.get("/partnerships", params={"actor_id": second["id"], "status": "ended", "type": "funding"})
    assert [p["id"] for p in listed.json()["items"]] == [partnership["id"]]
    assert (await stranger.remove(path)).status_code == 403
    assert (await registry.admin.remove(path)).status_code == 200
    assert (await stranger.get(path)).status_code == 404

    statuses = [(e["type"].split(".")[4], e["data"]["partnership"]["status"])
                for e in await registry.events("sihub.registry.partnership.")]
    assert statuses == [("created", "proposed"), ("updated", "proposed"), ("updated", "active"), ("updated", "ended"),
                        ("created", "proposed"), ("updated", "ended"), ("deleted", "ended")]


async def test_taxonomy_endpoint_serves_the_versioned_reference_data(registry):
    response = await registry.caller(Role.integrator).get("/taxonomy")
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"taxonomy-{response.json()["version"]}"'
    taxonomy = response.json()
    kinds = {k["code"]: k["sector"] for k in taxonomy["actor_kinds"]}
    assert kinds["government_agency"] == "public" and kinds["impact_investor"] == "private" and len(kinds) == 12
    areas = {a["code"]: a for a in taxonomy["issue_areas"]}
    assert 8 in areas["employment"]["sdgs"] and areas["employment"]["labels"]["ko"]
    assert len(taxonomy["capabilities"]) == 12 and len(taxonomy["partnership_types"]) == 8
    assert {s["code"]: s["next"] for s in taxonomy["partnership_statuses"]} == {
        "proposed": ["active", "ended"], "active": ["ended"], "ended": []}
    korean = next(s for s in taxonomy["certification_schemes"] if s["code"] == "kr_certified_social_enterprise")
    assert {level["code"] for level in korean["levels"]} == {
        "job_provision", "social_service_provision", "local_community_contribution", "mixed", "creative_other"}
    assert {"KR-BRN", "JP-JCN", "CN-USCI", "SG-ACRA", "TH-TIN"} <= {s["code"] for s in taxonomy["identifier_schemes"]}


async def test_a_match_partnership_keeps_its_match_ref(registry, new_actor):
    owner = registry.partner()
    first = await owner.create("/actors", new_actor("Toyota Foundation", kind="foundation", country="JP", region="JP-13"))
    second = await owner.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26"))
    partnership = await owner.create("/partnerships", {
        "actor_ids": [first["id"], second["id"]], "type": "funding", "origin": "match", "match_ref": "proposal-7"})
    path = f"/partnerships/{partnership['id']}"

    cleared = await owner.change(path, {"match_ref": None})
    assert cleared.status_code == 422 and cleared.json()["errors"][0]["field"] == "match_ref"
    assert (await owner.get(path)).json()["match_ref"] == "proposal-7"
    assert (await owner.change(path, {"match_ref": "proposal-8"})).json()["match_ref"] == "proposal-8"
    # Deleting checks If-Match once, before anything changes: none is 428, a stale one 412.
    assert (await owner.delete(path)).status_code == 428
    assert (await owner.delete(path, headers={"If-Match": '"1"'})).status_code == 412
    assert (await owner.remove(path)).status_code == 200


async def test_a_match_names_one_live_partnership_a_partner_registered_even_under_a_race(registry, new_actor):
    """The service's check (a 409 naming match_ref) has a unique index behind it: two requests that
    both passed the check cannot both write. Here the second write skips the check, as the loser
    of a race would have; it is a 409 naming match_ref, and a deleted one frees the match."""
    owner = registry.partner()
    first = await owner.create("/actors", new_actor("Alpha Care"))
    second = await owner.create("/actors", new_actor("Beta Care"))
    body = {"actor_ids": [first["id"], second["id"]], "type": "funding", "origin": "match", "match_ref": "proposal-9"}
    claimed = await owner.create("/partnerships", body)
    assert (await owner.post("/partnerships", json=body)).json()["errors"][0]["field"] == "match_ref"

    async def write_another() -> None:
        async with registry.app.state.database.session() as session:
            now = datetime.now(UTC)
            session.add(Partnership(id=new_id(), created_by=owner.account_id, actor_ids=claimed["actor_ids"], type="funding",
                                    status="proposed", origin="match", match_ref="proposal-9", version=1, created_at=now, updated_at=now))
            await flush_or_conflict(session)
            await session.rollback()

    with pytest.raises(Conflict) as raced:
        await write_another()
    assert raced.value.errors == [{"field": "match_ref", "message": "taken meanwhile"}]
    assert (await owner.remove(f"/partnerships/{claimed['id']}")).status_code == 200
    await write_another()


async def test_a_partnership_whose_actor_was_deleted_cannot_become_active(registry, new_actor):
    owner = registry.partner()
    first = await owner.create("/actors", new_actor("Alpha Care"))
    second = await owner.create("/actors", new_actor("Beta Care"))
    partnership = await owner.create("/partnerships", {"actor_ids": [first["id"], second["id"]], "type": "co_delivery"})
    assert (await owner.remove(f"/actors/{second['id']}")).status_code == 200
    activated = await owner.change(f"/partnerships/{partnership['id']}", {"status": "active"})
    assert activated.status_code == 409 and activated.json()["errors"][0]["field"] == "actor_ids[1]"
    assert (await owner.get(f"/partnerships/{partnership['id']}")).json()["status"] == "proposed"
    ended = await owner.change(f"/partnerships/{partnership['id']}", {"status": "ended"})
    assert ended.status_code == 200 and ended.json()["status"] == "ended"  # it can still be closed
