"""The profile document, the score as named parts, and suggestions through the API."""

from __future__ import annotations

import numpy as np
import pytest

from sihub_matching.scoring.compute import (
    ActorFacts,
    ActorTable,
    Severities,
    combined_scores,
    score_pairs,
    with_article,
)
from sihub_matching.scoring.profile import DEFAULT_PROFILE, PartName

SEEKER = "a0000000-0000-4000-8000-000000000001"
FUNDER = "a0000000-0000-4000-8000-000000000002"
MENTOR = "a0000000-0000-4000-8000-000000000003"
ABROAD = "a0000000-0000-4000-8000-000000000004"
PARTNER = "a0000000-0000-4000-8000-000000000005"
GONE = "a0000000-0000-4000-8000-000000000006"


async def seed(matching) -> None:
    e = matching.events
    await matching.feed(
        e.actor(
            SEEKER,
            needs=["funding", "mentoring"],
            offers=["data"],
            issue_areas=["ageing_care", "housing"],
            name="Gangwon Care Cooperative",
        ),
        e.actor(
            FUNDER,
            kind="foundation",
            sector="philanthropic",
            offers=["funding"],
            issue_areas=["ageing_care"],
            region="KR-11",
            name="Seoul Care Foundation",
        ),
        e.actor(
            MENTOR,
            kind="corporation",
            sector="private",
            offers=["mentoring"],
            needs=["data"],
            issue_areas=["ageing_care"],
            name="Gangwon Mentors",
        ),
        e.actor(
            ABROAD,
            country="JP",
            region="JP-13",
            offers=["mentoring"],
            issue_areas=["housing"],
            name="Tokyo Homes",
        ),
        e.actor(
            PARTNER,
            offers=["funding", "mentoring"],
            issue_areas=["ageing_care", "housing"],
            name="Already Partner",
        ),
        e.actor(
            GONE,
            offers=["funding", "mentoring"],
            issue_areas=["ageing_care", "housing"],
            name="Gone",
        ),
        e.actor(
            GONE,
            "deleted",
            version=2,
            offers=["funding", "mentoring"],
            issue_areas=["ageing_care"],
            deleted=True,
        ),
        e.partnership("ps-1", [SEEKER, PARTNER], status="active"),
        e.severity("KR-42", "ageing_care", 0.83),
    )


async def test_the_profile_is_a_versioned_document(matching):
    profile = (await matching.get("/profile")).json()
    assert profile["version"] == DEFAULT_PROFILE.version
    assert [p["name"] for p in profile["parts"]] == [p.value for p in PartName]
    assert all(p["min_weight"] <= p["weight"] <= p["max_weight"] for p in profile["parts"])


async def test_suggestions_are_explained_part_by_part(matching):
    await seed(matching)
    response = await matching.get("/suggestions", params={"actor_id": SEEKER, "k": 10})
    assert response.status_code == 200, response.text
    body = response.json()
    ids = [item["actor"]["id"] for item in body["items"]]
    # Never itself, a deleted actor or a current partner.
    assert SEEKER not in ids and GONE not in ids and PARTNER not in ids
    assert set(ids) == {FUNDER, MENTOR, ABROAD}
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)
    mentor = next(item for item in body["items"] if item["actor"]["id"] == MENTOR)
    parts = {p["name"]: p for p in mentor["seeker_parts"]}
    assert (
        parts["needs_met"]["value"] == 0.5
        and parts["needs_met"]["sentence"] == "offers mentoring, which you need"
    )
    assert "ageing care is critical in Gangwon" in parts["shared_issues"]["sentence"]
    assert "(severity 0.83)" in parts["shared_issues"]["sentence"]
    # The part values and weights add up to the side's score; the pair's combines both sides.
    for side in ("seeker", "provider"):
        side_parts = mentor[f"{side}_parts"]
        weighted = sum(p["value"] * p["weight"] for p in side_parts) / sum(
            p["weight"] for p in side_parts
        )
        assert mentor[f"{side}_score"] == pytest.approx(weighted, abs=1e-5)
    assert mentor["score"] == pytest.approx(
        0.5 * mentor["seeker_score"] + 0.5 * mentor["provider_score"], abs=1e-5
    )
    funder = next(item for item in body["items"] if item["actor"]["id"] == FUNDER)
    funding = next(p for p in funder["seeker_parts"] if p["name"] == "funding")
    assert (
        funding["value"] == 1.0
        and "a foundation offering funding on ageing care" in funding["sentence"]
    )


async def test_a_suggestion_says_when_it_rests_on_invented_data(matching):
    e = matching.events
    await matching.feed(
        e.actor(SEEKER, needs=["funding"], issue_areas=["ageing_care"], illustrative=False),
        e.actor(FUNDER, kind="foundation", sector="philanthropic", offers=["funding"], issue_areas=["ageing_care"],
                region="KR-11", illustrative=False),
        e.actor(MENTOR, offers=["funding"], issue_areas=["housing"], region="KR-11"),  # invented
        e.severity("KR-42", "ageing_care", 0.6, illustrative=False),
    )

    async def suggested() -> dict[str, dict]:
        body = (await matching.get("/suggestions", params={"actor_id": SEEKER})).json()
        return {item["actor"]["id"]: item for item in body["items"]}

    items = await suggested()
    assert (items[FUNDER]["illustrative"], items[FUNDER]["actor"]["illustrative"]) == (False, False)
    assert (items[MENTOR]["illustrative"], items[MENTOR]["actor"]["illustrative"]) == (True, True)
    # An invented severity the score does not weigh by (the provider's place) changes nothing …
    await matching.feed(e.severity("KR-11", "ageing_care", 0.9, illustrative=True))
    assert (await suggested())[FUNDER]["illustrative"] is False
    # … one of the seeker's place and a shared issue area does.
    await matching.feed(e.severity("KR-42", "ageing_care", 0.7, illustrative=True))
    items = await suggested()
    assert (items[FUNDER]["illustrative"], items[FUNDER]["actor"]["illustrative"]) == (True, False)


def test_a_kind_is_said_with_its_article():
    kinds = ("impact investor", "foundation", "university research", "non profit", "corporation")
    assert [with_article(kind) for kind in kinds] == [
        "an impact investor", "a foundation", "a university research", "a non profit", "a corporation"]


async def test_filters(matching):
    await seed(matching)

    async def ids(**params):
        response = await matching.get("/suggestions", params={"actor_id": SEEKER, **params})
        assert response.status_code == 200, response.text
        return {item["actor"]["id"] for item in response.json()["items"]}

    assert await ids(cross_border="true") == {ABROAD}
    assert await ids(country="KR") == {FUNDER, MENTOR}
    assert await ids(sector="private") == {MENTOR}
    assert await ids(kind="foundation") == {FUNDER}
    assert await ids(issue_area="housing") == {ABROAD}
    assert await ids(k=1) == {
        (await matching.get("/suggestions", params={"actor_id": SEEKER})).json()["items"][0][
            "actor"
        ]["id"]
    }


async def test_which_geography_is_preferred_is_a_setting(matching):
    await seed(matching)

    async def geography_of_abroad(**params) -> dict:
        body = (await matching.get("/suggestions", params={"actor_id": SEEKER, **params})).json()
        item = next(i for i in body["items"] if i["actor"]["id"] == ABROAD)
        return next(p for p in item["seeker_parts"] if p["name"] == "geography")

    default = await geography_of_abroad()
    assert default["value"] == 0.0 and "prefers same region" in default["sentence"]
    preferred = await geography_of_abroad(prefer="cross_border")
    assert preferred["value"] == 1.0 and preferred["sentence"].startswith("across borders (KR–JP)")
    assert "prefers cross border" in preferred["sentence"]


async def test_suggestions_follow_the_read_model_as_it_changes(matching):
    await seed(matching)
    e = matching.events

    async def ids() -> set[str]:
        body = (await matching.get("/suggestions", params={"actor_id": SEEKER})).json()
        return {item["actor"]["id"] for item in body["items"]}

    assert await ids() == {FUNDER, MENTOR, ABROAD}  # the snapshot is loaded here
    newcomer = "a0000000-0000-4000-8000-000000000007"
    await matching.feed(
        e.actor(newcomer, offers=["funding"], name="Newcomer"),
        e.actor(MENTOR, "deleted", version=2, deleted=True),
        e.actor(ABROAD, "updated", version=2, country="KR", region="KR-42", offers=["funding"]),
        e.partnership("ps-1", [SEEKER, PARTNER], status="ended", verb="updated", version=2),
    )
    assert await ids() == {FUNDER, ABROAD, newcomer, PARTNER}
    body = (await matching.get("/suggestions", params={"actor_id": SEEKER})).json()
    moved = next(item for item in body["items"] if item["actor"]["id"] == ABROAD)
    assert moved["actor"]["region"] == "KR-42"


async def test_bad_input_is_a_problem_naming_the_field(matching):
    await seed(matching)
    for params, field in (
        ({"actor_id": GONE}, "actor_id"),
        ({"actor_id": SEEKER, "k": 0}, "k"),
        ({"actor_id": SEEKER, "k": 101}, "k"),
        ({"actor_id": SEEKER, "issue_area": "magic"}, "issue_area"),
        ({"actor_id": SEEKER, "sector": "pirate"}, "sector"),
    ):
        response = await matching.get("/suggestions", params=params)
        assert response.status_code in (404, 422), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [error["field"].split(".")[-1] for error in response.json()["errors"]], (
            response.text
        )


async def test_ties_are_ordered_by_actor_id(matching):
    e = matching.events
    twins = sorted(f"b0000000-0000-4000-8000-00000000000{i}" for i in range(5))
    await matching.feed(
        e.actor(SEEKER, needs=["space"]), *(e.actor(t, offers=["space"]) for t in reversed(twins))
    )
    body = (await matching.get("/suggestions", params={"actor_id": SEEKER, "k": 3})).json()
    assert [item["actor"]["id"] for item in body["items"]] == twins[:3]


def test_a_patched_table_scores_as_a_rebuilt_one():
    facts = [
        ActorFacts(
            id=f"x{i}",
            name=f"x{i}",
            kind="cooperative",
            sector="social",
            country="KR",
            region="KR-42",
            issue_areas=("housing",),
            offers=("data",),
            needs=("funding",),
        )
        for i in range(6)
    ]
    table = ActorTable.build(facts)
    changed = ActorFacts(
        id="x2",
        name="x2",
        kind="foundation",
        sector="philanthropic",
        country="JP",
        region="JP-13",
        issue_areas=("housing",),
        offers=("funding",),
    )
    added = ActorFacts(
        id="x9",
        name="x9",
        kind="corporation",
        sector="private",
        country="KR",
        region=None,
        offers=("funding", "data"),
    )
    patched = table.updated([changed, added], {"x2", "x4", "x9"})  # x4 deleted
    final = [f for f in facts if f.id not in ("x2", "x4")] + [changed, added]
    rebuilt = ActorTable.build(final)
    assert sorted(patched.row_of) == sorted(rebuilt.row_of)
    order = [patched.row_of[i] for i in rebuilt.ids]
    severities = Severities({("KR-42", "housing"): (0.8, "critical")})
    np.testing.assert_allclose(
        combined_scores(patched, patched, severities, DEFAULT_PROFILE)[np.ix_(order, order)],
        combined_scores(rebuilt, rebuilt, severities, DEFAULT_PROFILE),
    )


def test_vectorised_scores_match_one_pair_at_a_time():
    rng = np.random.default_rng(7)
    caps = ["funding", "mentoring", "data", "space"]
    issues = ["ageing_care", "housing", "food"]
    facts = [
        ActorFacts(
            id=f"x{i:03d}",
            name=f"x{i}",
            kind=str(rng.choice(["foundation", "cooperative", "corporation"])),
            sector=str(rng.choice(["social", "private", "philanthropic"])),
            country=str(rng.choice(["KR", "JP"])),
            region=str(rng.choice(["KR-42", "KR-11", "JP-13"])),
            issue_areas=tuple(rng.choice(issues, size=rng.integers(0, 3), replace=False)),
            offers=tuple(rng.choice(caps, size=rng.integers(0, 3), replace=False)),
            needs=tuple(rng.choice(caps, size=rng.integers(0, 3), replace=False)),
        )
        for i in range(30)
    ]
    table = ActorTable.build(facts)
    severities = Severities(
        {("KR-42", "ageing_care"): (0.9, "critical"), ("JP", "housing"): (0.3, "medium")}
    )
    whole = score_pairs(table, table, severities, DEFAULT_PROFILE)
    np.testing.assert_allclose(
        combined_scores(table, table, severities, DEFAULT_PROFILE), whole.score
    )
    for i in range(0, 30, 7):
        for j in range(30):
            single = score_pairs(table.take([i]), table.take([j]), severities, DEFAULT_PROFILE)
            assert single.score[0, 0] == pytest.approx(whole.score[i, j])
    # The provider side of (i, j) is the seeker side of (j, i) but for the severities of the seeker's place.
    no_severity = Severities({})
    plain = score_pairs(table, table, no_severity, DEFAULT_PROFILE)
    np.testing.assert_allclose(plain.provider_score, plain.seeker_score.T)
