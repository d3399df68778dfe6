"""The demo round, through the public API (the gateway, an admin key), after the registry's demo:
one Social Campus On centre's 2026 cohort matched with Korean providers (stable, two places each),
run and published, and the three best proposals accepted by both sides, which the registry then
records as partnerships (origin match); and, as a hub weighs its options, a second round of the
same cohort with the optimal objective, run as a draft for comparison and not published.
Everything is marked illustrative. Loading twice creates nothing twice (a round of the demo's
name for that hub is kept)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sihub_shared.demo import DemoLoadError, PublicApi, public_api

DEMO_ROUND = "Demo: 2026 cohort partners (illustrative)"
COMPARISON_ROUND = "Demo: 2026 cohort, optimal for comparison (illustrative, not published)"
ACCEPTED = 3
WAIT_S = 180.0


@dataclass
class DemoCounts:
    created: int = 0


async def _settled(matching: PublicApi, echo: Callable[[str], None]) -> None:
    """Until matching's read model has caught up with the registry's demo (the same counts twice)."""
    previous: dict[str, Any] | None = None
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        counts = await matching.send("GET", "/ecosystem")
        if counts == previous and counts["memberships"] > 0:
            return
        previous = counts
        await asyncio.sleep(2)
    raise DemoLoadError(
        f"matching's read model did not catch up with the registry within {WAIT_S:.0f} s"
    )


async def _cohort(registry: PublicApi) -> tuple[str, str]:
    hubs = await registry.send(
        "GET",
        "/actors",
        params={"q": "Social Campus", "kind": "hub_intermediary", "country": "KR", "limit": 100},
    )
    for hub in sorted(hubs["items"], key=lambda h: h["id"]):
        programmes = await registry.send(
            "GET", "/programmes", params={"hub": hub["id"], "limit": 10}
        )
        for programme in programmes["items"]:
            for cohort in programme["cohorts"]:
                if cohort["name"] == "2026 cohort":
                    return hub["id"], cohort["id"]
    raise DemoLoadError(
        "no Social Campus On centre with a 2026 cohort: load the registry's demo first"
    )


def _round(hub_id: str, cohort_id: str, name: str, objective: str) -> dict[str, object]:
    """A round of the demo: the 2026 cohort seeking among Korea's actors, two matches each."""
    return {
        "hub_id": hub_id,
        "name": name,
        "seekers": {"cohort_id": cohort_id},
        "providers": {"filter": {"country": "KR"}},
        "capacity": 2,
        "objective": objective,
        "illustrative": True,
    }


async def load_demo(
    gateway_url: str, api_key: str, echo: Callable[[str], None] = lambda _: None
) -> DemoCounts:
    counts = DemoCounts()
    async with (
        public_api(gateway_url, api_key, "registry", timeout_s=120) as registry,
        public_api(gateway_url, api_key, "matching", timeout_s=120) as matching,
    ):
        hub_id, cohort_id = await _cohort(registry)
        rounds = await matching.send("GET", "/rounds", params={"hub_id": hub_id, "limit": 1000})
        if any(r["name"] == DEMO_ROUND for r in rounds["items"]):
            echo("matching: the demo round is already there")
            return counts
        await _settled(matching, echo)
        created = await matching.send("POST", "/rounds", json=_round(hub_id, cohort_id, DEMO_ROUND, "stable"))
        draft = (await matching.send("POST", f"/rounds/{created['id']}/run"))["draft"]
        echo(
            f"matching: demo round run, {draft['matched_count']} matched, {draft['blocking_pairs']} blocking pairs"
        )
        await matching.send("POST", f"/rounds/{created['id']}/publish")
        proposals = await matching.send("GET", f"/rounds/{created['id']}/proposals")
        for proposal in sorted(proposals, key=lambda p: (-p["score"], p["id"]))[:ACCEPTED]:
            for actor_id in (proposal["seeker_id"], proposal["provider_id"]):
                await matching.send(
                    "POST", f"/proposals/{proposal['id']}/accept", json={"actor_id": actor_id}
                )
        comparison = await matching.send(
            "POST", "/rounds", json=_round(hub_id, cohort_id, COMPARISON_ROUND, "optimal")
        )
        await matching.send("POST", f"/rounds/{comparison['id']}/run")
        counts.created = 2 + len(proposals)
        echo(
            f"matching: {len(proposals)} proposals published, {min(ACCEPTED, len(proposals))} accepted by both sides; "
            "a comparison round drafted"
        )
    return counts
