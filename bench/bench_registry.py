"""Registry benchmark: bulk import of actors against raw COPY, then reads, searches and CSV exports
at that size on SQLite and on PostgreSQL.

    uv run python bench/bench_registry.py [--rows 100000] [--chunk 10000] [--queries 600] [--rounds 3]
                                          [--databases sqlite,postgresql]

On a throwaway PostgreSQL database (created and dropped here) and a SQLite file in a temporary
folder, each migrated as `sihub-registry migrate` does, with one registry app per database served
over TCP by uvicorn in this process (no outbox relay, so every event stays in the outbox as written):

  import   `rows` generated actors (names in English/romanised and Korean, Japanese, Chinese or
           Thai; kinds, regions, issue areas, offers and needs) POSTed to
           /api/v1/registry/actors/import as JSON, `chunk` rows a request, into each database: each
           row validated, the actor, its search terms and facets and one `actor.created` outbox
           event written.
  copy     (PostgreSQL) the very actor rows the import stored, read back and written with asyncpg
           `copy_records_to_table` into a bare copy of the actor table (no index, no key): the
           fastest the database takes those rows.
  floor    (PostgreSQL) everything the import stored (actors, search terms, facets, outbox
           events) COPYed into empty copies of those four tables with their keys and indexes, in
           one transaction: what writing the import's result costs with nothing else to do
           (`floor_s`; `floor_vs_copy` is the highest import_vs_copy these tables allow).
  reads    `rounds` rounds; in each, each database in turn (the order alternating) answers
           `queries` / `rounds` cycles of four requests, one at a time: a 20-row listing page by
           country (`list_first`), a page further on by country through a cursor as the API gives
           it out, at a random place in that country's listing (`list_later`), a text search
           (cycling through filter + text queries: Korean, Japanese, Chinese and Thai parts of
           words, romanised words, each with country and/or kind filters, plus filter-only
           listings) and one actor by id (`read`). A first cycle per database warms caches and is
           not counted.
  export   in each round, each database streams a full CSV export of every actor to the client,
           alone, then again while another client reads single actors one after the other
           (`read_during_export`): what an export leaves the requests beside it.

Last line of stdout, one JSON object:
    rows, import_per_s, copy_per_s, import_vs_copy (goal ≥ 0.10), floor_s, floor_vs_copy,
    import_vs_floor, search_p50_ms, search_p95_ms,
    search_hits_median (PostgreSQL, as before), and per database (`sqlite`, `postgresql`):
    import_per_s, list_first / list_later / search / read / read_during_export p50 and p95 in ms
    over every round (goal p95 ≤ 50 each) with each round's p95, export_csv_actors_per_s (median
    of the rounds, client wall clock, the export alone; goal ≥ 20,000) and each round's,
    export_csv_beside_reads_actors_per_s (median, with the reads beside it).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
from _support import emit, install_uvloop, median, nats_server, percentile, postgres_database, quiet_logs, say
from anyascii import anyascii
from sqlmodel import select

from sihub_registry.actors.models import Actor
from sihub_registry.geography import regions_of
from sihub_registry.main import create_app
from sihub_registry.settings import RegistrySettings
from sihub_registry.taxonomy.terms import ActorKind, Capability, IssueArea
from sihub_shared.db import Database
from sihub_shared.identity import Role
from sihub_shared.migrations import upgrade
from sihub_shared.pagination import encode_cursor
from sihub_shared.settings import async_database_url
from sihub_shared.testing import TEST_IDENTITY_SECRET, identity_headers
from sihub_shared.testing.servers import serving

MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "registry" / "src" / "sihub_registry" / "migrations"
API = "/api/v1/registry/actors"
FLOOR_TABLES = ("actor", "actor_search_term", "actor_facet", "outbox_message")  # what an import writes

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


async def copy_into_registry_tables(url: str) -> dict[str, float]:
    """Seconds per table to COPY everything the import stored (actors, search terms, facets,
    outbox events) into empty copies of those tables with their keys and indexes, in one
    transaction: the write alone, with no parsing, checks or events to build."""
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        stored = {}
        for table in FLOOR_TABLES:
            stored[table] = io.BytesIO()
            await connection.copy_from_query(f"SELECT * FROM {table}", output=stored[table])
            stored[table].seek(0)
            await connection.execute(f"CREATE TABLE {table}_floor (LIKE {table} INCLUDING ALL)")
        elapsed: dict[str, float] = {}
        async with connection.transaction():
            for table, rows in stored.items():
                started = time.perf_counter()
                await connection.copy_to_table(f"{table}_floor", source=rows)
                elapsed[table] = time.perf_counter() - started
        for table in FLOOR_TABLES:
            assert await connection.fetchval(f"SELECT count(*) FROM {table}_floor") == \
                await connection.fetchval(f"SELECT count(*) FROM {table}")
            await connection.execute(f"DROP TABLE {table}_floor")
        return elapsed
    finally:
        await connection.close()


class Headers:
    """Identity headers for the bench's requests, signed again before the 60 s token expires."""

    def __init__(self) -> None:
        self.value, self.signed_at = identity_headers(Role.partner), time.monotonic()

    def __call__(self) -> dict[str, str]:
        if time.monotonic() - self.signed_at > 30:
            self.value, self.signed_at = identity_headers(Role.partner), time.monotonic()
        return self.value


async def timed_get(client: httpx.AsyncClient, path: str, params: dict[str, Any], headers: Headers) -> tuple[float, Any]:
    started = time.perf_counter()
    response = await client.get(path, params=params, headers=headers(), timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} {params} failed: {response.status_code} {response.text[:500]}")
    return elapsed, response.json()


class Target:
    """One database's registry app as served, what is known of its actors, and its latencies."""

    def __init__(self, name: str, client: httpx.AsyncClient, ids_by_country: dict[str, list[str]]) -> None:
        self.name, self.client, self.ids_by_country = name, client, ids_by_country
        self.ids = [i for ids in ids_by_country.values() for i in ids]
        self.rng = random.Random(7)
        self.latencies: dict[str, list[list[float]]] = {}  # kind -> one list per round
        self.hits: list[int] = []
        self.by_query: dict[int, list[float]] = {}
        self.exports: list[float] = []  # actors/s per round
        self.exports_beside_reads: list[float] = []
        self.import_s = float("nan")

    def record(self, kind: str, round_number: int, elapsed: float) -> None:
        rounds = self.latencies.setdefault(kind, [])
        while len(rounds) <= round_number:
            rounds.append([])
        rounds[round_number].append(elapsed)

    async def cycle(self, index: int, headers: Headers, round_number: int | None) -> None:
        """The four reads, one after the other; not recorded when `round_number` is None (warm-up)."""
        country = COUNTRIES[index % len(COUNTRIES)]
        after = self.rng.choice(self.ids_by_country[country][:-20])
        q, filters = QUERIES[index % len(QUERIES)]
        requests = (
            ("list_first", API, {"country": country, "limit": 20}),
            ("list_later", API, {"country": country, "limit": 20, "cursor": encode_cursor({"m": "id", "id": after})}),
            ("search", API, filters | ({"q": q} if q else {}) | {"limit": 20}),
            ("read", f"{API}/{self.rng.choice(self.ids)}", {}),
        )
        for kind, path, params in requests:
            elapsed, body = await timed_get(self.client, path, params, headers)
            if round_number is None:
                continue
            self.record(kind, round_number, elapsed)
            if kind == "search":
                self.hits.append(len(body["items"]))
                self.by_query.setdefault(index % len(QUERIES), []).append(elapsed)
            elif kind == "list_later" and len(body["items"]) != 20:
                raise RuntimeError(f"{self.name}: a page after {after} in {country} has {len(body['items'])} items")

    async def export(self, headers: Headers, round_number: int, *, beside_reads: bool) -> None:
        """A full CSV export streamed to one client; `beside_reads`: while another reads single actors."""
        done = asyncio.Event()

        async def reads() -> None:
            while not done.is_set():
                elapsed, _ = await timed_get(self.client, f"{API}/{self.rng.choice(self.ids)}", {}, headers)
                self.record("read_during_export", round_number, elapsed)

        reader = asyncio.create_task(reads()) if beside_reads else None
        try:
            lines = 0
            started = time.perf_counter()
            async with self.client.stream("GET", API + "/export", params={"format": "csv"}, headers=headers(),
                                          timeout=600) as response:
                if response.status_code != 200:
                    raise RuntimeError(f"export failed: {response.status_code}")
                async for chunk in response.aiter_raw():
                    lines += chunk.count(b"\n")  # no cell the generator writes holds a line break
            elapsed = time.perf_counter() - started
        finally:
            done.set()
            if reader is not None:
                await reader
        if lines - 1 != len(self.ids):
            raise RuntimeError(f"{self.name}: the export has {lines - 1} rows, {len(self.ids)} actors")
        (self.exports_beside_reads if beside_reads else self.exports).append(len(self.ids) / elapsed)
        say(f"{self.name} round {round_number + 1}: export {len(self.ids) / elapsed:,.0f} actors/s"
            + (" beside reads" if beside_reads else ""))

    def summary(self) -> dict[str, Any]:
        result: dict[str, Any] = {"import_per_s": round(len(self.ids) / self.import_s, 1)}
        for kind, rounds in self.latencies.items():
            every = [t for r in rounds for t in r]
            result[f"{kind}_p50_ms"] = round(percentile(every, 50), 2)
            result[f"{kind}_p95_ms"] = round(percentile(every, 95), 2)
            result[f"{kind}_p95_ms_rounds"] = [round(percentile(r, 95), 2) for r in rounds]
        result["export_csv_actors_per_s"] = round(median(self.exports), 1)
        result["export_csv_actors_per_s_rounds"] = [round(x, 1) for x in self.exports]
        result["export_csv_beside_reads_actors_per_s"] = round(median(self.exports_beside_reads), 1)
        return result

    def say_slowest(self) -> None:
        for number, times in sorted(self.by_query.items(), key=lambda item: -percentile(item[1], 95))[:3]:
            say(f"{self.name} slowest search: {QUERIES[number]} p50 {percentile(times, 50):.1f} ms, "
                f"p95 {percentile(times, 95):.1f} ms")


COUNTRIES = list(COUNTRY_WEIGHTS)


async def actor_ids(database: Database) -> dict[str, list[str]]:
    """Every actor's id by country, in listing (id) order."""
    ids: dict[str, list[str]] = {}
    async with database.session() as session:
        for actor_id, country in (await session.exec(select(Actor.id, Actor.country).order_by(Actor.id))).all():
            ids.setdefault(country, []).append(actor_id)
    return ids


@asynccontextmanager
async def registry(name: str, url: str, nats_url: str) -> AsyncIterator[tuple[str, Database]]:
    """The registry app on a migrated `url`, served over TCP: (base URL, its database)."""
    await upgrade(MIGRATIONS, async_database_url(url))
    settings = RegistrySettings(database_url=url, nats_url=nats_url, identity_secret=TEST_IDENTITY_SECRET,
                                run_workers=False, max_body_bytes=256 * 1024 * 1024, log_level="WARNING")  # fmt: skip
    app = create_app(settings)
    async with serving(app) as base:
        say(f"{name}: registry at {base}")
        yield base, app.state.database


async def main(rows: int, chunk: int, queries: int, rounds: int, databases: list[str]) -> None:
    actors = generate(rows)
    say(f"{rows} actors generated")
    headers = Headers()
    result: dict[str, Any] = {"rows": rows}
    async with AsyncExitStack() as stack:
        pg_url = await stack.enter_async_context(postgres_database()) if "postgresql" in databases else None
        if "postgresql" in databases and pg_url is None:
            raise SystemExit("PostgreSQL is not reachable (or leave it out: --databases sqlite)")
        nats = stack.enter_context(nats_server())
        folder = Path(stack.enter_context(TemporaryDirectory(prefix="sihub-bench-registry-")))
        urls = {"sqlite": f"sqlite:///{folder / 'registry.db'}", "postgresql": pg_url}
        targets: list[Target] = []
        for name in databases:
            base, database = await stack.enter_async_context(registry(name, urls[name], nats.url))
            client = await stack.enter_async_context(httpx.AsyncClient(base_url=base))
            say(f"{name}: importing")
            import_s = await import_actors(client, actors, chunk)
            say(f"{name} import: {rows / import_s:,.0f} rows/s")
            if name == "postgresql":
                copied, copy_s = await copy_same_rows(pg_url)
                assert copied == rows, f"{copied} rows stored, {rows} sent"
                say(f"copy: {rows / copy_s:,.0f} rows/s")
                by_table = await copy_into_registry_tables(pg_url)
                floor_s = sum(by_table.values())
                say(f"COPY into copies of the tables the import writes, with their indexes: {floor_s:.2f} s ("
                    + ", ".join(f"{table} {seconds:.2f} s" for table, seconds in by_table.items()) + ")")
                result |= {"import_per_s": round(rows / import_s, 1), "copy_per_s": round(rows / copy_s, 1),
                           "import_vs_copy": round(copy_s / import_s, 4), "floor_s": round(floor_s, 2),
                           "floor_vs_copy": round(copy_s / floor_s, 4),
                           "import_vs_floor": round(floor_s / import_s, 4)}
            target = Target(name, client, await actor_ids(database))
            target.import_s = import_s
            targets.append(target)
        for target in targets:
            for index in range(len(QUERIES)):
                await target.cycle(index, headers, None)
        per_round = max(1, queries // rounds)
        for round_number in range(rounds):
            for target in targets if round_number % 2 == 0 else targets[::-1]:
                for index in range(per_round):
                    await target.cycle(index, headers, round_number)
                await target.export(headers, round_number, beside_reads=False)
                await target.export(headers, round_number, beside_reads=True)
    for target in targets:
        target.say_slowest()
        summary = result[target.name] = target.summary()
        say(f"{target.name}: " + ", ".join(f"{k} {v}" for k, v in summary.items() if not k.endswith("rounds")))
        if target.name == "postgresql":
            result |= {"search_p50_ms": summary["search_p50_ms"], "search_p95_ms": summary["search_p95_ms"],
                       "search_hits_median": median(target.hits)}
    emit(result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=600, help="read cycles per database, over all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    arguments = parser.parse_args()
    quiet_logs()
    install_uvloop()
    asyncio.run(main(arguments.rows, arguments.chunk, arguments.queries, arguments.rounds,
                     arguments.databases.split(",")))
