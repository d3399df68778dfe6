"""Every rule across fields that an operation declares (`x-sihub-rules` in its OpenAPI, the rules
JSON Schema cannot state) is enforced: a body breaking it, otherwise valid, gets a 422 naming one of
the rule's fields. The contract test accepts a 422 for schema-valid input on exactly these
operations, so a rule declared without a case here fails this test."""

from __future__ import annotations

from typing import Any

from sihub_shared.openapi import names_a_declared_rule

TWICE_IN_ENGLISH = [{"value": "Same", "lang": "en"}, {"value": "Other", "lang": "en"}]
SAME_NAME_TWICE = [{"value": "Same", "lang": "en"}, {"value": "Same", "lang": "en"}]
DATES_REVERSED = {"starts_on": "2026-03-01", "ends_on": "2025-03-01"}
PLACE_ELSEWHERE = {"country": "KR", "region": "JP-13"}

# Per collection: for each declared rule (by its fields), a change that breaks it.
BREAKS: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {
    "actors": {
        ("names",): {"names": SAME_NAME_TWICE},
        ("descriptions",): {"descriptions": TWICE_IN_ENGLISH},
        ("region",): PLACE_ELSEWHERE,
        ("offers", "needs"): {"offers": [{"capability": "funding"}, {"capability": "funding", "detail": "again"}]},
        ("identifiers",): {"identifiers": [{"scheme": "KR-BRN", "value": "1234567890"}]},  # a wrong check digit
        ("certifications",): {"certifications": [{"scheme": "jp_certified_npo", "level": "certified"}]},
        ("founded_year",): {"founded_year": 2099},
    },
    "programmes": {
        ("names",): {"names": SAME_NAME_TWICE},
        ("descriptions",): {"descriptions": TWICE_IN_ENGLISH},
        ("ends_on",): DATES_REVERSED,
        ("cohorts.ends_on",): {"cohorts": [{"name": "Spring", **DATES_REVERSED}]},
    },
    "cohorts": {("ends_on",): DATES_REVERSED},
    "memberships": {("ends_on",): DATES_REVERSED},
    "projects": {
        ("partner_ids",): {"partner_ids": ["{lead}"]},
        ("title",): {"title": TWICE_IN_ENGLISH},
        ("description",): {"description": TWICE_IN_ENGLISH},
        ("region",): PLACE_ELSEWHERE,
        ("ends_on",): DATES_REVERSED,
    },
    "case-studies": {
        ("title",): {"title": TWICE_IN_ENGLISH},
        ("summary",): {"summary": TWICE_IN_ENGLISH},
        ("region",): PLACE_ELSEWHERE,
    },
    "partnerships": {
        ("description",): {"description": TWICE_IN_ENGLISH},
        ("ends_on",): DATES_REVERSED,
        ("match_ref",): {"match_ref": None},
    },
}


def _filled(change: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    return {k: [ids.get(v.strip("{}"), v) if isinstance(v, str) else v for v in value] if isinstance(value, list) else value
            for k, value in change.items()}


async def test_every_declared_rule_is_enforced(registry, new_actor):
    owner = registry.partner()
    hub = await owner.create("/actors", new_actor("Rules Hub", kind="hub_intermediary"))
    lead = await owner.create("/actors", new_actor("Rules Lead"))
    partner = await owner.create("/actors", new_actor("Rules Partner"))
    programme = await owner.create("/programmes", {"hub_id": hub["id"], "names": [{"value": "Rules Academy", "lang": "en"}]})
    title = [{"value": "Rules", "lang": "en"}]
    # A valid body per collection; a PATCH changes the record created from it.
    bodies: dict[str, dict[str, Any]] = {
        "actors": new_actor("Rules Actor"),
        "programmes": {"hub_id": hub["id"], "names": [{"value": "Rules Lab", "lang": "en"}]},
        "cohorts": {"programme_id": programme["id"], "name": "Rules cohort"},
        "memberships": {"programme_id": programme["id"], "actor_id": lead["id"]},
        "projects": {"actor_id": lead["id"], "title": title, "country": "KR"},
        "case-studies": {"title": title, "country": "KR"},
        # From a match, so that its match_ref may not be cleared.
        "partnerships": {"actor_ids": [lead["id"], partner["id"]], "type": "funding", "origin": "match", "match_ref": "m-1"},
    }
    ids = {"lead": lead["id"]}
    records: dict[str, dict[str, Any]] = {}
    failures = []
    for path, item in registry.app.openapi()["paths"].items():
        collection = path.removeprefix("/api/v1/registry/").split("/", 1)[0]
        for method, operation in item.items():
            for rule in operation.get("x-sihub-rules", []):
                change = BREAKS.get(collection, {}).get(tuple(rule["fields"]))
                if change is None:
                    failures.append(f"{method.upper()} {path}: no case for the rule {rule['rule']!r}")
                    continue
                if method == "post":
                    response = await owner.post(f"/{collection}", json=bodies[collection] | _filled(change, ids))
                else:
                    if collection not in records:
                        records[collection] = await owner.create(f"/{collection}", bodies[collection])
                    response = await owner.change(f"/{collection}/{records[collection]['id']}", _filled(change, ids))
                named = [e["field"] for e in response.json().get("errors", [])]
                if response.status_code != 422 or not named or not all(names_a_declared_rule(f, [rule]) for f in named):
                    failures.append(f"{method.upper()} {path} {rule['rule']!r}: {response.status_code} naming {named}")
    assert failures == []
