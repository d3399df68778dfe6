"""The HSDS export against the published HSDS 3.0.1 JSON Schema (vendored in tests/standards, with
the upstream hash checked): every demo organisation, an actor with every optional field empty and
one with every field set, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sihub_registry.demo.dataset import demo_dataset

STANDARD = Path(__file__).parent / "standards" / "hsds-3.0.1"
ORGANIZATION_SCHEMA = STANDARD / "compiled" / "organization.json"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(ORGANIZATION_SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    # jsonschema checks a format only when the library for it is installed (jsonschema[format-nongpl]).
    assert {"uri", "date-time", "date", "uuid", "email"} <= Draft202012Validator.FORMAT_CHECKER.checkers.keys()
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def problems(validator: Draft202012Validator, organisation: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(organisation)]


def test_the_vendored_schema_is_the_published_one():
    published = dict(reversed(line.split("  ", 1)) for line in (STANDARD / "SHA256SUMS").read_text().splitlines())
    assert published["compiled/organization.json"] == hashlib.sha256(ORGANIZATION_SCHEMA.read_bytes()).hexdigest()


async def hsds_contents(caller, **params: Any) -> list[dict[str, Any]]:
    response = await caller.get("/actors/export", params={"format": "hsds"} | params)
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["total_items"] == len(document["contents"])
    return document["contents"]


async def test_every_demo_organisation_validates(registry, validator):
    actors = [a | {"ref": "demo:" + a["ref"]} for a in demo_dataset()["actors"]]
    imported = await registry.admin.post("/actors/import", json=actors)
    assert imported.status_code == 201, imported.text

    contents = await hsds_contents(registry.admin)
    assert len(contents) == len(actors) == 316
    invalid = {o["name"]: errors for o in contents if (errors := problems(validator, o))}
    assert invalid == {}, f"{len(invalid)} of {len(contents)} fail HSDS 3.0.1"
    # Invented organisations say so, the real ones named in the sources do not.
    assert sorted(o["illustrative"] for o in contents) == sorted(a.get("illustrative", False) for a in actors)
    assert any(not o["illustrative"] for o in contents) and any(o["illustrative"] for o in contents)


async def test_an_actor_with_every_optional_field_empty_validates(registry, validator):
    await registry.partner().create("/actors", {"names": [{"value": "Bare Minimum", "lang": "en"}],
                                                "kind": "non_profit", "country": "TH"})
    [organisation] = await hsds_contents(registry.admin)
    assert problems(validator, organisation) == []
    # absent values are left out, never null
    assert not {"website", "year_incorporated", "alternate_name"} & organisation.keys()
    assert organisation["description"] == ""  # required by HSDS, so present even when empty
    assert organisation["illustrative"] is False
    assert [a for a in organisation["attributes"] if a["link_type"] == "data_status"] == []


async def test_an_actor_with_every_field_set_validates(registry, validator):
    full = {
        "ref": "full:haessal",
        "names": [{"value": "Haessal Care", "lang": "en"}, {"value": "햇살돌봄사회적협동조합", "lang": "ko"},
                  {"value": "Haessal Dolbom", "lang": "ko-Latn"}],
        "descriptions": [{"value": "Home care by a workers' cooperative.", "lang": "en"},
                         {"value": "돌봄 협동조합", "lang": "ko"}],
        "kind": "cooperative", "country": "KR", "region": "KR-26", "locality": "Haeundae-gu",
        "founded_year": 2012, "website": "https://haessal.example.org", "illustrative": True,
        "issue_areas": ["ageing_care", "health"],
        "offers": [{"capability": "mentoring", "detail": "peer coaching"}, {"capability": "space"}],
        "needs": [{"capability": "funding", "detail": "seed grants"}],
        "certifications": [{"scheme": "kr_certified_social_enterprise", "level": "social_service_provision",
                            "valid_from": "2021-03-01", "valid_to": "2026-02-28", "number": "2021-123"}],
        "identifiers": [{"scheme": "KR-BRN", "value": "124-81-00998"}],
        "contacts": [{"name": "Kim Mi-na", "role": "director", "email": "care@haessal.example", "phone": "+82 51 000 0000"}],
    }
    await registry.partner().create("/actors", full)
    [organisation] = await hsds_contents(registry.admin)
    assert problems(validator, organisation) == []
    assert organisation["website"] == full["website"] and organisation["year_incorporated"] == 2012
    assert organisation["alternate_name"] == "햇살돌봄사회적협동조합 / Haessal Dolbom"
    assert [s["name"] for s in organisation["services"]] == ["Mentoring and coaching", "Space and facilities"]
    assert organisation["illustrative"] is True
    [status] = [a for a in organisation["attributes"] if a["link_type"] == "data_status"]
    assert status["value"] == "illustrative" and status["link_id"] == organisation["id"]


@pytest.mark.parametrize(("website", "uri"), [
    ("https://사회적기업.kr", "https://xn--ok0bn46a5vdltc312a.kr"),
    ("https://例え.jp/パス?q=街#上", "https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9?q=%E8%A1%97#%E4%B8%8A"),
    ("https://example.org/a|b", "https://example.org/a%7Cb"),
    ("https://example.org/%zz/%41", "https://example.org/%25zz/%41"),
    ("HTTPS://Example.org:8443/ok", "https://example.org:8443/ok"),
    ("https://[2001:db8::1]:8080/x", "https://[2001:db8::1]:8080/x"),
])
async def test_a_website_the_api_takes_as_an_iri_is_exported_as_a_uri(registry, validator, new_actor, website, uri):
    created = await registry.partner().create("/actors", new_actor("Sejong Social Works", website=website))
    [organisation] = [o for o in await hsds_contents(registry.admin) if o["id"] == created["id"]]
    assert organisation["website"] == uri
    assert problems(validator, organisation) == []


@pytest.mark.parametrize("website", ["https://a|b.org", "https://a{b}.org/x", "https://a<b>.org", 'https://a"b.org'])
async def test_a_host_no_uri_allows_is_refused(registry, new_actor, website):
    refused = await registry.partner().post("/actors", json=new_actor("Sejong Social Works", website=website))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "website"


async def test_a_host_that_cannot_be_written_as_a_uri_is_left_out_of_the_export(registry, validator, new_actor):
    created = await registry.partner().create("/actors", new_actor("Sejong Social Works", website="https://a%zzb.org"))
    [organisation] = [o for o in await hsds_contents(registry.admin) if o["id"] == created["id"]]
    assert "website" not in organisation
    assert problems(validator, organisation) == []
