"""Matching benchmark: suggestions over 100,000 actors through the HTTP API, and a round of
5,000 seekers × 250 providers solved by the service's solvers against scipy in the same run.

    uv run python bench/bench_matching.py [--actors 100000] [--requests 1000] [--seekers 5000] [--providers 250]

(a) suggest: a throwaway PostgreSQL database migrated as `sihub-matching migrate` does; `actors`
    generated actors (kinds and their sectors, five countries and their ISO 3166-2 regions, issue
    areas, offers and needs) written straight into the read model's `eco_actor` table with COPY —
    what the consumers would have written from 100,000 `actor.created` events — and severities for
    every region and issue area. The matching app is served over TCP by uvicorn in this process;
    `requests` GET /api/v1/matching/suggestions?actor_id=…&k=10 for random actors, one at a time,
    after a warm-up round (which loads the scoring snapshot)     → suggest_p50_ms, suggest_p95_ms
    (goal p95 ≤ 50 ms).
(b) optimal: random pair scores for `seekers` × `providers`, capacity 20 each, ~10% of pairs
    forbidden, one match per seeker. The service's `solve_optimal` (OR-Tools min-cost flow,
    constraints included)                                        → optimal_s, optimal_total
    against scipy's `linear_sum_assignment` on the 5,000 × 5,000 slot-expanded matrix (forbidden
    pairs scored 0, so never worth choosing)                     → scipy_lsa_s, scipy_total
    (goals: optimal_s ≤ scipy_lsa_s; totals equal to 1e-6 relative).
(c) stable: the same size, with distinct random seeker-side and provider-side preferences,
    `solve_stable` (seeker-proposing deferred acceptance)       → stable_s (goal ≤ 5 s) and its
    blocking_pairs (must be 0), counted by `blocking_pairs`.
The last line of stdout is the JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import numpy as np
import pycountry
from _support import (
    emit,
    install_uvloop,
    nats_server,
    percentile,
    postgres_database,
    quiet_logs,
    say,
)
from scipy.optimize import linear_sum_assignment

from sihub_matching.main import create_app
from sihub_matching.rounds.solvers import (
    Instance,
    blocking_pairs,
    solve_optimal,
    solve_stable,
    total_score,
)
from sihub_matching.scoring.compute import CAPABILITIES, ISSUE_AREAS
from sihub_matching.settings import MatchingSettings
from sihub_shared.identity import Role
from sihub_shared.migrations import upgrade
from sihub_shared.settings import async_database_url
from sihub_shared.testing import TEST_IDENTITY_SECRET, identity_headers
from sihub_shared.testing.servers import serving

MIGRATIONS = (
    Path(__file__).resolve().parents[1]
    / "services"
    / "matching"
    / "src"
    / "sihub_matching"
    / "migrations"
)
COUNTRIES = ("KR", "JP", "CN", "SG", "TH")
KINDS = {
    "social_enterprise": "social",
    "cooperative": "social",
    "non_profit": "social",
    "foundation": "philanthropic",
    "corporation": "private",
    "impact_investor": "private",
    "local_government": "public",
    "university_research": "academic",
    "hub_intermediary": "social",
}


def generate(count: int, seed: int = 11) -> tuple[list[tuple], list[str]]:
    rng = random.Random(seed)
    regions = {c: [s.code for s in pycountry.subdivisions.get(country_code=c)] for c in COUNTRIES}
    now = datetime.now(UTC)
    rows = []
    for _ in range(count):
        country = rng.choice(COUNTRIES)
        kind = rng.choice(list(KINDS))
        rows.append(
            (
                str(uuid.uuid4()),
                f"owner-{rng.randrange(50_000)}",
                f"actor {len(rows)}",
                kind,
                KINDS[kind],
                country,
                rng.choice(regions[country]),
                sorted(rng.sample(ISSUE_AREAS, rng.randint(1, 3))),
                sorted(rng.sample(CAPABILITIES, rng.randint(0, 3))),
                sorted(rng.sample(CAPABILITIES, rng.randint(0, 3))),
                True,
                False,
                1,
                now,
                1,
            )
        )
    return rows, [code for c in COUNTRIES for code in regions[c]]


async def fill_read_model(url: str, actors: list[tuple], regions: list[str]) -> None:
    import json

    connection = await asyncpg.connect(url)
    try:
        records = [
            (*row[:7], json.dumps(row[7]), json.dumps(row[8]), json.dumps(row[9]), *row[10:])
            for row in actors
        ]
        await connection.copy_records_to_table(
            "eco_actor",
            records=records,
            columns=[
                "id",
                "owner_account_id",
                "name",
                "kind",
                "sector",
                "country",
                "region",
                "issue_areas",
                "offers",
                "needs",
                "illustrative",
                "deleted",
                "version",
                "updated_at",
                "revision",
            ],
        )
        rng = np.random.default_rng(5)
        severities = [
            (g, t, float(rng.random()), "high", "2024", True, datetime.now(UTC))
            for g in regions
            for t in ISSUE_AREAS
        ]
        await connection.copy_records_to_table(
            "eco_severity",
            records=severities,
            columns=[
                "geography",
                "theme",
                "severity",
                "band",
                "period",
                "illustrative",
                "computed_at",
            ],
        )
        await connection.execute("INSERT INTO eco_revision (id, revision) VALUES (1, 1)")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def suggest(client: httpx.AsyncClient, ids: list[str], requests: int) -> list[float]:
    rng = random.Random(3)
    latencies = []
    headers, signed_at = identity_headers(Role.partner), time.monotonic()
    for index in range(20 + requests):
        if time.monotonic() - signed_at > 30:  # identity tokens live 60 s
            headers, signed_at = identity_headers(Role.partner), time.monotonic()
        started = time.perf_counter()
        response = await client.get(
            "/api/v1/matching/suggestions",
            params={"actor_id": rng.choice(ids), "k": 10},
            headers=headers,
            timeout=120,
        )
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or len(response.json()["items"]) != 10:
            raise RuntimeError(f"suggestions failed: {response.status_code} {response.text[:500]}")
        if index >= 20:  # the first requests load the snapshot and warm caches
            latencies.append(elapsed)
    return latencies


def round_instance(
    seekers: int, providers: int, *, distinct_preferences: bool, seed: int
) -> Instance:
    rng = np.random.default_rng(seed)
    score = rng.random((seekers, providers))
    seeker_score = rng.random((seekers, providers)) if distinct_preferences else score
    provider_score = rng.random((seekers, providers)) if distinct_preferences else score
    eligible = rng.random((seekers, providers)) >= 0.10
    return Instance(
        score=score,
        seeker_score=seeker_score,
        provider_score=provider_score,
        eligible=eligible,
        must=np.zeros((seekers, providers), dtype=bool),
        max_matches=np.ones(seekers, dtype=np.int64),
        capacity=np.full(providers, 20, dtype=np.int64),
    )


def solvers(seekers: int, providers: int) -> dict[str, float]:
    instance = round_instance(seekers, providers, distinct_preferences=False, seed=1)
    started = time.perf_counter()
    optimal = solve_optimal(instance)
    optimal_s = time.perf_counter() - started
    slots = np.repeat(np.where(instance.eligible, instance.score, 0.0), instance.capacity, axis=1)
    started = time.perf_counter()
    rows, cols = linear_sum_assignment(slots, maximize=True)
    scipy_s = time.perf_counter() - started
    optimal_total, scipy_total = total_score(instance, optimal), float(slots[rows, cols].sum())
    say(
        f"optimal {optimal_s:.2f} s (total {optimal_total:.6f}); scipy {scipy_s:.2f} s (total {scipy_total:.6f})"
    )

    stable_instance = round_instance(seekers, providers, distinct_preferences=True, seed=2)
    started = time.perf_counter()
    stable = solve_stable(stable_instance)
    stable_s = time.perf_counter() - started
    blocking = len(blocking_pairs(stable_instance, stable))
    say(f"stable {stable_s:.2f} s, {int(stable.sum())} matched, {blocking} blocking pairs")
    return {
        "optimal_s": round(optimal_s, 3),
        "scipy_lsa_s": round(scipy_s, 3),
        "optimal_total": round(optimal_total, 6),
        "scipy_total": round(scipy_total, 6),
        "totals_rel_diff": abs(optimal_total - scipy_total) / max(abs(scipy_total), 1e-12),
        "stable_s": round(stable_s, 3),
        "blocking_pairs": blocking,
    }


async def main(actors: int, requests: int, seekers: int, providers: int) -> None:
    rows, regions = generate(actors)
    say(f"{actors} actors generated")
    async with postgres_database() as url:
        if url is None:
            raise SystemExit("this benchmark needs PostgreSQL")
        await upgrade(MIGRATIONS, async_database_url(url))
        await fill_read_model(url, rows, regions)
        say("read model filled")
        with nats_server() as nats:
            settings = MatchingSettings(
                database_url=url,
                nats_url=nats.url,
                identity_secret=TEST_IDENTITY_SECRET,
                run_workers=False,
                log_level="WARNING",
            )
            async with (
                serving(create_app(settings)) as base,
                httpx.AsyncClient(base_url=base) as client,
            ):
                latencies = await suggest(client, [row[0] for row in rows], requests)
    say(f"suggest: p50 {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms")
    result = await asyncio.to_thread(solvers, seekers, providers)
    emit(
        {
            "actors": actors,
            "requests": requests,
            "suggest_p50_ms": round(percentile(latencies, 50), 2),
            "suggest_p95_ms": round(percentile(latencies, 95), 2),
            "seekers": seekers,
            "providers": providers,
            **result,
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--seekers", type=int, default=5_000)
    parser.add_argument("--providers", type=int, default=250)
    arguments = parser.parse_args()
    quiet_logs()
    install_uvloop()
    asyncio.run(main(arguments.actors, arguments.requests, arguments.seekers, arguments.providers))
