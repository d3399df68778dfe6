"""Indicators benchmark: a 1,000,000-row ingest through the service's ingest path against raw COPY
of the same rows, and a full recompute of 250 regions × 50 indicators × 20 years.

    uv run python bench/bench_indicators.py [--profile]

On a throwaway PostgreSQL database (dropped at the end):
(a) catalogue: 50 indicators in 10 themes;
(b) ingest: one CSV file of 1,000 ISO 3166-2 regions × 50 indicators × 20 years (1,000,000 rows)
    through `IngestService.ingest`, as the API and the CLI call it: read, validate every row,
    stage with COPY, merge into `observation`, log the ingest, record its event and recompute the
    indices of every comparison set it touched — one transaction, committed
                                                                → ingest_s, ingest_per_s;
(c) raw COPY of the same file into a bare table (the same four columns, no index, no checks):
    PostgreSQL parsing the CSV itself                           → copy_per_s, ingest_vs_copy;
(c') the floor of any ingest into `observation`: the rows the ingest stored (every column, in key
    order) COPYed into an empty copy of `observation` with its primary key and both indexes: the
    write alone, with no parsing, checks, merge or recompute     → floor_s, floor_vs_copy (the
    highest ingest_vs_copy this table allows), ingest_vs_floor; measured as a COPY into a copy
    with no index, then with each index added in turn, the last being the floor → floor_s_by_index;
(d) recompute, after a VACUUM ANALYZE (what autovacuum does soon after a large write): the stored
    results of regions:GB-ENG (152 regions), regions:TR (81) and regions:KR (17) — 250 regions,
    250,000 observations — are dropped and `IndexService.recompute` computes,
    stores and records them again (indices, trends, severities, rank robustness, events),
    committed                                                   → recompute_s;
    then once more with nothing changed (it compares and writes nothing) → recompute_unchanged_s.
Goals: ingest ≤ 30 s and ≥ 10% of COPY; recompute ≤ 2 s. The last line of stdout is the JSON.
`--profile` writes bench/results/profile_indicators_ingest.pstats (git-ignored) and prints its top
entries on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import io
import os
import re
import tempfile
import time
from pathlib import Path

import numpy as np
from _support import emit, install_uvloop, postgres_database, quiet_logs, save_profile, say

INDICATORS, THEMES, YEARS = 50, 10, tuple(range(2004, 2024))
RECOMPUTED_SETS = ("regions:GB-ENG", "regions:TR", "regions:KR")  # 152 + 81 + 17 = 250 regions
REGIONS = 1_000


def regions() -> list[str]:
    """The 250 regions of RECOMPUTED_SETS, then regions of the largest other sets up to REGIONS."""
    import pycountry
    from sihub_indicators.geography import resolve

    by_set: dict[str, list[str]] = {}
    for subdivision in pycountry.subdivisions:
        place = resolve(subdivision.code)
        by_set.setdefault(place.comparison_set, []).append(place.code)
    chosen = [code for name in RECOMPUTED_SETS for code in sorted(by_set[name])]
    assert len(chosen) == 250, len(chosen)
    others = sorted((name for name in by_set if name not in RECOMPUTED_SETS), key=lambda n: (-len(by_set[n]), n))
    for name in others:
        chosen += sorted(by_set[name])[: REGIONS - len(chosen)]
        if len(chosen) == REGIONS:
            return chosen
    raise RuntimeError("ISO 3166-2 has too few regions")


def write_csv(path: Path, geographies: list[str]) -> int:
    rng = np.random.default_rng(2026)
    rows = 0
    with path.open("w") as handle:
        handle.write("indicator,geography,period,value\n")
        for geography in geographies:
            values = rng.lognormal(mean=2.0, sigma=0.6, size=(INDICATORS, len(YEARS)))
            lines = [
                f"ind_{i:02d},{geography},{year},{values[i, t]:.4f}\n"
                for i in range(INDICATORS) for t, year in enumerate(YEARS)
            ]
            handle.writelines(lines)
            rows += len(lines)
    return rows


async def add_catalogue(database) -> None:  # noqa: ANN001 - sihub_shared.db.Database
    from sihub_indicators.catalogue.models import Indicator
    from sihub_indicators.themes import THEMES as THEME_CODES

    themes = list(THEME_CODES)[:THEMES]
    async with database.session() as session:
        for i in range(INDICATORS):
            session.add(Indicator(
                code=f"ind_{i:02d}", names={"en": f"Indicator {i}"}, theme=themes[i % THEMES], unit="number",
                direction="lower_is_better" if i % 3 == 0 else "higher_is_better",
                source={"publisher": "sihub benchmark"},
            ))


async def ingest(database, path: Path, profile: bool) -> tuple[float, dict]:  # noqa: ANN001
    from sihub_indicators.observations.formats import IngestFormat
    from sihub_indicators.observations.service import IngestFile, IngestService
    from sihub_indicators.settings import IndicatorsSettings
    from sihub_shared.identity import Identity, Role

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    defaults = {name: field.default for name, field in IndicatorsSettings.model_fields.items()}
    identity = Identity(account_id="bench", organisation="sihub benchmark", roles=frozenset({Role.admin}))
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    with path.open("rb") as handle:
        async with database.session() as session:
            report = await IngestService(
                session, chunk_rows=defaults["ingest_chunk_rows"], max_errors=defaults["max_reported_errors"]
            ).ingest(identity, IngestFile(file=handle, format=IngestFormat.CSV, sha256=digest, filename=path.name))
    elapsed = time.perf_counter() - started
    if profiler:
        profiler.disable()
        save_profile(profiler, "profile_indicators_ingest", sort="cumulative")
    return elapsed, report.model_dump(include={"rows", "inserted", "revised", "unchanged"})


async def raw_copy(url: str, path: Path) -> float:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "CREATE TABLE bench_copy (indicator_code varchar(80), geography varchar(12), period varchar(7), "
            "value double precision)"
        )
        started = time.perf_counter()
        async with connection.transaction():
            await connection.copy_to_table(
                "bench_copy", source=str(path), columns=["indicator_code", "geography", "period", "value"],
                format="csv", header=True,
            )
        elapsed = time.perf_counter() - started
        count = await connection.fetchval("SELECT count(*) FROM bench_copy")
        assert count > 0
        return elapsed
    finally:
        await connection.close()


async def copy_into_observation(url: str) -> tuple[float, dict[str, float]]:
    """Seconds to COPY the stored observations, in key order as the ingest's merge inserts them,
    into an empty copy of `observation` with all its indexes (the floor); and what each index adds:
    the same COPY into a copy with no index, then with the indexes added one at a time (primary
    key first), the last of which is the floor."""
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        rows = io.BytesIO()
        await connection.copy_from_query(
            "SELECT * FROM observation ORDER BY indicator_code, geography, period, revision", output=rows)
        expected = await connection.fetchval("SELECT count(*) FROM observation")
        indexes = await connection.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = 'observation' ORDER BY indexname <> 'observation_pkey', indexname")

        async def timed_copy(create: list[str]) -> float:
            for statement in create:
                await connection.execute(statement)
            rows.seek(0)
            started = time.perf_counter()
            async with connection.transaction():
                await connection.copy_to_table("observation_floor", source=rows)
            elapsed = time.perf_counter() - started
            assert await connection.fetchval("SELECT count(*) FROM observation_floor") == expected
            await connection.execute("DROP TABLE observation_floor")
            return elapsed

        created = ["CREATE TABLE observation_floor (LIKE observation INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"]
        by_index = {"no index": await timed_copy(created)}
        for index in indexes:
            definition = index["indexdef"].replace(index["indexname"], index["indexname"] + "_floor", 1)
            created.append(re.sub(r" ON \S+ USING ", " ON observation_floor USING ", definition, count=1))
            by_index[f"+{index['indexname']}"] = await timed_copy(created)
        return by_index[f"+{indexes[-1]['indexname']}"], by_index
    finally:
        await connection.close()


async def vacuum_analyse(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def recompute(database, drop_results: bool) -> tuple[float, list]:  # noqa: ANN001
    from sihub_indicators.indices.service import IndexService
    from sqlalchemy import bindparam, text

    sets = [(name, "annual") for name in RECOMPUTED_SETS]
    if drop_results:
        async with database.session() as session:
            for table in ("theme_index", "severity", "index_set"):
                delete = text(f"DELETE FROM {table} WHERE comparison_set IN :sets")
                await session.exec(delete.bindparams(bindparam("sets", expanding=True)),
                                   params={"sets": list(RECOMPUTED_SETS)})
    started = time.perf_counter()
    async with database.session() as session:
        summaries = await IndexService(session).recompute(sets, cause="benchmark")
    return time.perf_counter() - started, summaries


async def main(profile: bool) -> None:
    import sihub_indicators
    from sihub_shared.db import Database
    from sihub_shared.migrations import upgrade
    from sihub_shared.settings import async_database_url

    migrations = Path(sihub_indicators.__file__).parent / "migrations"
    async with postgres_database() as url:
        if url is None:
            raise SystemExit("bench-indicators needs PostgreSQL (BENCH_POSTGRES_URL or 127.0.0.1:5432)")
        await upgrade(migrations, url)
        database = Database(async_database_url(url))
        try:
            with tempfile.TemporaryDirectory(prefix="sihub-bench-indicators-") as tmp:
                path = Path(tmp) / "observations.csv"
                rows = write_csv(path, regions())
                say(f"{rows:,} rows written to {path} ({path.stat().st_size / 1e6:.1f} MB)")
                await add_catalogue(database)

                ingest_s, report = await ingest(database, path, profile)
                say(f"ingest: {ingest_s:.2f} s, {report}")
                assert report["inserted"] == rows, report
                copy_s = await raw_copy(url, path)
                say(f"raw COPY: {copy_s:.2f} s")
                floor_s, floor_by_index = await copy_into_observation(url)
                say(f"COPY into a copy of observation with its indexes: {floor_s:.2f} s; "
                    "with none, then adding them one by one: "
                    + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in floor_by_index.items()))

            # What autovacuum does soon after a large write, done now so that the recompute below
            # does not pay for the ingest's hint bits and missing statistics.
            await vacuum_analyse(url)
            recompute_s, summaries = await recompute(database, drop_results=True)
            say(f"recompute: {recompute_s:.3f} s: " + "; ".join(
                f"{s.comparison_set} {s.geographies}×{s.indicators}×{s.periods} in {s.seconds:.3f} s, "
                f"{s.theme_indices} indices, {s.severity_changes} severity events" for s in summaries))
            assert sum(s.geographies for s in summaries) == 250 and all(s.severity_changes for s in summaries)
            unchanged_s, again = await recompute(database, drop_results=False)
            assert not any(s.severity_changes for s in again)
            say(f"recompute with nothing changed: {unchanged_s:.3f} s")
        finally:
            await database.dispose()
    emit({
        "rows": rows,
        "ingest_s": round(ingest_s, 2),
        "ingest_per_s": round(rows / ingest_s),
        "copy_s": round(copy_s, 2),
        "copy_per_s": round(rows / copy_s),
        "ingest_vs_copy": round(copy_s / ingest_s, 3),
        "floor_s": round(floor_s, 2),
        "floor_vs_copy": round(copy_s / floor_s, 3),
        "ingest_vs_floor": round(floor_s / ingest_s, 3),
        "floor_s_by_index": {name: round(seconds, 2) for name, seconds in floor_by_index.items()},
        "recompute_s": round(recompute_s, 3),
        "recompute_unchanged_s": round(unchanged_s, 3),
        "recompute_observations": sum(s.geographies * s.indicators * s.periods for s in summaries),
        "load_average_1m": round(os.getloadavg()[0], 2),  # the machine is shared: read numbers with it
    })


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", action="store_true", help="profile the ingest with cProfile")
    arguments = parser.parse_args()
    quiet_logs()
    install_uvloop()
    asyncio.run(main(arguments.profile))
