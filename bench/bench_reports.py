"""Reports benchmark: country and comparative reports over a large read model.

    uv run python bench/bench_reports.py

On throwaway SQLite databases (what `make run` uses), read models are fed through the reports'
own consumers (`ConsumerRunner.apply_batch`, as from the streams) with countries of the issue's
size: 10,000 actors over 17 regions (20 of them hubs with programmes, cohorts and 1,000 members),
2,000 confirmed partnerships, ingests of 50 indicators, 10 yearly index recomputes of every
region × theme (10 themes) and their severities. Illustrative data throughout. Then, each timed
from the stored read model (fold the events, build, store, render):
  country_html_s       (median of 3 rounds, interleaved with the PDF's) KR's report from a read model of KR alone, built and rendered as HTML
                       (goal ≤ 2 s)
  country_pdf_s        the same, rendered as PDF instead (goal ≤ 5 s); WeasyPrint is loaded before,
                       as the service loads it at start (its cffi bindings, a second or more, once)
  comparative_html_s   the comparative report from a read model of five such countries (KR, JP,
                       CN, SG, TH), built and rendered as HTML
  rebuild_identical    the KR build rebuilt from its recorded positions into a fresh read model
                       (a second database fed the same events): JSON, HTML and Markdown hash the same
The last line of stdout is the JSON.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import statistics
import tempfile
import time
from pathlib import Path

from _support import emit, quiet_logs, say
from sihub_reports.builds.schemas import BuildRequest, Format
from sihub_reports.builds.service import BuildService, compute, render
from sihub_reports.events.handlers import subscriptions
from sihub_shared.db import Database
from sihub_shared.events.bus import EventBus
from sihub_shared.events.consumer import ConsumerRunner
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.migrations import upgrade

COUNTRIES = ("KR", "JP", "CN", "SG", "TH")
ROUNDS = 3
ACTORS, REGIONS, PARTNERSHIPS, INDICATORS, YEARS = 10_000, 17, 2_000, 50, tuple(range(2014, 2024))
THEMES = ("ageing_care", "education", "employment", "environment_climate", "food", "health", "housing",
          "income_disparity", "local_economy_regeneration", "digital_inclusion")
KINDS = {"social_enterprise": "social", "cooperative": "social", "non_profit": "social", "foundation": "philanthropic",
         "corporation": "private", "local_government": "public", "university_research": "academic",
         "hub_intermediary": "public"}
CAPABILITIES = ("funding", "mentoring", "space", "data", "research", "networks", "technology")
STAMPS = {"version": 1, "created_at": "2026-12-01T00:00:00+00:00", "updated_at": "2026-12-01T00:00:00+00:00",
          "deleted_at": None}
MIGRATIONS = Path(__file__).parents[1] / "services" / "reports" / "src" / "sihub_reports" / "migrations"


def registry(entity: str, state: dict) -> CloudEvent:
    return CloudEvent(source="/sihub/registry", type=f"org.sihub.registry.{entity}.created.v1", data={entity: state})


def indicators(entity: str, verb: str, data: dict) -> CloudEvent:
    return CloudEvent(source="/sihub/indicators", type=f"org.sihub.indicators.{entity}.{verb}.v1", data=data)


def country_events(country: str, rng: random.Random) -> list[CloudEvent]:
    regions = [f"{country}-R{r:02d}" for r in range(REGIONS)]
    events, kinds = [], [k for k in KINDS if k != "hub_intermediary"]  # 20 hubs, made below
    for i in range(ACTORS):
        kind = "hub_intermediary" if i < 20 else rng.choice(kinds)
        events.append(registry("actor", {
            "id": f"{country}-a{i}", "kind": kind, "sector": KINDS[kind], "country": country,
            "region": rng.choice(regions), "founded_year": rng.randint(1990, 2025), "illustrative": True,
            "names": [{"value": f"{country} actor {i}", "lang": "en"}], "issue_areas": rng.sample(THEMES, 2),
            "offers": [{"capability": c} for c in rng.sample(CAPABILITIES, 2)],
            "needs": [{"capability": c} for c in rng.sample(CAPABILITIES, 2)],
            "certifications": [{"scheme": f"{country.lower()}-se", "level": "certified"}] if i % 7 == 0 else [],
            "owner_account_id": "bench", **STAMPS}))
    for h in range(20):
        events.append(registry("programme", {"id": f"{country}-p{h}", "hub_id": f"{country}-a{h}",
                                             "names": [{"value": f"Programme {h}", "lang": "en"}], **STAMPS}))
        events.append(registry("cohort", {"id": f"{country}-c{h}", "hub_id": f"{country}-a{h}",
                                          "programme_id": f"{country}-p{h}", "name": "2026", **STAMPS}))
    for m in range(1_000):
        events.append(registry("membership", {"id": f"{country}-m{m}", "hub_id": f"{country}-a{m % 20}",
                                              "programme_id": f"{country}-p{m % 20}", "actor_id": f"{country}-a{20 + m}",
                                              "confirmed": True, **STAMPS}))
    for p in range(PARTNERSHIPS):
        pair = rng.sample(range(ACTORS), 2)
        events.append(registry("partnership", {"id": f"{country}-ps{p}", "type": rng.choice(["funding", "co_delivery"]),
                                               "status": "active", "actor_ids": [f"{country}-a{a}" for a in pair],
                                               "confirmed": True, "illustrative": True, **STAMPS}))
    for code in range(INDICATORS):
        events.append(indicators("observations", "ingested", {
            "ingest_id": f"{country}-i{code}", "rows": REGIONS * len(YEARS), "illustrative_rows": REGIONS * len(YEARS),
            "indicators": [f"ind{code}"]}))
    for year in YEARS:
        values = [{"geography": g, "theme": t, "period": str(year), "index": rng.uniform(10, 90), "rank": None,
                   "rank_best": None, "rank_worst": None, "ranked_among": REGIONS, "trend_per_year": 0.1,
                   "coverage": rng.choice([1.0, 0.8, 0.6]), "illustrative": True} for g in regions for t in THEMES]
        events.append(indicators("index", "recomputed", {
            "comparison_set": f"regions:{country}", "frequency": "annual", "method_version": "1.0",
            "geographies": regions, "themes": list(THEMES), "part": 1, "parts": 1, "values": values}))
    for g in regions:
        for t in THEMES:
            events.append(indicators("severity", "changed", {
                "geography": g, "theme": t, "frequency": "annual", "comparison_set": f"regions:{country}",
                "period": "2023", "severity": rng.random(), "band": "high", "illustrative": True}))
    return events


async def feed(url: str, events: list[CloudEvent]) -> None:
    await upgrade(MIGRATIONS, url)
    database, bus = Database(url), EventBus("nats://127.0.0.1:1", name="bench")  # apply needs no broker
    by_source = {f"/sihub/{s.stream.removeprefix('SIHUB_').lower()}": ConsumerRunner(database, bus, s)
                 for s in subscriptions}
    try:
        for source, runner in by_source.items():
            batch = [e for e in events if e.source == source]
            for sequence, event in enumerate(batch, 1):
                event._stream_sequence = sequence  # as received: the stream's sequence
            for start in range(0, len(batch), 500):
                assert await runner.apply_batch(batch[start:start + 500]) is not None
    finally:
        await database.dispose()


async def timed_build(url: str, request: BuildRequest, format_: Format) -> tuple[float, object, bytes]:
    database = Database(url)
    try:
        started = time.perf_counter()
        async with database.session() as session:
            build, _ = await BuildService(session).request(request, "bench", background_events=2**62)
            rendered = render(build.document, format_, f"/api/v1/reports/builds/{build.id}?format=json")
        return round(time.perf_counter() - started, 3), build, rendered
    finally:
        await database.dispose()


async def main() -> None:
    quiet_logs()
    by_country = {c: country_events(c, random.Random(f"bench-{c}")) for c in COUNTRIES}
    everything = [e for c in COUNTRIES for e in by_country[c]]
    result: dict[str, object] = {"actors_per_country": ACTORS, "regions": REGIONS, "partnerships": PARTNERSHIPS,
                                 "country_events": len(by_country["KR"]), "comparative_events": len(everything)}
    kr = BuildRequest(kind="country", countries=["KR"])
    with tempfile.TemporaryDirectory() as folder:
        one, five, fresh = (f"sqlite+aiosqlite:///{folder}/{name}.db" for name in ("kr", "five", "fresh"))
        say(f"feeding {len(by_country['KR']):,} events (KR), then {len(everything):,} (five countries)")
        await feed(one, by_country["KR"])
        await feed(five, everything)
        rounds: dict[str, list[float]] = {"country_html_s": [], "country_pdf_s": []}
        for _ in range(ROUNDS):  # interleaved, medians: a shared machine's load comes and goes
            seconds, build, html = await timed_build(one, kr, Format.HTML)
            rounds["country_html_s"].append(seconds)
            seconds, _, pdf = await timed_build(one, kr, Format.PDF)
            rounds["country_pdf_s"].append(seconds)
        result |= {name: statistics.median(values) for name, values in rounds.items()}
        result["rounds"] = rounds
        result["country_json_bytes"], result["country_pdf_bytes"] = len(build.document), len(pdf)
        result["comparative_html_s"], _, _ = await timed_build(
            five, BuildRequest(kind="comparative", countries=list(COUNTRIES)), Format.HTML)
        say("rebuilding KR into a fresh read model")
        await feed(fresh, by_country["KR"])
        database = Database(fresh)
        try:
            async with database.session() as session:
                rebuilt = await compute(session, "country", ["KR"], build.positions)
        finally:
            await database.dispose()

        def digest(data: bytes) -> str:
            return hashlib.sha256(data).hexdigest()

        result["rebuild_identical"] = (digest(rebuilt) == digest(build.document)
                                       and digest(render(rebuilt, Format.HTML)) == digest(html)
                                       and digest(render(rebuilt, Format.MD)) == digest(render(build.document, Format.MD)))
    result["goals_met"] = result["country_html_s"] <= 2 and result["country_pdf_s"] <= 5
    emit(result)


if __name__ == "__main__":
    asyncio.run(main())
