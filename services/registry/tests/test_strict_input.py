"""Hostile and careless input to the registry: a 422 naming the field, never a 500, never
silently dropped; and a change that changes nothing keeps the version, the ETag, and is no event."""

from __future__ import annotations

import json
import re

import pytest

LISTINGS = ("/actors", "/projects", "/case-studies", "/partnerships", "/programmes", "/memberships")


def fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


async def test_a_year_beyond_any_database_range_is_a_422_naming_it(registry):
    reader = registry.partner()
    assert fields(await reader.get("/case-studies", params={"year": "648440612681390227456"})) == ["year[0]"]
    assert fields(await reader.get("/case-studies", params={"year": ["2024", "1899"]})) == ["year[1]"]
    assert (await reader.get("/case-studies", params={"year": 2024})).status_code == 200
    [year] = [p for p in registry.app.openapi()["paths"]["/api/v1/registry/case-studies"]["get"]["parameters"]
              if p["name"] == "year"]
    assert (year["schema"]["items"]["minimum"], year["schema"]["items"]["maximum"]) == (1900, 2100)


@pytest.mark.parametrize("path", LISTINGS)
async def test_modified_after_at_the_ends_of_time_lists_everything_or_nothing(registry, new_actor, path):
    owner = registry.partner()
    await owner.create("/actors", new_actor("Busan Care Cooperative"))
    # Valid RFC 3339 times that lie outside what a datetime holds once converted to UTC.
    earliest = await owner.get(path, params={"modified_after": "0001-01-01T00:00:00+14:00"})
    latest = await owner.get(path, params={"modified_after": "9999-12-31T23:59:59-14:00"})
    assert earliest.status_code == 200 and latest.status_code == 200, (earliest.text, latest.text)
    if path == "/actors":
        assert [a["names"][0]["value"] for a in earliest.json()["items"]] == ["Busan Care Cooperative"]
    assert latest.json()["items"] == []


async def test_control_characters_in_query_text_are_a_422_not_a_database_error(registry):
    reader = registry.partner()
    for path, params, field in (("/actors", {"q": "care\x00"}, "q"), ("/actors", {"ref": "a\x00b"}, "ref[0]"),
                                ("/actors", {"ref_prefix": "\x00"}, "ref_prefix"),
                                ("/actors", {"certification": "x\x00"}, "certification[0]"),
                                ("/projects", {"q": "\x1b[31m"}, "q"), ("/partnerships", {"ref_prefix": "\x00"}, "ref_prefix"),
                                ("/actors", {"country": "K\x00"}, "country[0]")):
        assert fields(await reader.get(path, params=params)) == [field], (path, params)


@pytest.mark.parametrize("mode", [None, "validate", "partial"])
async def test_a_nul_in_an_imported_ref_is_refused_naming_row_and_field(registry, mode):
    importer = registry.partner()
    rows = [{"ref": "tour\u00001", "kind": "social_enterprise", "country": "KR", "names": [{"value": "Gangwon Care", "lang": "en"}]},
            {"ref": "tour-2", "kind": "non_profit", "country": "JP", "names": [{"value": "Osaka\u0007 Food", "lang": "en"}]}]
    params = {"mode": mode} if mode else {}
    answer = await importer.post("/actors/import", params=params, content=json.dumps(rows),
                                 headers={"content-type": "application/json"})
    if mode == "partial":
        assert answer.status_code == 201, answer.text
        assert [(s["row"], [e["field"] for e in s["errors"]]) for s in answer.json()["skipped"]] == [
            (1, ["ref"]), (2, ["names[0].value"])]
    else:
        problem = answer.json()
        assert answer.status_code == 422, answer.text
        assert [(e["row"], e["field"]) for e in problem["errors"]] == [(1, "ref"), (2, "names[0].value")]
    assert (await importer.get("/actors")).json()["items"] == []
    assert await registry.events() == []


async def test_a_nul_in_a_csv_import_is_refused_naming_the_row(registry):
    importer = registry.partner()
    body = "ref,kind,country,name_en\r\nok-1,social_enterprise,KR,Fine\r\nbad\x00,social_enterprise,KR,Nul Ref\r\n"
    for params in ({"mode": "validate"}, {}):
        answer = await importer.post("/actors/import", params=params, content=body.encode(),
                                     headers={"content-type": "text/csv"})
        assert answer.status_code == 422, answer.text
        assert [(e["row"], e["field"]) for e in answer.json()["errors"]] == [(2, "ref")]
    assert await registry.events() == []


async def test_a_flag_is_true_or_false_in_json_and_a_csv_cell_says_it_in_words(registry, new_actor):
    owner = registry.partner()
    for taken_as_a_boolean_by_default in (0, 1, "yes", "true"):
        assert fields(await owner.post("/actors", json=new_actor("Busan Care") | {
            "illustrative": taken_as_a_boolean_by_default})) == ["illustrative"]
    header = "ref,kind,country,name_en,illustrative\r\n"
    answer = await owner.post("/actors/import", content=(header + "f-1,social_enterprise,KR,Flag One,maybe\r\n").encode(),
                              headers={"content-type": "text/csv"})
    assert answer.status_code == 422 and [(e["row"], e["field"]) for e in answer.json()["errors"]] == [(1, "illustrative")]
    answer = await owner.post("/actors/import", content=(header + "f-1,social_enterprise,KR,Flag One,Yes\r\n"
                                                         "f-2,social_enterprise,KR,Flag Two,false\r\n").encode(),
                              headers={"content-type": "text/csv"})
    assert answer.status_code in (200, 201), answer.text
    flags = {a["ref"]: a["illustrative"] for a in (await owner.get("/actors", params={"q": "Flag"})).json()["items"]}
    assert flags == {"f-1": True, "f-2": False}


async def test_unknown_fields_are_refused_naming_them(registry, new_actor):
    owner = registry.partner()
    assert sorted(fields(await owner.post("/actors", json=new_actor("Busan Care") | {"colour": "red", "nmae": "x"}))) == [
        "colour", "nmae"]
    assert fields(await owner.post("/actors", json=new_actor("Busan Care", names=[
        {"value": "Busan Care", "lang": "en", "script": "Latn"}]))) == ["names[0].script"]
    actor = await owner.create("/actors", new_actor("Busan Care"))
    path = f"/actors/{actor['id']}"
    assert fields(await owner.change(path, {"webiste": "https://example.org"})) == ["webiste"]
    for body, field in (({"founded_year": float("nan")}, "founded_year"), ({"kind": None}, "kind"),
                        ({"names": None}, "names"), ({"owner_account_id": None}, "owner_account_id")):
        response = await owner.patch(path, content=json.dumps(body), headers={"If-Match": '"1"', "content-type": "application/json"})
        assert fields(response) == [field], body
    assert (await owner.get(path)).json()["version"] == 1


async def test_unparseable_json_names_the_body_with_line_and_column(registry):
    response = await registry.partner().post("/actors", content=b'{"kind": "social_enterprise",\n "country": KR}',
                                             headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "in": "body", "line": 2, "column": 13,
                                          "message": "not valid JSON: line 2, column 13"}]


async def test_the_schema_says_what_the_code_checks(registry):
    schemas = registry.app.openapi()["components"]["schemas"]
    actor = schemas["ActorCreate"]
    assert actor["additionalProperties"] is False
    # Only assigned ISO codes, listed once in the document.
    assert actor["properties"]["country"]["$ref"] == "#/components/schemas/CountryCode"
    assert "AA" not in schemas["CountryCode"]["enum"] and "KR-9X" not in schemas["RegionCode"]["enum"]
    assert "pattern" in actor["properties"]["website"]["anyOf"][0]
    assert "pattern" in schemas["LocalizedText"]["properties"]["lang"]
    # "   " as a name is refused, and the published schema says so (not only the code)
    name_pattern = schemas["Name"]["properties"]["value"]["pattern"]
    assert re.fullmatch(name_pattern, "Busan Care") and not re.fullmatch(name_pattern, " \u3000 ")
    assert "names" in actor["required"] and actor["properties"]["names"]["minItems"] == 1
    assert schemas["PartnershipCreate"]["properties"]["actor_ids"]["minItems"] == 2
    assert "kr_certified_social_enterprise" in schemas["Certification"]["properties"]["scheme"]["enum"]
    update = schemas["ActorUpdate"]
    assert update["additionalProperties"] is False
    assert "anyOf" not in update["properties"]["kind"] and "null" not in json.dumps(update["properties"]["names"])
    assert {"type": "null"} in update["properties"]["region"]["anyOf"]  # null clears an optional field



async def test_the_schema_says_which_lists_refuse_repeats_and_what_an_identifier_is(registry):
    schemas = registry.app.openapi()["components"]["schemas"]
    distinct = {"ActorCreate": ["issue_areas", "offers", "needs"], "ActorUpdate": ["issue_areas", "offers", "needs"],
                "ProjectCreate": ["partner_ids", "issue_areas"], "ProjectUpdate": ["partner_ids", "issue_areas"],
                "CaseStudyCreate": ["issue_areas", "actor_ids"], "CaseStudyUpdate": ["issue_areas", "actor_ids"],
                "ProgrammeCreate": ["issue_areas"], "ProgrammeUpdate": ["issue_areas"], "PartnershipCreate": ["actor_ids"]}
    assert {(name, field) for name, listed in distinct.items() for field in listed
            if not schemas[name]["properties"][field].get("uniqueItems")} == set()
    identifier = schemas["IdentifierValue"]["properties"]
    # Any scheme of the shape XX-NAME is taken (registries elsewhere are many), in any case.
    assert all(re.fullmatch(identifier["scheme"]["pattern"], s) for s in ("KR-BRN", "xx-newreg", "GB-COH"))
    assert not any(re.fullmatch(identifier["scheme"]["pattern"], s) for s in ("KRBRN", "K-1", "KR-"))
    # A value keeps a character once separators are removed, and at most 64.
    assert identifier["value"]["maxLength"] == 64 and not re.fullmatch(identifier["value"]["pattern"], "- .")


async def test_an_identifier_the_schema_allows_is_taken(registry, new_actor):
    owner = registry.partner()
    actor = await owner.create("/actors", new_actor("Busan Care", identifiers=[
        {"scheme": "xx-newreg", "value": "A" * 64}]))
    assert actor["identifiers"] == [{"scheme": "XX-NEWREG", "value": "A" * 64}]
    assert fields(await owner.post("/actors", json=new_actor("Busan Care 2", identifiers=[
        {"scheme": "XX-NEWREG", "value": "-.-"}]))) == ["identifiers[0].value"]


async def _updated_events(registry) -> int:
    return sum(1 for e in await registry.events() if e["type"].endswith(".updated.v1"))


async def _unchanged_by(caller, registry, path: str, *bodies: dict) -> None:
    before = await caller.get(path)
    events = await _updated_events(registry)
    for body in bodies:
        response = await caller.patch(path, json=body, headers={"If-Match": before.headers["ETag"]})
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == before.headers["ETag"], (path, body)
        assert response.json()["version"] == before.json()["version"]
        assert response.json()["updated_at"] == before.json()["updated_at"]
    assert await _updated_events(registry) == events, path


async def test_a_patch_that_changes_nothing_keeps_the_version_and_emits_nothing(registry, new_actor):
    owner, other = registry.partner(), registry.partner()
    hub = await owner.create("/actors", new_actor("Social Campus On Busan", kind="hub_intermediary", region="KR-26",
                                                  website="https://example.org", issue_areas=["employment"]))
    partner = await other.create("/actors", new_actor("Haeundae Green", region="KR-26"))
    project = await owner.create("/projects", {"actor_id": hub["id"], "country": "KR", "region": "KR-26",
                                               "title": [{"value": "Care routes", "lang": "en"}]})
    case = await owner.create("/case-studies", {"country": "KR", "year": 2024, "title": [{"value": "Kitchens", "lang": "en"}]})
    partnership = await owner.create("/partnerships", {"actor_ids": [hub["id"], partner["id"]], "type": "funding"})
    programme = await owner.create("/programmes", {"hub_id": hub["id"], "names": [{"value": "Academy", "lang": "en"}],
                                                   "cohorts": [{"name": "2026 spring"}]})
    cohort = programme["cohorts"][0]
    membership = await owner.create("/memberships", {"programme_id": programme["id"], "actor_id": partner["id"],
                                                     "role": "resident"})

    await _unchanged_by(owner, registry, f"/actors/{hub['id']}", {}, {"website": "https://example.org", "region": "KR-26"},
                        {"names": hub["names"], "issue_areas": ["employment"], "kind": "hub_intermediary"})
    await _unchanged_by(owner, registry, f"/projects/{project['id']}", {}, {"title": project["title"], "status": "planned"})
    await _unchanged_by(owner, registry, f"/case-studies/{case['id']}", {}, {"year": 2024, "country": "KR"})
    await _unchanged_by(owner, registry, f"/partnerships/{partnership['id']}", {}, {"type": "funding", "status": "proposed"})
    await _unchanged_by(owner, registry, f"/programmes/{programme['id']}", {}, {"names": programme["names"]})
    await _unchanged_by(owner, registry, f"/cohorts/{cohort['id']}", {}, {"name": "2026 spring"})
    await _unchanged_by(owner, registry, f"/memberships/{membership['id']}", {}, {"role": "resident"})

    changed = await owner.change(f"/case-studies/{case['id']}", {"year": 2023})
    assert changed.headers["ETag"] == '"2"' and await _updated_events(registry) == 1


async def test_control_characters_in_a_path_are_a_422_not_a_database_error(registry, new_actor):
    owner = registry.partner()
    hub = await owner.create("/actors", new_actor("Social Campus On Busan", kind="hub_intermediary", region="KR-26"))
    assert fields(await owner.put(f"/hubs/{hub['id']}/operators/a%00b")) == ["account_id"]


async def test_a_malformed_import_file_is_described_without_the_parser_s_own_words(registry):
    importer = registry.partner()
    answer = await importer.post("/actors/import", content=b'[{"ref": "x",\n  "kind" "non_profit"}]',
                                 headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"field": "body", "message": "not valid JSON", "line": 2, "column": 10}]
    answer = await importer.post("/actors/import", content=b"[" * 5000 + b"]" * 5000,
                                 headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"field": "body", "message": "JSON nested too deeply to read"}]
    answer = await importer.post("/actors/import", content=b'ref,name_en,kind,country\nx,"Unclosed,social_enterprise,KR\n',
                                 headers={"content-type": "text/csv"})
    assert answer.status_code == 400 and "unexpected end of data" not in answer.text
    assert "Expecting" not in answer.text
