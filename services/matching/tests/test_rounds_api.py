"""Rounds through the API: create, run (diagnostics), pin and forbid, re-run, publish, accept and
decline, the audit export, and every refusal as a problem naming the field."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from sihub_matching.scoring.profile import DEFAULT_PROFILE
from sihub_shared.openapi import names_a_declared_rule

HUB = "h0000000-0000-4000-8000-000000000001"
OTHER_HUB = "h0000000-0000-4000-8000-000000000002"
SEEKERS = [f"s0000000-0000-4000-8000-00000000000{i}" for i in range(1, 5)]
PROVIDERS = [f"p0000000-0000-4000-8000-00000000000{i}" for i in range(1, 4)]
GONE = "g0000000-0000-4000-8000-000000000001"
CAPS = ["funding", "mentoring", "data", "space", "networks", "technology"]


def owner(actor_id: str) -> str:
    return "owner-" + actor_id[:1] + actor_id[-1]


async def seed(matching, *, illustrative: bool = True) -> None:
    """A hub, its cohort of seekers and the providers; `illustrative` for every actor and severity."""
    e = matching.events
    events = [
        e.actor(HUB, kind="hub_intermediary", owner="hub-owner", illustrative=illustrative),
        e.actor(OTHER_HUB, kind="hub_intermediary", owner="other-owner"),
        e.programme("prog-1", HUB),
        e.cohort("cohort-1", "prog-1", HUB),
        e.actor(GONE, owner="x"),
        e.actor(GONE, "deleted", version=2, owner="x", deleted=True),
    ]
    for n, seeker in enumerate(SEEKERS):
        events.append(
            e.actor(
                seeker,
                owner=owner(seeker),
                needs=[CAPS[n % 6], CAPS[(n + 1) % 6]],
                offers=[CAPS[(n + 3) % 6]],
                issue_areas=["ageing_care"],
                illustrative=illustrative,
            )
        )
        events.append(e.membership(f"m-{n}", HUB, "prog-1", "cohort-1", seeker))
    for n, provider in enumerate(PROVIDERS):
        events.append(
            e.actor(
                provider,
                owner=owner(provider),
                kind="corporation",
                sector="private",
                offers=[CAPS[n], CAPS[(n + 2) % 6]],
                needs=[CAPS[(n + 3) % 6]],
                issue_areas=["ageing_care"] if n else ["housing"],
                illustrative=illustrative,
            )
        )
    events.append(e.severity("KR-42", "ageing_care", 0.8, illustrative=illustrative))
    await matching.feed(*events)


def body(**overrides):
    return {
        "hub_id": HUB,
        "name": "Spring cohort mentoring",
        "seekers": {"cohort_id": "cohort-1"},
        "providers": {"actor_ids": PROVIDERS},
        "capacity": 2,
        "illustrative": True,
        **overrides,
    }


async def create(matching, **overrides) -> dict:
    response = await matching.post(
        "/rounds", json=body(**overrides), role="hub_operator", account="hub-owner"
    )
    assert response.status_code == 201, response.text
    return response.json()


async def run(matching, round_id: str) -> dict:
    response = await matching.post(
        f"/rounds/{round_id}/run", role="hub_operator", account="hub-owner"
    )
    assert response.status_code == 200, response.text
    return response.json()["draft"]


def best_total(export: dict) -> float:
    """Brute force over the export alone: the best total within capacities and max_matches."""
    pairs = export["pairs"]
    capacity = {p["actor_id"]: p["capacity"] for p in export["providers"]}
    quota = {s["actor_id"]: s["max_matches"] for s in export["seekers"]}
    best = 0.0
    for size in range(len(pairs) + 1):
        for chosen in itertools.combinations(pairs, size):
            if not all(p in chosen for p in pairs if p["must"]):
                continue
            used_p, used_s = {}, {}
            for p in chosen:
                used_p[p["provider"]] = used_p.get(p["provider"], 0) + 1
                used_s[p["seeker"]] = used_s.get(p["seeker"], 0) + 1
            if all(v <= capacity[k] for k, v in used_p.items()) and all(
                v <= quota[k] for k, v in used_s.items()
            ):
                best = max(best, sum(p["score"] for p in chosen))
    return best


async def test_a_round_runs_with_diagnostics_and_exports_what_it_solved(matching):
    await seed(matching)
    created = await create(matching)
    draft = await run(matching, created["id"])
    for key in (
        "total_score",
        "matched_count",
        "seeker_ranks",
        "lowest_score",
        "median_score",
        "unmatched",
        "blocking_pairs",
        "other_objective",
        "assignment",
        "profile_version",
    ):
        assert key in draft, key
    assert (
        draft["matched_count"] == len(draft["assignment"]) == 4
    )  # 4 seekers, 3 providers × 2 places
    assert draft["other_objective"]["objective"] == "stable"
    assert draft["other_objective"]["blocking_pairs"] == 0
    assert draft["total_score"] >= draft["other_objective"]["total_score"] - 1e-9
    assert all(1 <= r["rank"] <= r["options"] for r in draft["seeker_ranks"])

    export = (await matching.get(f"/rounds/{created['id']}/export", role="partner")).json()
    assert list(export) == ["objective", "seekers", "providers", "pairs", "assignment"]
    assert export["seekers"][0].keys() == {"actor_id", "max_matches"}
    assert export["providers"][0].keys() == {"actor_id", "capacity"}
    assert export["pairs"][0].keys() == {
        "seeker",
        "provider",
        "score",
        "seeker_score",
        "provider_score",
        "must",
    }
    assert export["assignment"][0].keys() == {"seeker", "provider"}
    scores = {(p["seeker"], p["provider"]): p["score"] for p in export["pairs"]}
    total = sum(scores[(a["seeker"], a["provider"])] for a in export["assignment"])
    assert total == pytest.approx(draft["total_score"], abs=1e-5)
    # The export alone is enough to re-check the optimum, exactly: the solver saw these scores.
    assert total == pytest.approx(best_total(export), rel=1e-12)


async def test_a_stable_round_has_no_blocking_pairs(matching):
    await seed(matching)
    created = await create(matching, objective="stable", capacity=1)
    draft = await run(matching, created["id"])
    assert draft["blocking_pairs"] == 0
    assert draft["other_objective"]["objective"] == "optimal"
    assert draft["other_objective"]["total_score"] >= draft["total_score"] - 1e-9
    unmatched = [u for u in draft["unmatched"] if u["side"] == "seeker"]
    assert len(unmatched) == 1 and "filled by other seekers" in unmatched[0]["reason"]


async def test_pin_forbid_rerun_publish_accept_decline(matching):
    await seed(matching)
    created = await create(matching)
    round_id = created["id"]
    created_etag = (await matching.get(f"/rounds/{round_id}")).headers["ETag"]
    first = await run(matching, round_id)
    chosen = {(a["seeker"], a["provider"]) for a in first["assignment"]}
    pinned = next((s, p) for s in SEEKERS for p in PROVIDERS if (s, p) not in chosen)
    forbidden = sorted(chosen - {pinned})[0]
    changes = {
        "must_pairs": [{"seeker": pinned[0], "provider": pinned[1]}],
        "forbidden_pairs": [{"seeker": forbidden[0], "provider": forbidden[1]}],
    }
    unconditional = await matching.patch(
        f"/rounds/{round_id}", role="hub_operator", account="hub-owner", json=changes
    )
    assert matching.problem(unconditional, 428)["errors"][0]["field"] == "If-Match"
    nulled = await matching.patch(
        f"/rounds/{round_id}",
        role="hub_operator",
        account="hub-owner",
        json={"capacity": None},
        headers={"If-Match": created_etag},
    )
    assert matching.problem(nulled, 422)["errors"][0]["field"] == "capacity"
    stale = await matching.patch(
        f"/rounds/{round_id}",
        role="hub_operator",
        account="hub-owner",
        json=changes,
        headers={"If-Match": created_etag},
    )
    assert matching.problem(stale, 412)["errors"][0]["field"] == "If-Match"  # the run changed it
    etag = (await matching.get(f"/rounds/{round_id}")).headers["ETag"]
    response = await matching.patch(
        f"/rounds/{round_id}",
        headers={"If-Match": etag},
        role="hub_operator",
        account="hub-owner",
        json=changes,
    )
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] != etag
    second = await run(matching, round_id)
    pairs = {(a["seeker"], a["provider"]) for a in second["assignment"]}
    assert pinned in pairs and forbidden not in pairs

    published = await matching.post(
        f"/rounds/{round_id}/publish", role="hub_operator", account="hub-owner"
    )
    assert published.status_code == 200, published.text
    again = await matching.post(
        f"/rounds/{round_id}/publish", role="hub_operator", account="hub-owner"
    )
    assert matching.problem(again, 409)["errors"][0]["field"] == "published_draft"
    proposals = (await matching.get(f"/rounds/{round_id}/proposals")).json()
    assert {(p["seeker_id"], p["provider_id"]) for p in proposals} == pairs
    [published_event] = await matching.outbox("sihub.matching.round.published")
    assert len(published_event["data"]["proposals"]) == len(pairs)

    accepted, declined = proposals[0], proposals[1]
    stranger = await matching.post(
        f"/proposals/{accepted['id']}/accept",
        role="partner",
        account="someone-else",
        json={"actor_id": accepted["seeker_id"]},
    )
    assert matching.problem(stranger, 403)["errors"][0]["field"] == "actor_id"
    for actor in (accepted["seeker_id"], accepted["provider_id"]):
        response = await matching.post(
            f"/proposals/{accepted['id']}/accept",
            role="partner",
            account=owner(actor),
            json={"actor_id": actor},
        )
        assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"
    [event] = await matching.outbox("sihub.matching.match.accepted")
    assert event["data"]["match_ref"] == accepted["id"]
    assert event["data"]["accepted_by"] == {
        accepted["seeker_id"]: owner(accepted["seeker_id"]),
        accepted["provider_id"]: owner(accepted["provider_id"]),
    }
    assert sorted(event["data"]["actor_ids"]) == sorted(
        [accepted["seeker_id"], accepted["provider_id"]]
    )
    assert event["data"]["illustrative"] is True
    twice = await matching.post(
        f"/proposals/{accepted['id']}/decline",
        role="partner",
        account=owner(accepted["seeker_id"]),
        json={"actor_id": accepted["seeker_id"]},
    )
    assert matching.problem(twice, 409)["errors"][0]["field"] == "status"

    response = await matching.post(
        f"/proposals/{declined['id']}/decline",
        role="partner",
        account=owner(declined["provider_id"]),
        json={"actor_id": declined["provider_id"]},
    )
    assert response.json()["status"] == "declined"
    mine = (
        await matching.get(
            "/proposals",
            params={"actor_id": declined["provider_id"]},
            role="partner",
            account=owner(declined["provider_id"]),
        )
    ).json()
    assert declined["id"] in {p["id"] for p in mine}

    # A re-run keeps the accepted pair, never proposes the declined one again, and may be published.
    third = await run(matching, round_id)
    pairs = {(a["seeker"], a["provider"]) for a in third["assignment"]}
    assert (accepted["seeker_id"], accepted["provider_id"]) in pairs
    assert (declined["seeker_id"], declined["provider_id"]) not in pairs
    assert (
        await matching.post(f"/rounds/{round_id}/publish", role="hub_operator", account="hub-owner")
    ).status_code == 200


async def test_settings_that_would_take_back_published_proposals_are_a_conflict(matching):
    await seed(matching)
    round_id = (await create(matching))["id"]
    await run(matching, round_id)
    assert (await matching.post(f"/rounds/{round_id}/publish", role="hub_operator",
                                account="hub-owner")).status_code == 200
    proposals = (await matching.get(f"/rounds/{round_id}/proposals")).json()
    busiest, held = Counter(p["provider_id"] for p in proposals).most_common(1)[0]
    assert held == 2  # capacity 2: the cut below takes back one of its proposals

    async def patch(changes: dict):
        etag = (await matching.get(f"/rounds/{round_id}")).headers["ETag"]
        return await matching.patch(f"/rounds/{round_id}", role="hub_operator", account="hub-owner",
                                    json=changes, headers={"If-Match": etag})

    cut = matching.problem(await patch({"capacity": 1}), 409)
    assert {e["field"] for e in cut["errors"]} == {"capacity"}
    assert busiest in cut["errors"][0]["message"]
    one_each = matching.problem(await patch({"capacities": [{"actor_id": busiest, "capacity": 1}]}), 409)
    assert [e["field"] for e in one_each["errors"]] == ["capacities[0].capacity"]
    first = proposals[0]
    forbid = matching.problem(await patch(
        {"forbidden_pairs": [{"seeker": first["seeker_id"], "provider": first["provider_id"]}]}), 409)
    assert [e["field"] for e in forbid["errors"]] == ["forbidden_pairs[0]"]

    declined = await matching.post(f"/proposals/{first['id']}/decline", role="partner",
                                   account=owner(first["seeker_id"]), json={"actor_id": first["seeker_id"]})
    assert declined.json()["status"] == "declined"
    pin = matching.problem(await patch(
        {"must_pairs": [{"seeker": first["seeker_id"], "provider": first["provider_id"]}]}), 409)
    assert [e["field"] for e in pin["errors"]] == ["must_pairs[0]"]
    # The declined pair frees its place: the same provider may now be cut by one.
    assert (await patch({"capacities": [{"actor_id": first["provider_id"], "capacity": 1}]})).status_code == 200
    again = await run(matching, round_id)
    taken = Counter(a["provider"] for a in again["assignment"])
    assert taken[first["provider_id"]] <= 1


async def test_a_provider_listed_twice_in_capacities_is_refused(matching):
    await seed(matching)
    twice = await matching.post("/rounds", role="hub_operator", account="hub-owner", json=body(
        capacities=[{"actor_id": PROVIDERS[0], "capacity": 1}, {"actor_id": PROVIDERS[0], "capacity": 3}]))
    assert [e["field"] for e in matching.problem(twice, 422)["errors"]] == ["capacities[1].actor_id"]


async def test_a_draft_whose_settings_or_actors_changed_since_its_run_is_not_published(matching):
    """Publishing sends each pair of the draft to both owners: a draft run before a pair was
    forbidden, or naming an actor deleted since, must be run again first."""
    await seed(matching)
    created = await create(matching)
    path = f"/rounds/{created['id']}"
    draft = await run(matching, created["id"])
    etag = (await matching.get(path)).headers["ETag"]
    same = await matching.patch(path, role="hub_operator", account="hub-owner", headers={"If-Match": etag},
                                json={"capacity": created["capacity"], "name": created["name"]})
    assert same.status_code == 200 and same.headers["ETag"] == etag  # nothing changed: same version
    pair = draft["assignment"][0]
    forbid = await matching.patch(path, role="hub_operator", account="hub-owner", headers={"If-Match": etag},
                                  json={"forbidden_pairs": [{"seeker": pair["seeker"], "provider": pair["provider"]}]})
    assert forbid.status_code == 200 and forbid.headers["ETag"] != etag
    stale = await matching.post(path + "/publish", role="hub_operator", account="hub-owner")
    assert "run again" in matching.problem(stale, 409)["errors"][0]["message"]
    assert (await matching.get(path + "/proposals")).json() == []

    rerun = await run(matching, created["id"])
    # A seeker of the draft whose owner declined being listed in the cohort since the run.
    seeker = rerun["assignment"][0]["seeker"]
    membership = f"m-{SEEKERS.index(seeker)}"
    await matching.feed(matching.events.membership(membership, HUB, "prog-1", "cohort-1", seeker, verb="updated",
                                                   version=2, answer="declined"))
    left = await matching.post(path + "/publish", role="hub_operator", account="hub-owner")
    assert seeker in matching.problem(left, 409)["errors"][0]["message"]
    await matching.feed(matching.events.membership(membership, HUB, "prog-1", "cohort-1", seeker, verb="updated",
                                                   version=3))
    provider = rerun["assignment"][0]["provider"]
    await matching.feed(matching.events.actor(provider, "deleted", version=2, owner=owner(provider), deleted=True))
    gone = await matching.post(path + "/publish", role="hub_operator", account="hub-owner")
    assert provider in matching.problem(gone, 409)["errors"][0]["message"]
    assert (await matching.get(path + "/proposals")).json() == []


async def test_a_proposal_whose_actor_was_deleted_since_can_be_declined_not_accepted(matching):
    await seed(matching)
    created = await create(matching)
    await run(matching, created["id"])
    assert (await matching.post(f"/rounds/{created['id']}/publish", role="hub_operator",
                                account="hub-owner")).status_code == 200
    proposal = (await matching.get(f"/rounds/{created['id']}/proposals")).json()[0]
    seeker, provider = proposal["seeker_id"], proposal["provider_id"]
    await matching.feed(matching.events.actor(provider, "deleted", version=2, owner=owner(provider), deleted=True))
    accept = await matching.post(f"/proposals/{proposal['id']}/accept", role="partner", account=owner(seeker),
                                 json={"actor_id": seeker})
    problem = matching.problem(accept, 409)
    assert problem["errors"][0]["field"] == "actor_id" and provider in problem["errors"][0]["message"]
    decline = await matching.post(f"/proposals/{proposal['id']}/decline", role="partner", account=owner(seeker),
                                  json={"actor_id": seeker})
    assert decline.status_code == 200 and decline.json()["status"] == "declined"
    assert await matching.outbox("sihub.matching.match.accepted") == []


@pytest.mark.parametrize(
    ("overrides", "field", "status"),
    [
        ({"hub_id": OTHER_HUB}, "hub_id", 403),
        # A reference to a record that is not there (not a hub, no such actor, deleted, no such
        # cohort) conflicts with the current state: 409, naming the field.
        ({"hub_id": SEEKERS[0]}, "hub_id", 409),
        (
            {"seekers": {"actor_ids": [SEEKERS[0], "u0000000-0000-4000-8000-000000000001"]}},
            "seekers.actor_ids",
            409,
        ),
        ({"seekers": {"actor_ids": [SEEKERS[0], GONE]}}, "seekers.actor_ids", 409),
        ({"seekers": {"actor_ids": [SEEKERS[0], PROVIDERS[0]]}}, "providers.actor_ids", 422),
        ({"seekers": {"actor_ids": [SEEKERS[0], SEEKERS[0]]}}, "seekers.actor_ids", 422),  # uniqueItems
        ({"seekers": {"cohort_id": "nope"}}, "seekers.cohort_id", 409),
        ({"seekers": {"cohort_id": "nope", "actor_ids": [SEEKERS[0]]}}, "seekers", 422),
        ({"providers": {"filter": {"country": "JP"}}}, "providers.filter", 409),
        ({"capacity": 0}, "capacity", 422),
        (
            {"capacities": [{"actor_id": PROVIDERS[0], "capacity": 10_001}]},
            "capacities[0].capacity",
            422,
        ),
        (
            {
                "must_pairs": [{"seeker": SEEKERS[0], "provider": PROVIDERS[0]}],
                "forbidden_pairs": [{"seeker": SEEKERS[0], "provider": PROVIDERS[0]}],
            },
            "forbidden_pairs[0]",
            422,
        ),
        (
            {
                "capacity": 1,
                "must_pairs": [
                    {"seeker": SEEKERS[0], "provider": PROVIDERS[0]},
                    {"seeker": SEEKERS[1], "provider": PROVIDERS[0]},
                ],
            },
            "must_pairs",
            422,
        ),
        (
            {"must_pairs": [{"seeker": PROVIDERS[0], "provider": SEEKERS[0]}]},
            "must_pairs[0].seeker",
            422,
        ),
        ({"weights": {"needs_met": 1.5}}, "weights.needs_met", 422),
        ({"prefer": "moon"}, "prefer", 422),
        ({"surprise": 1}, "surprise", 422),
        ({"name": "tab\there"}, "name", 422),
        ({"providers": {"filter": {"issue_area": "magic"}}}, "providers.filter.issue_area", 422),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    matching, overrides, field, status
):
    await seed(matching)
    response = await matching.post(
        "/rounds", json=body(**overrides), role="hub_operator", account="hub-owner"
    )
    problem = matching.problem(response, status)
    assert field in [e["field"] for e in problem["errors"]], problem
    assert await matching.scalar("SELECT count(*) FROM match_round") == 0


async def test_non_finite_numbers_are_refused(matching):
    await seed(matching)
    response = await matching.post(
        "/rounds",
        role="hub_operator",
        account="hub-owner",
        content=b'{"hub_id": "%s", "name": "x", "seekers": {"cohort_id": "cohort-1"}, '
        b'"providers": {"actor_ids": ["%s"]}, "min_score": NaN}'
        % (HUB.encode(), PROVIDERS[0].encode()),
        headers={"content-type": "application/json"},
    )
    assert "min_score" in [e["field"] for e in matching.problem(response, 422)["errors"]]


async def test_only_the_hubs_operators_run_and_publish(matching):
    await seed(matching)
    created = await create(matching)
    for action in ("run", "publish"):
        response = await matching.post(
            f"/rounds/{created['id']}/{action}", role="hub_operator", account="other-owner"
        )
        assert matching.problem(response, 403)["errors"][0]["field"] == "hub_id"
    assert (await matching.post(f"/rounds/{created['id']}/run", role="admin")).status_code == 200

    # An account the registry adds to the hub's operators runs it too, until it is removed again.
    await matching.feed(matching.events.hub_operators(HUB, "hub-owner", ["deputy"]))
    assert (
        await matching.post(f"/rounds/{created['id']}/run", role="hub_operator", account="deputy")
    ).status_code == 200
    await matching.feed(matching.events.hub_operators(HUB, "hub-owner", []))
    response = await matching.post(
        f"/rounds/{created['id']}/run", role="hub_operator", account="deputy"
    )
    assert matching.problem(response, 403)["errors"][0]["field"] == "hub_id"


async def test_a_hubs_rounds_are_listed_page_by_page(matching):
    await seed(matching)
    made = sorted([(await create(matching, name=f"round {n}"))["id"] for n in range(3)])
    first = (await matching.get("/rounds", params={"hub_id": HUB, "limit": 2})).json()
    assert [r["id"] for r in first["items"]] == made[:2] and first["next_cursor"]
    rest = (
        await matching.get(
            "/rounds", params={"hub_id": HUB, "limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [r["id"] for r in rest["items"]] == made[2:] and rest["next_cursor"] is None
    assert (await matching.get("/rounds", params={"hub_id": OTHER_HUB})).json()["items"] == []
    unknown = await matching.get("/rounds", params={"hub_id": "u0000000-0000-4000-8000-000000000009"})
    assert matching.problem(unknown, 404)["errors"][0]["field"] == "hub_id"
    bad = await matching.get("/rounds", params={"hub_id": HUB, "cursor": "!!"})
    assert matching.problem(bad, 422)["errors"][0]["field"] == "cursor"
    foreign = await matching.get("/rounds", params={"hub_id": HUB, "cursor": "e30"})  # "{}"
    assert matching.problem(foreign, 400)["errors"][0]["field"] == "cursor"


async def test_a_provider_filter_picks_live_actors_other_than_the_seekers(matching):
    await seed(matching)
    created = await create(
        matching, providers={"filter": {"sector": "private"}}, prefer="same_country"
    )
    draft = await run(matching, created["id"])
    assert created["prefer"] == "same_country" and draft["prefer"] == "same_country"
    export = (await matching.get(f"/rounds/{created['id']}/export")).json()
    assert {p["actor_id"] for p in export["providers"]} == set(PROVIDERS)
    assert draft["matched_count"] > 0


async def test_proposals_between_illustrative_actors_are_illustrative_whatever_the_round_says(matching):
    await seed(matching)  # every actor of the seed is illustrative
    created = await create(matching, illustrative=False)
    await run(matching, created["id"])
    published = await matching.post(
        f"/rounds/{created['id']}/publish", role="hub_operator", account="hub-owner"
    )
    assert published.status_code == 200 and published.json()["illustrative"] is False  # as set
    proposals = (await matching.get(f"/rounds/{created['id']}/proposals")).json()
    assert proposals and all(p["illustrative"] for p in proposals)
    [event] = await matching.outbox("sihub.matching.round.published")
    assert event["data"]["illustrative"] is True


async def test_proposals_weighed_by_an_invented_severity_are_illustrative(matching):
    await seed(matching, illustrative=False)  # real actors, a real severity

    async def proposals_of_a_new_round() -> list[dict]:
        created = await create(matching, illustrative=False)
        await run(matching, created["id"])
        published = await matching.post(f"/rounds/{created['id']}/publish", role="hub_operator", account="hub-owner")
        assert published.status_code == 200, published.text
        return (await matching.get(f"/rounds/{created['id']}/proposals")).json()

    real = await proposals_of_a_new_round()
    assert real and not any(p["illustrative"] for p in real)
    await matching.feed(matching.events.severity("KR-42", "ageing_care", 0.9, illustrative=True))
    weighed_by_invented = await proposals_of_a_new_round()
    # Flagged where the pair shares ageing care (weighed by the invented severity of the seekers'
    # place); a pair sharing no issue area (the first provider works on housing only) is not weighed.
    assert weighed_by_invented
    assert all(p["illustrative"] == (p["provider_id"] != PROVIDERS[0]) for p in weighed_by_invented)


async def test_a_member_whose_owner_declined_the_listing_is_no_seeker_of_the_cohorts_rounds(matching):
    await seed(matching)
    e = matching.events
    # One owner declines being listed; another has not answered yet (pending: still a seeker).
    await matching.feed(e.membership("m-0", HUB, "prog-1", "cohort-1", SEEKERS[0], verb="updated", version=2,
                                     answer="declined"),
                        e.membership("m-1", HUB, "prog-1", "cohort-1", SEEKERS[1], verb="updated", version=2,
                                     answer="pending"))
    created = await create(matching)
    draft = await run(matching, created["id"])
    assert SEEKERS[0] not in {pair["seeker"] for pair in draft["assignment"]}
    export = (await matching.get(f"/rounds/{created['id']}/export")).json()
    listed = [s["actor_id"] for s in export["seekers"]]
    assert SEEKERS[0] not in listed
    assert SEEKERS[1] in listed and set(SEEKERS[2:]) <= set(listed)
    # Confirmed again later: a seeker again.
    await matching.feed(e.membership("m-0", HUB, "prog-1", "cohort-1", SEEKERS[0], verb="updated", version=3))
    await run(matching, created["id"])
    export = (await matching.get(f"/rounds/{created['id']}/export")).json()
    assert SEEKERS[0] in [s["actor_id"] for s in export["seekers"]]


async def test_a_proposals_flag_follows_the_severities_its_run_weighed_not_those_at_publication(matching):
    await seed(matching, illustrative=False)  # real actors, a real severity
    created = await create(matching, illustrative=False)
    draft = await run(matching, created["id"])
    assert draft["assignment"] and not any(pair["illustrative"] for pair in draft["assignment"])
    # The severity is recomputed from invented data after the run and before publication.
    await matching.feed(matching.events.severity("KR-42", "ageing_care", 0.9, illustrative=True))
    published = await matching.post(f"/rounds/{created['id']}/publish", role="hub_operator", account="hub-owner")
    assert published.status_code == 200, published.text
    proposals = (await matching.get(f"/rounds/{created['id']}/proposals")).json()
    assert proposals and not any(p["illustrative"] for p in proposals)
    [event] = await matching.outbox("sihub.matching.round.published")
    assert event["data"]["illustrative"] is False
    # Run again: this draft weighed the invented severity, and says so where a pair shares ageing care.
    rerun = await run(matching, created["id"])
    assert any(pair["illustrative"] for pair in rerun["assignment"])


async def test_a_deleted_hubs_round_can_be_read_but_not_run_published_or_changed(matching):
    await seed(matching)
    created = await create(matching)
    await run(matching, created["id"])
    await matching.feed(matching.events.actor(HUB, "deleted", version=2, kind="hub_intermediary", owner="hub-owner",
                                              deleted=True))
    path = f"/rounds/{created['id']}"
    for method, suffix, extra in (("POST", "/run", {}), ("POST", "/publish", {}),
                                  ("PATCH", "", {"json": {"name": "renamed"}, "headers": {"If-Match": "*"}})):
        response = await matching.request(method, path + suffix, role="hub_operator", account="hub-owner", **extra)
        problem = matching.problem(response, 409)
        assert problem["errors"][0]["field"] == "hub_id", problem
    assert (await matching.get(path)).status_code == 200
    assert await matching.outbox("sihub.matching.round.published") == []


async def test_stored_settings_a_departed_actor_no_longer_fits_are_a_conflict_at_run_time(matching):
    await seed(matching)
    created = await create(
        matching, providers={"filter": {"sector": "private"}},
        capacities=[{"actor_id": PROVIDERS[2], "capacity": 1}],
    )
    e = matching.events
    await matching.feed(
        e.actor(PROVIDERS[2], "deleted", version=2, owner=owner(PROVIDERS[2]), kind="corporation",
                sector="private", deleted=True)
    )
    response = await matching.post(
        f"/rounds/{created['id']}/run", role="hub_operator", account="hub-owner"
    )
    # The run's request sent no settings: the stored ones conflict with who is left (409, not 422).
    problem = matching.problem(response, 409)
    assert [error["field"] for error in problem["errors"]] == ["capacities[0].actor_id"]


class TestBackground:
    @pytest.fixture
    def matching_settings(self):
        return {"background_round_cells": 1}

    async def test_a_large_round_runs_in_the_background_with_progress(self, matching):
        await seed(matching)
        created = await create(matching)
        response = await matching.post(
            f"/rounds/{created['id']}/run", role="hub_operator", account="hub-owner"
        )
        assert response.status_code == 202, response.text
        assert response.json()["run_state"] == "running"
        for _ in range(200):
            progress = (await matching.get(f"/rounds/{created['id']}/progress")).json()
            if progress["run_state"] != "running":
                break
        assert progress == {"id": created["id"], "run_state": "done", "progress": 1.0, "drafts": 1}
        assert (await matching.get(f"/rounds/{created['id']}")).json()["draft"][
            "matched_count"
        ] == 4


    async def test_a_run_whose_process_stopped_reads_as_failed_and_runs_again(self, matching):
        await seed(matching)
        created = await create(matching)
        # What a process killed mid-run leaves behind: running, under a lease no one renews.
        await matching.scalar(
            "UPDATE match_round SET run_state = 'running', run_lease_until = '2020-01-01 00:00:00' "
            f"WHERE id = '{created['id']}' RETURNING id"
        )
        progress = (await matching.get(f"/rounds/{created['id']}/progress")).json()
        assert progress["run_state"] == "failed"
        assert await matching.scalar(
            f"SELECT run_state FROM match_round WHERE id = '{created['id']}'"
        ) == "failed"
        response = await matching.post(
            f"/rounds/{created['id']}/run", role="hub_operator", account="hub-owner"
        )
        assert response.status_code == 202, response.text
        for _ in range(200):
            progress = (await matching.get(f"/rounds/{created['id']}/progress")).json()
            if progress["run_state"] != "running":
                break
        assert progress["run_state"] == "done" and progress["drafts"] == 1


# For each rule across fields a round's body declares (`x-sihub-rules`), a change that breaks it.
RULE_BREAKS = {
    ("providers.actor_ids",): {"seekers": {"actor_ids": [SEEKERS[0]]}, "providers": {"actor_ids": [SEEKERS[0]]}},
    ("capacities.actor_id",): {"capacities": [{"actor_id": SEEKERS[0], "capacity": 1}]},
    ("must_pairs", "forbidden_pairs"): {
        "must_pairs": [{"seeker": SEEKERS[0], "provider": PROVIDERS[0]}],
        "forbidden_pairs": [{"seeker": SEEKERS[0], "provider": PROVIDERS[0]}],
    },
    ("must_pairs",): {
        "max_matches": 1,
        "must_pairs": [{"seeker": SEEKERS[0], "provider": PROVIDERS[0]}, {"seeker": SEEKERS[0], "provider": PROVIDERS[1]}],
    },
    ("weights",): {"weights": {part.name: 0.0 for part in DEFAULT_PROFILE.parts}},
}


async def test_every_declared_rule_is_enforced(matching):
    """Each rule across fields an operation declares (`x-sihub-rules`, which the contract test
    accepts a 422 for) is enforced: a body breaking it gets a 422 naming one of its fields."""
    await seed(matching)
    round_ = await create(matching)
    document = (await matching.client.get("/openapi.json")).json()
    checked = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for rule in operation.get("x-sihub-rules", []):
                change = RULE_BREAKS[tuple(rule["fields"])]
                if method == "post":
                    response = await matching.post("/rounds", json=body(**change), role="hub_operator", account="hub-owner")
                else:
                    etag = (await matching.get(f"/rounds/{round_['id']}")).headers["ETag"]
                    response = await matching.patch(f"/rounds/{round_['id']}", json=change, role="hub_operator",
                                                    account="hub-owner", headers={"If-Match": etag})
                named = [e["field"] for e in matching.problem(response, 422)["errors"]]
                assert all(names_a_declared_rule(field, [rule]) for field in named), (method, rule, response.text)
                checked.append((method, tuple(rule["fields"])))
    assert len(checked) == 9
