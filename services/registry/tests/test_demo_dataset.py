import json
from collections import Counter
from datetime import date

import pytest

from sihub_registry.demo.dataset import DEMO_IDENTIFIER_SCHEME, demo_dataset
from sihub_registry.duplicates import DuplicateRecord, find_possible_duplicates
from sihub_registry.geography import validate_country, validate_region
from sihub_registry.identifiers import validate_identifier
from sihub_registry.names import LocalizedText, validate_names
from sihub_registry.taxonomy.terms import (
    CERTIFICATION_SCHEMES,
    ActorKind,
    Capability,
    IssueArea,
    PartnershipStatus,
    PartnershipType,
)

KINDS = {k.value for k in ActorKind}
ISSUES = {i.value for i in IssueArea}
CAPABILITIES = {c.value for c in Capability}
COUNTRIES = {"KR", "JP", "CN", "SG", "TH"}


@pytest.fixture(scope="module")
def dataset():
    return demo_dataset()


@pytest.fixture(scope="module")
def actors(dataset):
    return {a["ref"]: a for a in dataset["actors"]}


def test_deterministic_and_json(dataset):
    assert demo_dataset() == dataset
    assert json.loads(json.dumps(dataset, ensure_ascii=False)) == dataset
    assert demo_dataset(seed=7) != dataset


def test_sizes(dataset, actors):
    assert len(actors) == len(dataset["actors"])  # refs are unique
    invented = [a for a in dataset["actors"] if a["illustrative"]]
    assert 250 <= len(invented) <= 400
    assert {a["country"] for a in invented} == COUNTRIES
    regions = Counter(a["country"] for a in invented)
    assert all(count >= 30 for count in regions.values())
    assert len({a["region"] for a in invented}) >= 60
    assert {a["kind"] for a in invented} == KINDS
    for key in ("hub_programmes", "memberships", "projects", "case_studies", "partnerships"):
        assert len(dataset[key]) >= 20, key


def test_actor_payloads_are_valid(dataset):
    keys = {
        "ref", "names", "descriptions", "kind", "country", "region", "locality",
        "founded_year", "website", "issue_areas", "offers", "needs", "certifications",
        "identifiers", "illustrative",
    }  # fmt: skip
    for actor in dataset["actors"]:
        assert set(actor) == keys, actor["ref"]
        validate_names(actor["names"])
        assert {n["lang"] for n in actor["names"]} >= {"en"}
        for text in actor["descriptions"]:
            LocalizedText.model_validate(text)
        assert actor["kind"] in KINDS
        validate_country(actor["country"])
        validate_region(actor["country"], actor["region"])
        assert set(actor["issue_areas"]) <= ISSUES
        assert len(set(actor["issue_areas"])) == len(actor["issue_areas"])
        for claim in actor["offers"] + actor["needs"]:
            assert claim["capability"] in CAPABILITIES
        offered = {c["capability"] for c in actor["offers"]}
        assert not offered & {c["capability"] for c in actor["needs"]}
        for certification in actor["certifications"]:
            scheme = CERTIFICATION_SCHEMES[certification["scheme"]]
            assert certification["level"] in scheme.level_codes()
            assert scheme.country in (None, actor["country"])
            date.fromisoformat(certification["valid_from"])
        for identifier in actor["identifiers"]:
            validate_identifier(identifier["scheme"], identifier["value"])


def test_invented_actors_are_marked_and_have_local_names(dataset):
    local = {"KR": "ko", "JP": "ja", "CN": "zh-Hans", "TH": "th", "SG": "zh-Hans"}
    for actor in dataset["actors"]:
        if not actor["illustrative"]:
            continue
        assert {n["lang"] for n in actor["names"]} == {"en", local[actor["country"]]}
        assert actor["website"] is None or actor["website"].startswith("https://example.org/")
        assert all(i["scheme"] == DEMO_IDENTIFIER_SCHEME for i in actor["identifiers"])
        assert actor["descriptions"][0]["value"].startswith("Illustrative")


def test_real_organisations_from_the_seeds(actors):
    real = {ref: a for ref, a in actors.items() if not a["illustrative"]}
    expected = {
        "toyota-foundation": ("JP", "JP-13", "foundation"),
        "keio-university": ("JP", "JP-13", "university_research"),
        "kosea": ("KR", "KR-41", "government_agency"),
        "moel": ("KR", "KR-50", "government_agency"),
    }
    for ref, (country, region, kind) in expected.items():
        assert (real[ref]["country"], real[ref]["region"], real[ref]["kind"]) == (
            country,
            region,
            kind,
        )
    assert real["toyota-foundation"]["website"] == "https://www.toyotafound.or.jp/"
    assert real["keio-university"]["website"] == "https://www.keio.ac.jp/"
    assert real["kosea"]["website"] == "https://www.socialenterprise.or.kr/"
    assert {"한국사회적기업진흥원", "KoSEA"} <= {n["value"] for n in real["kosea"]["names"]}

    campuses = {a["region"]: a for a in real.values() if a["ref"].startswith("social-campus-on-")}
    assert set(campuses) == {"KR-11", "KR-26", "KR-42", "KR-28", "KR-44", "KR-48", "KR-27"}
    assert {n["value"] for n in campuses["KR-11"]["names"]} == {
        "Social Campus On Seoul",
        "소셜캠퍼스 온 서울",
    }
    towns = {a["region"] for a in real.values() if a["ref"].startswith("innovation-town-")}
    assert towns == {"KR-45", "KR-48", "KR-30", "KR-27", "KR-44"}
    hubs = [a for a in real.values() if a["ref"].startswith(("social-campus", "innovation-town"))]
    assert all(a["kind"] == "hub_intermediary" for a in hubs) and len(hubs) == 12
    # No invented facts on real organisations.
    assert all(not a["identifiers"] and not a["certifications"] for a in real.values())


def test_every_reference_resolves(dataset, actors):
    programmes = {(p["hub_ref"], p["name"]): p for p in dataset["hub_programmes"]}
    for programme in dataset["hub_programmes"]:
        assert actors[programme["hub_ref"]]["kind"] == "hub_intermediary"
        for cohort in programme["cohorts"]:
            assert date.fromisoformat(cohort["starts_on"]) < date.fromisoformat(cohort["ends_on"])
    for membership in dataset["memberships"]:
        programme = programmes[(membership["hub_ref"], membership["programme"])]
        assert membership["cohort"] in {c["name"] for c in programme["cohorts"]}
        member = actors[membership["actor_ref"]]
        assert member["country"] == actors[membership["hub_ref"]]["country"]
    for project in dataset["projects"]:
        owner = actors[project["owner_ref"]]
        assert project["country"] == owner["country"]
        validate_region(project["country"], project["region"])
        assert set(project["issue_areas"]) <= set(owner["issue_areas"])
        assert project["status"] in {"planned", "active", "completed"}
        assert all(ref in actors and ref != project["owner_ref"] for ref in project["partner_refs"])
        validate_names(project["title"], field="title")
    for study in dataset["case_studies"]:
        assert study["actor_refs"] and all(ref in actors for ref in study["actor_refs"])
        validate_country(study["country"])
        if study["region"] is not None:
            validate_region(study["country"], study["region"])
        assert set(study["issue_areas"]) <= ISSUES
    for tie in dataset["partnerships"]:
        assert len(tie["actor_refs"]) >= 2 and len(set(tie["actor_refs"])) == len(tie["actor_refs"])
        assert all(ref in actors for ref in tie["actor_refs"])
        assert PartnershipType(tie["type"]) and PartnershipStatus(tie["status"])
        assert tie["origin"] == "manual"


def test_every_invented_record_is_illustrative(dataset, actors):
    real_refs = {ref for ref, a in actors.items() if not a["illustrative"]}
    for key in (
        "actors",
        "hub_programmes",
        "memberships",
        "projects",
        "case_studies",
        "partnerships",
    ):
        for record in dataset[key]:
            assert isinstance(record["illustrative"], bool), key
            refs = (
                record.get("actor_refs", [])
                + record.get("partner_refs", [])
                + [record[k] for k in ("owner_ref", "actor_ref") if k in record]
            )
            if not record["illustrative"]:
                # A real record only ties real organisations.
                assert set(refs) <= real_refs, record
            elif key in ("projects", "partnerships"):
                # Invented ties are between invented actors only.
                assert not set(refs) & real_refs, record
    real_ties = [t for t in dataset["partnerships"] if not t["illustrative"]]
    assert {"toyota-foundation", "keio-university"} in [set(t["actor_refs"]) for t in real_ties]
    assert all(t["starts_on"] is None for t in real_ties)  # no invented dates


def test_no_possible_duplicates_among_demo_actors(dataset):
    records = [
        DuplicateRecord(
            a["ref"],
            [n["value"] for n in a["names"]],
            [(i["scheme"], i["value"]) for i in a["identifiers"]],
        )
        for a in dataset["actors"]
    ]
    assert find_possible_duplicates(records) == []
