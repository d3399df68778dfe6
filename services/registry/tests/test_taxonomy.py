import json

from sihub_registry.geography import validate_country
from sihub_registry.taxonomy.terms import (
    ACTOR_KIND_LABELS,
    CAPABILITY_LABELS,
    CERTIFICATION_SCHEMES,
    ISSUE_AREAS,
    PARTNERSHIP_TRANSITIONS,
    SDG_GOALS,
    SECTOR_BY_KIND,
    TAXONOMY_VERSION,
    ActorKind,
    Capability,
    IssueArea,
    PartnershipStatus,
    Sector,
    can_transition,
    taxonomy_document,
)


def test_every_kind_implies_a_known_sector_and_has_a_label():
    assert set(SECTOR_BY_KIND) == set(ActorKind)
    assert set(SECTOR_BY_KIND.values()) <= set(Sector)
    assert set(ACTOR_KIND_LABELS) == set(ActorKind)
    # Every sector is reachable, so "cross-sector" can mean any pair.
    assert set(SECTOR_BY_KIND.values()) == set(Sector)


def test_chosen_sectors():
    assert SECTOR_BY_KIND[ActorKind.FOUNDATION] is Sector.PHILANTHROPIC
    assert SECTOR_BY_KIND[ActorKind.IMPACT_INVESTOR] is Sector.PRIVATE
    assert SECTOR_BY_KIND[ActorKind.LOCAL_GOVERNMENT] is Sector.PUBLIC
    assert SECTOR_BY_KIND[ActorKind.UNIVERSITY_RESEARCH] is Sector.ACADEMIC
    assert SECTOR_BY_KIND[ActorKind.SOCIAL_ENTERPRISE] is Sector.SOCIAL


def test_issue_areas_map_to_real_sdgs_with_five_labels():
    assert set(ISSUE_AREAS) == set(IssueArea)
    for area, info in ISSUE_AREAS.items():
        assert info.code is area
        assert info.sdgs and set(info.sdgs) <= set(SDG_GOALS)
        labels = info.labels.model_dump(by_alias=True)
        assert set(labels) == {"en", "ko", "ja", "zh-Hans", "th"}
        assert all(label.strip() for label in labels.values())
    assert ISSUE_AREAS[IssueArea.EDUCATION].sdgs == (4,)
    assert ISSUE_AREAS[IssueArea.GENDER].sdgs == (5,)
    assert ISSUE_AREAS[IssueArea.EDUCATION].labels.ko == "교육"
    assert len(SDG_GOALS) == 17


def test_capabilities_are_one_taxonomy_with_labels():
    assert set(CAPABILITY_LABELS) == set(Capability)
    assert len(Capability) == 12


def test_partnership_transitions():
    assert can_transition(PartnershipStatus.PROPOSED, PartnershipStatus.ACTIVE)
    assert can_transition(PartnershipStatus.ACTIVE, PartnershipStatus.ENDED)
    assert can_transition(PartnershipStatus.PROPOSED, PartnershipStatus.ENDED)
    assert not can_transition(PartnershipStatus.ENDED, PartnershipStatus.ACTIVE)
    assert not can_transition(PartnershipStatus.ACTIVE, PartnershipStatus.PROPOSED)
    assert not can_transition(PartnershipStatus.ACTIVE, PartnershipStatus.ACTIVE)
    assert set(PARTNERSHIP_TRANSITIONS) == set(PartnershipStatus)


def test_certification_schemes():
    korean = CERTIFICATION_SCHEMES["kr_certified_social_enterprise"]
    assert korean.country == "KR"
    assert korean.level_codes() == {
        "job_provision",
        "social_service_provision",
        "local_community_contribution",
        "mixed",
        "creative_other",
    }
    preliminary = CERTIFICATION_SCHEMES["kr_preliminary_social_enterprise"]
    assert preliminary.level_codes() == {"regional", "ministry"}
    assert CERTIFICATION_SCHEMES["b_corp"].country is None
    for code, scheme in CERTIFICATION_SCHEMES.items():
        assert scheme.code == code
        assert scheme.levels
        assert len(scheme.level_codes()) == len(scheme.levels)
        if scheme.country is not None:
            validate_country(scheme.country)


def test_reference_data_is_frozen():
    try:
        SECTOR_BY_KIND[ActorKind.CORPORATION] = Sector.SOCIAL  # type: ignore[index]
    except TypeError:
        pass
    else:
        raise AssertionError("SECTOR_BY_KIND must be read-only")
    assert SECTOR_BY_KIND[ActorKind.CORPORATION] is Sector.PRIVATE


def test_taxonomy_document_is_json_and_complete():
    document = json.loads(json.dumps(taxonomy_document(), ensure_ascii=False))
    assert document["version"] == TAXONOMY_VERSION == "2026.1"
    assert [k["code"] for k in document["actor_kinds"]] == [k.value for k in ActorKind]
    sectors = {s["code"] for s in document["sectors"]}
    assert {k["sector"] for k in document["actor_kinds"]} <= sectors
    area = next(a for a in document["issue_areas"] if a["code"] == "ageing_care")
    assert area["labels"]["ja"] == "高齢化・介護" and 3 in area["sdgs"]
    assert {c["code"] for c in document["capabilities"]} == {c.value for c in Capability}
    statuses = {s["code"]: s["next"] for s in document["partnership_statuses"]}
    assert statuses == {"proposed": ["active", "ended"], "active": ["ended"], "ended": []}
    schemes = {s["code"]: s for s in document["certification_schemes"]}
    assert schemes["kr_preliminary_social_enterprise"]["levels"][0]["code"] == "regional"
    assert len(document["partnership_types"]) == 8
