"""Registry benchmark: bulk import of actors against raw COPY, then search over what was imported.

    uv run python bench/bench_registry.py [--rows 100000] [--chunk 10000] [--queries 600]

On a throwaway PostgreSQL database (created and dropped here), migrated as `sihub-registry migrate`
does, with the registry app served over TCP by uvicorn in this process (no outbox relay, so every
event stays in the outbox as written):

  import   `rows` generated actors (names in English/romanised and Korean, Japanese, Chinese or
           Thai; kinds, regions, issue areas, offers and needs) POSTed to
           /api/v1/registry/actors/import as JSON, `chunk` rows a request: each row validated,
           the actor, its search terms and facets and one `actor.created` outbox event written.
  copy     the very actor rows the import stored, read back and written with asyncpg
           `copy_records_to_table` into a bare copy of the actor table (no index, no key): the
           fastest the database takes those rows.
  search   `queries` GET /api/v1/registry/actors requests, one at a time, cycling through a mix of
           filter + text queries: Korean, Japanese, Chinese and Thai parts of words, romanised
           words, each with country and/or kind filters, plus filter-only listings.

Last line of stdout, one JSON object:
    rows, import_per_s, copy_per_s, import_vs_copy (goal ≥ 0.10), search_p50_ms,
    search_p95_ms (goal ≤ 50), search_hits_median (items on a page, to show queries match).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

import httpx
from _support import emit, install_uvloop, median, nats_server, percentile, postgres_database, quiet_logs, say
from anyascii import anyascii

from sihub_registry.geography import regions_of
from sihub_registry.main import create_app
from sihub_registry.settings import RegistrySettings
from sihub_registry.taxonomy.terms import ActorKind, Capability, IssueArea
from sihub_shared.identity import Role
from sihub_shared.migrations import upgrade
from sihub_shared.settings import async_database_url
from sihub_shared.testing import TEST_IDENTITY_SECRET, identity_headers
from sihub_shared.testing.servers import serving

MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "registry" / "src" / "sihub_registry" / "migrations"
API = "/api/v1/registry/actors"

# Local words per country (language tag, words, legal forms); names are 2-3 words and a legal form.
LOCAL = {
    "KR": ("ko", ["행복", "나눔", "마을", "청년", "돌봄", "함께", "푸른", "희망", "새싹", "우리", "이음", "다솜",
                  "온기", "공감", "바다", "햇살", "두레", "자연", "미래", "건강"],
           ["사회적협동조합", "협동조합", "재단", "센터", "(주)", "사단법인"]),
    "JP": ("ja", ["みらい", "ひかり", "つなぐ", "まちづくり", "ケア", "フード", "共生", "地域", "子ども", "福祉",
                  "環境", "未来", "結び", "ささえ", "里山", "はたらく", "森", "海辺", "暮らし", "学び"],
           ["財団", "株式会社", "協同組合", "NPO法人", "一般社団法人"]),
    "CN": ("zh-Hans", ["社区", "公益", "绿色", "乡村", "助老", "青年", "创新", "互助", "阳光", "书香", "环保",
                       "共享", "童心", "善行", "益农", "健康", "文化", "科技", "温暖", "家园"],
           ["基金会", "合作社", "有限公司", "服务中心", "协会"]),
    "SG": ("zh-Hans", ["狮城", "社区", "乐龄", "青年", "绿色", "共融", "关怀", "海港", "未来", "家园"],
           ["基金会", "有限公司", "协会"]),
    "TH": ("th", ["ชุมชน", "สีเขียว", "รักษ์", "ปันสุข", "เพื่อน", "บ้าน", "ยั่งยืน", "เกษตร", "อาสา",
                  "สร้างสรรค์", "ใจดี", "ป่า", "ทะเล", "เด็ก", "สุขภาพ"],
           ["มูลนิธิ", "สหกรณ์", "บริษัท", "วิสาหกิจ", "สมาคม"]),
}  # fmt: skip
COUNTRY_WEIGHTS = {"KR": 30, "JP": 25, "CN": 20, "SG": 10, "TH": 15}
KIND_WORDS = {
    ActorKind.SOCIAL_ENTERPRISE: "Social Enterprise", ActorKind.SOCIAL_VENTURE: "Ventures",
    ActorKind.COOPERATIVE: "Cooperative", ActorKind.NON_PROFIT: "Association", ActorKind.FOUNDATION: "Foundation",
    ActorKind.GOVERNMENT_AGENCY: "Agency", ActorKind.LOCAL_GOVERNMENT: "Office", ActorKind.CORPORATION: "Company",
    ActorKind.IMPACT_INVESTOR: "Impact Partners", ActorKind.UNIVERSITY_RESEARCH: "Institute",
    ActorKind.HUB_INTERMEDIARY: "Hub", ActorKind.COMMUNITY_GROUP: "Community Group",
}  # fmt: skip

# (q, filters): parts of words in each script, romanised words, filters alone.
QUERIES: list[tuple[str | None, dict[str, Any]]] = [
    ("나눔", {"country": "KR"}),
    ("돌봄", {"country": "KR", "kind": "cooperative"}),
    ("햇살", {"kind": "social_enterprise"}),
    ("행복마", {"country": "KR"}),
    ("みらい", {"country": "JP"}),
    ("まちづ", {"country": "JP", "kind": "non_profit"}),
    ("福祉", {"kind": "foundation"}),
    ("ケア", {}),
    ("公益", {"country": "CN"}),
    ("绿色", {"country": "CN", "kind": "social_enterprise"}),
    ("乐龄", {"country": "SG"}),
    ("ชุมชน", {"country": "TH"}),
    ("ปันสุข", {"country": "TH", "kind": "cooperative"}),
    ("รักษ์", {}),
    ("nanum", {"country": "KR"}),
    ("mirai", {"country": "JP", "kind": "corporation"}),
    ("gongyi", {"country": "CN"}),
    ("nanum cooperative", {"country": "KR"}),
    ("foundation", {"country": "TH"}),
    (None, {"country": "KR", "kind": "social_enterprise"}),
    (None, {"country": "JP", "issue_area": "ageing_care"}),
    (None, {"region": "KR-26", "offers": "mentoring"}),
]


def generate(rows: int, seed: int = 4) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    regions = {country: list(regions_of(country).items()) for country in LOCAL}
    countries, weights = list(COUNTRY_WEIGHTS), list(COUNTRY_WEIGHTS.values())
    kinds, issues, capabilities = list(ActorKind), [a.value for a in IssueArea], [c.value for c in Capability]
    actors = []
    for number in range(1, rows + 1):
        country = rng.choices(countries, weights)[0]
        lang, words, forms = LOCAL[country]
        chosen = rng.sample(words, rng.choice((2, 2, 3)))
        region_code, region_name = rng.choice(regions[country])
        kind = rng.choice(kinds)
        romanised = " ".join(anyascii(word).title() for word in chosen)
        offered = rng.sample(capabilities, rng.randint(1, 3))
        needed = rng.sample([c for c in capabilities if c not in offered], rng.randint(1, 3))
        actors.append({
            "ref": f"bench-{number:06d}",
            "names": [
                {"value": f"{romanised} {KIND_WORDS[kind]} {number}", "lang": "en"},
                {"value": "".join(chosen) + rng.choice(forms), "lang": lang},
            ],
            "kind": kind.value,
            "country": country,
            "region": region_code,
            "locality": region_name,
            "founded_year": rng.randint(1990, 2024),
            "issue_areas": rng.sample(issues, rng.randint(1, 3)),
            "offers": [{"capability": c} for c in offered],
            "needs": [{"capability": c} for c in needed],
            "illustrative": True,
        })  # fmt: skip
    return actors


async def import_actors(client: httpx.AsyncClient, actors: list[dict[str, Any]], chunk: int) -> float:
    """Seconds to import every actor through the endpoint, `chunk` rows a request."""
    bodies = [json.dumps(actors[i : i + chunk], ensure_ascii=False).encode() for i in range(0, len(actors), chunk)]
    started = time.perf_counter()
    for number, body in enumerate(bodies, 1):
        response = await client.post(API + "/import", content=body, timeout=600,
                                     headers={**identity_headers(Role.partner), "Content-Type": "application/json"})  # fmt: skip
        if response.status_code != 201:
            raise RuntimeError(f"import failed: {response.status_code} {response.text[:2000]}")
        say(f"imported {min(number * chunk, len(actors))} of {len(actors)}")
    return time.perf_counter() - started


async def copy_same_rows(url: str) -> tuple[int, float]:
    """(rows, seconds): the stored actor rows, COPYed into a bare table of the same columns.
    Then VACUUM ANALYZE, as autovacuum does after a large insert (it is off on the development
    machines' PostgreSQL): without statistics the planner guesses at tables it thinks empty, and
    without the visibility map every index-only scan of the search terms visits the heap."""
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE TABLE actor_copy (LIKE actor)")  # columns only: no key, no index
        columns = [r["attname"] for r in await connection.fetch(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'actor'::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum")]  # fmt: skip
        records = [tuple(r) for r in await connection.fetch(f"SELECT {', '.join(columns)} FROM actor")]
        started = time.perf_counter()
        await connection.copy_records_to_table("actor_copy", records=records, columns=columns)
        elapsed = time.perf_counter() - started
        await connection.execute("VACUUM ANALYZE")
        return len(records), elapsed
    finally:
        await connection.close()


async def search(client: httpx.AsyncClient, queries: int) -> tuple[list[float], list[int]]:
    """Latencies (ms) and page sizes of `queries` searches, one at a time, after a warm-up round.
    The slowest kinds of query are said on stderr."""
    latencies: list[float] = []
    hits: list[int] = []
    by_query: dict[int, list[float]] = {}
    headers = identity_headers(Role.partner)
    signed_at = time.monotonic()
    for index in range(len(QUERIES) + queries):
        if time.monotonic() - signed_at > 30:  # identity tokens live 60 s
            headers, signed_at = identity_headers(Role.partner), time.monotonic()
        q, filters = QUERIES[index % len(QUERIES)]
        params = filters | ({"q": q} if q else {}) | {"limit": 20}
        started = time.perf_counter()
        response = await client.get(API, params=params, headers=headers, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"search {params} failed: {response.status_code} {response.text[:500]}")
        if index >= len(QUERIES):  # the first round warms caches and is not counted
            latencies.append(elapsed)
            hits.append(len(response.json()["items"]))
            by_query.setdefault(index % len(QUERIES), []).append(elapsed)
    for number, times in sorted(by_query.items(), key=lambda item: -percentile(item[1], 95))[:3]:
        say(f"slowest: {QUERIES[number]} p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms")
    return latencies, hits


async def main(rows: int, chunk: int, queries: int) -> None:
    actors = generate(rows)
    say(f"{rows} actors generated")
    async with postgres_database() as url:
        if url is None:
            raise SystemExit("this benchmark needs PostgreSQL")
        await upgrade(MIGRATIONS, async_database_url(url))
        with nats_server() as nats:
            settings = RegistrySettings(database_url=url, nats_url=nats.url, identity_secret=TEST_IDENTITY_SECRET,
                                        run_workers=False, max_body_bytes=256 * 1024 * 1024, log_level="WARNING")  # fmt: skip
            async with serving(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as client:
                import_s = await import_actors(client, actors, chunk)
                say(f"import: {rows / import_s:,.0f} rows/s")
                copied, copy_s = await copy_same_rows(url)
                assert copied == rows, f"{copied} rows stored, {rows} sent"
                say(f"copy: {rows / copy_s:,.0f} rows/s")
                latencies, hits = await search(client, queries)
    say(f"search: p50 {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms")
    emit({
        "rows": rows,
        "import_per_s": round(rows / import_s, 1),
        "copy_per_s": round(rows / copy_s, 1),
        "import_vs_copy": round(copy_s / import_s, 4),
        "search_p50_ms": round(percentile(latencies, 50), 2),
        "search_p95_ms": round(percentile(latencies, 95), 2),
        "search_hits_median": median(hits),
    })  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=600)
    arguments = parser.parse_args()
    quiet_logs()
    install_uvloop()
    asyncio.run(main(arguments.rows, arguments.chunk, arguments.queries))
