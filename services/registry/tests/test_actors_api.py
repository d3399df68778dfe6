"""Actors over HTTP: create/read/update/delete with ETags, contacts' visibility, filters, text
search in every script, cursor pagination and `modified_after` (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from sihub_shared.identity import Role
from sihub_shared.pagination import encode_cursor


async def test_actor_lifecycle_with_etags_contacts_and_soft_delete(registry, new_actor):
    owner, other, admin = registry.partner(), registry.partner(), registry.admin
    integrator = registry.caller(Role.integrator)

    created = await owner.post("/actors", json=new_actor(
        "Haessal Social Co", contacts=[{"name": "Kim", "email": "kim@haessal.example"}],
        identifiers=[{"scheme": "KR-BRN", "value": "124-81-00998"}], offers=[{"capability": "funding", "detail": "seed"}],
    ))
    assert created.status_code == 201, created.text
    actor = created.json()
    path = f"/actors/{actor['id']}"
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/api/v1/registry{path}"
    assert actor["sector"] == "social"  # implied by the kind
    assert actor["owner_account_id"] == owner.account_id
    assert actor["identifiers"] == [{"scheme": "KR-BRN", "value": "1248100998"}]  # normalised

    # Contacts: the owner and admins see them; another partner and an integrator read null.
    for caller, sees in ((owner, True), (admin, True), (other, False), (integrator, False)):
        read = await caller.get(path)
        assert read.status_code == 200 and read.headers["ETag"] == '"1"'
        assert (read.json()["contacts"] is not None) is sees, caller.roles
    listed = await other.get("/actors")
    assert [a["contacts"] for a in listed.json()["items"]] == [None]

    # Updates need If-Match: none is 428, a stale one is 412, the current one moves the version.
    missing = await owner.patch(path, json={"locality": "Mapo-gu"})
    assert missing.status_code == 428 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["errors"][0]["field"] == "If-Match"
    stale = await owner.patch(path, json={"locality": "Mapo-gu"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412 and stale.json()["current_etag"] == '"1"'
    updated = await owner.patch(path, json={"locality": "Mapo-gu", "names": [
        {"value": "Haessal Social Co", "lang": "en"}, {"value": "햇살사회적협동조합", "lang": "ko"}]},
        headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert updated.headers["ETag"] == '"2"'
    assert updated.json()["locality"] == "Mapo-gu" and len(updated.json()["names"]) == 2
    assert updated.json()["contacts"] == actor["contacts"]  # untouched fields stay
    again = await owner.patch(path, json={"locality": "Jung-gu"}, headers={"If-Match": '"1"'})
    assert again.status_code == 412

    # An update meets the rules a creation does, and a bad one changes nothing.
    bad = await owner.change(path, {"region": "JP-13"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "region"
    null_kind = await owner.change(path, {"kind": None})
    assert null_kind.status_code == 422 and null_kind.json()["errors"][0]["field"] == "kind"
    assert (await owner.get(path)).headers["ETag"] == '"2"'

    # Only an admin hands an actor to another account; the new owner then sees its contacts.
    handed = await owner.change(path, {"owner_account_id": other.account_id})
    assert handed.status_code == 403 and handed.json()["errors"][0]["field"] == "owner_account_id"
    handed = await admin.change(path, {"owner_account_id": other.account_id})
    assert handed.status_code == 200 and handed.json()["owner_account_id"] == other.account_id
    assert (await other.get(path)).json()["contacts"] == actor["contacts"]
    assert (await owner.get(path)).json()["contacts"] is None

    # Soft delete: If-Match again; afterwards 404, gone from lists, kept as a tombstone for a sync.
    assert (await other.delete(path)).status_code == 428
    deleted = await other.remove(path)
    assert deleted.status_code == 200 and deleted.json()["deleted_at"] is not None
    gone = await other.get(path)
    assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"
    assert (await other.delete(path, headers={"If-Match": '"4"'})).status_code == 404
    assert (await other.get("/actors")).json()["items"] == []
    tombstone = await other.get(path, params={"include_deleted": "true"})
    assert tombstone.status_code == 200 and tombstone.json()["deleted_at"] is not None
    assert (await other.get("/actors/not-a-uuid")).status_code == 404
    # Other spellings of a UUID are not ids as given out: 404 on both databases, not a database error.
    for spelling in ("{%s}" % actor["id"], "urn:uuid:" + actor["id"], actor["id"].upper()):
        assert (await other.get(f"/actors/{spelling}")).status_code == 404, spelling

    verbs = [(e["type"], e["data"]["actor"]["version"]) for e in await registry.events()]
    assert verbs == [
        ("org.sihub.registry.actor.created.v1", 1),
        ("org.sihub.registry.actor.updated.v1", 2),
        ("org.sihub.registry.actor.updated.v1", 3),
        ("org.sihub.registry.actor.deleted.v1", 4),
    ]


async def test_bad_actors_are_refused_naming_the_field_and_nothing_changes(registry, new_actor):
    partner = registry.partner()
    cases = {
        "region": new_actor("Busan under Japan", country="JP", region="KR-26"),
        "country": new_actor("Nowhere", country="XX", region=None),
        "issue_areas[0]": new_actor("Unknown issue", issue_areas=["astrology"]),
        "offers[0].capability": new_actor("Unknown capability", offers=[{"capability": "magic"}]),
        "kind": new_actor("Unknown kind", kind="guild"),
        "identifiers[0].value": new_actor("Bad check digit", identifiers=[{"scheme": "KR-BRN", "value": "124-81-00999"}]),
        "names": new_actor("x", names=[]),
        "certifications[0].scheme": new_actor("Wrong country", country="JP", region="JP-13",
                                              certifications=[{"scheme": "kr_certified_social_enterprise", "level": "mixed"}]),
        "certifications[0].level": new_actor("Wrong level",
                                             certifications=[{"scheme": "kr_certified_social_enterprise", "level": "gold"}]),
        "contacts[0]": new_actor("No way to reach", contacts=[{"name": "Nobody"}]),
    }
    for field, body in cases.items():
        response = await partner.post("/actors", json=body)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], (field, response.json())

    too_big = await partner.post("/actors", content=b'{"names": "' + b"x" * 1_100_000 + b'"}',
                                 headers={"content-type": "application/json"})
    assert too_big.status_code == 413 and too_big.headers["content-type"] == "application/problem+json"

    first = await partner.create("/actors", new_actor("Referenced", ref="demo:referenced"))
    taken = await partner.post("/actors", json=new_actor("Another", ref="demo:referenced"))
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "ref"
    assert taken.json()["existing_id"] == first["id"]

    assert [a["id"] for a in (await partner.get("/actors")).json()["items"]] == [first["id"]]
    assert len(await registry.events()) == 1


async def test_filters_search_in_every_script_pagination_and_sync(registry, new_actor):
    owner = registry.partner()
    bodies = {
        "campus": new_actor("Social Campus On Seoul", names=[{"value": "소셜캠퍼스 온 서울", "lang": "ko"},
                                                              {"value": "Social Campus On Seoul", "lang": "en"}],
                            kind="hub_intermediary", offers=[{"capability": "space"}, {"capability": "mentoring"}],
                            issue_areas=["employment"]),
        "busan": new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26", issue_areas=["ageing_care"],
                           needs=[{"capability": "funding"}],
                           certifications=[{"scheme": "kr_certified_social_enterprise", "level": "social_service_provision"}]),
        "toyota": new_actor("x", names=[{"value": "公益財団法人トヨタ財団", "lang": "ja"}], kind="foundation",
                            country="JP", region="JP-13", offers=[{"capability": "funding", "detail": "research grants"}]),
        "shenzhen": new_actor("x", names=[{"value": "深圳社会企业发展中心", "lang": "zh-Hans"}], kind="non_profit",
                              country="CN", region="CN-GD", needs=[{"capability": "funding"}], issue_areas=["employment"]),
        "thai": new_actor("x", names=[{"value": "มูลนิธิเพื่อการพัฒนาชนบท", "lang": "th"}], kind="foundation",
                          country="TH", region="TH-50", issue_areas=["local_economy_regeneration"]),
        "agency": new_actor("Ministry of Employment and Labor", kind="government_agency", region="KR-30",
                            certifications=[{"scheme": "b_corp", "level": "certified"}]),
        "singapore": new_actor("Kampung Ventures", kind="social_venture", country="SG", region="SG-01",
                               needs=[{"capability": "mentoring"}]),
    }
    ids = {key: (await owner.create("/actors", body))["id"] for key, body in bodies.items()}

    async def found(**params) -> set[str]:
        response = await owner.get("/actors", params=params)
        assert response.status_code == 200, response.text
        by_id = {v: k for k, v in ids.items()}
        return {by_id[a["id"]] for a in response.json()["items"]}

    assert await found(country="KR") == {"campus", "busan", "agency"}
    assert await found(country=["JP", "CN"]) == {"toyota", "shenzhen"}
    assert await found(region="KR-26") == {"busan"}
    assert await found(kind="foundation") == {"toyota", "thai"}
    assert await found(sector="public") == {"agency"}
    assert await found(sector="philanthropic", country="TH") == {"thai"}
    assert await found(issue_area="employment") == {"campus", "shenzhen"}
    assert await found(offers="funding") == {"toyota"}
    assert await found(needs="funding") == {"busan", "shenzhen"}
    assert await found(needs=["funding", "mentoring"], country="SG") == {"singapore"}
    assert await found(certification="kr_certified_social_enterprise") == {"busan"}
    assert await found(certification="kr_certified_social_enterprise:job_provision") == set()
    assert await found(certification="b_corp:certified") == {"agency"}

    # Part of a word, in each script; romanised names by a word or the start of one.
    assert await found(q="캠퍼스") == {"campus"}
    assert await found(q="서울") == {"campus"}
    assert await found(q="トヨタ") == {"toyota"}
    assert await found(q="財団") == {"toyota"}
    assert await found(q="社会企业") == {"shenzhen"}
    assert await found(q="การพัฒนา") == {"thai"}
    assert await found(q="toyota zaidan") == {"toyota"}
    assert await found(q="shenzhen") == {"shenzhen"}
    assert await found(q="Camp") == {"campus"}
    assert await found(q="kampung vent") == {"singapore"}
    assert await found(q="employ") == {"agency"}
    assert await found(q="cooperative", region="KR-26") == {"busan"}
    assert await found(q="부산") == set()

    for params, field in (({"country": "XX"}, "country"), ({"region": "KR-99"}, "region"), ({"q": "!!"}, "q"),
                          ({"kind": "guild"}, "kind"), ({"cursor": "garbage"}, "cursor"), ({"hub": "nope"}, "hub")):
        refused = await owner.get("/actors", params=params)
        assert refused.status_code in (400, 422), params
        assert refused.json()["errors"][0]["field"].startswith(field)  # kind[0]: the first value
    # Cursors that were not given out (once 500s: a non-UUID id on PostgreSQL, a time without offset).
    for forged in ({"m": "id", "id": "x"}, {"m": "modified", "id": "x", "at": "2020-01-01T00:00:00+00:00"},
                   {"m": "modified", "id": "01a24309-d119-71bc-9148-9cf92bcc42f8", "at": "2020-01-01"},
                   {"m": "id", "id": "01a24309-d119-71bc-9148-9cf92bcc42f8\x00"},
                   # read by uuid.UUID, refused by PostgreSQL's uuid type; a time with no UTC equivalent
                   {"m": "id", "id": "{01a24309-d119-71bc-9148-9cf92bcc42f8}"},
                   {"m": "modified", "id": "01a24309-d119-71bc-9148-9cf92bcc42f8", "at": "0001-01-01T00:00:00+01:00"},
                   {"m": "modified", "id": "01a24309-d119-71bc-9148-9cf92bcc42f8", "at": "9999-12-31T23:59:59-01:00"}):
        for path in ("/actors", "/partnerships", "/programmes", "/projects"):
            refused = await owner.get(path, params={"cursor": encode_cursor(forged)})
            assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "cursor", (path, forged)

    # Cursor pagination visits every row exactly once, in creation order.
    seen: list[str] = []
    cursor = None
    while True:
        page = (await owner.get("/actors", params={"limit": 2} | ({"cursor": cursor} if cursor else {}))).json()
        assert len(page["items"]) <= 2
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(ids.values())

    # modified_after: what changed since a moment, oldest change first, paged the same way.
    await asyncio.sleep(0.01)
    since = datetime.now(UTC)
    await asyncio.sleep(0.01)
    for key in ("thai", "campus"):
        assert (await owner.change(f"/actors/{ids[key]}", {"locality": "Centre"})).status_code == 200
    late = await owner.create("/actors", new_actor("Late Arrival"))
    assert (await owner.remove(f"/actors/{ids['busan']}")).status_code == 200
    changed: list[str] = []
    cursor = None
    while True:
        params = {"modified_after": since.isoformat(), "limit": 1, "include_deleted": "true"}
        page = (await owner.get("/actors", params=params | ({"cursor": cursor} if cursor else {}))).json()
        changed += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert changed == [ids["thai"], ids["campus"], late["id"], ids["busan"]]
    # A cursor continues the listing it came from: a sync's next page needs only the cursor.
    sync = {"modified_after": since.isoformat(), "limit": 2, "include_deleted": "true"}
    first = (await owner.get("/actors", params=sync)).json()
    rest = (await owner.get("/actors", params={"cursor": first["next_cursor"], "include_deleted": "true"})).json()
    assert [a["id"] for a in first["items"] + rest["items"]] == changed
    live = await owner.get("/actors", params={"modified_after": since.isoformat()})
    assert [a["id"] for a in live.json()["items"]] == [ids["thai"], ids["campus"], late["id"]]
    # A time without an offset is UTC; one with another offset is the same moment.
    naive = since.replace(tzinfo=None).isoformat()
    in_seoul = since.astimezone(timezone(timedelta(hours=9))).isoformat()
    for moment in (naive, in_seoul):
        same = await owner.get("/actors", params={"modified_after": moment})
        assert [a["id"] for a in same.json()["items"]] == [ids["thai"], ids["campus"], late["id"]]


async def test_a_legal_form_word_in_a_query_is_also_a_word_of_its_own(registry, new_actor):
    """"inc", "corp" or "zaidan" meet the legal form in any script, and still the words they begin."""
    partner = registry.partner()
    made = {key: (await partner.create("/actors", new_actor(name, **fields)))["id"] for key, name, fields in (
        ("incheon", "Incheon Social Campus", {"region": "KR-28"}),
        ("corporate", "Corporate Volunteers Network", {}),
        ("acme", "Acme Inc.", {"kind": "corporation"}),
        ("toyota", "トヨタ財団", {"kind": "foundation", "country": "JP", "region": "JP-13"}),
    )}

    async def found(q: str) -> set[str]:
        items = (await partner.get("/actors", params={"q": q})).json()["items"]
        return {key for key, actor_id in made.items() if actor_id in {a["id"] for a in items}}

    assert await found("inc") == {"incheon", "acme"}
    assert await found("corp") == {"corporate", "acme"}  # "corp" is the concept Inc. carries
    assert await found("zaidan") == {"toyota"}
