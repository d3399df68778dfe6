"""Load soak of the embedded stack: the stack as `make run` starts it (nats-server, every service
on SQLite, the gateway, the demo data), fresh in a temporary folder on free ports, under 8 clients
for `--minutes` (default 10):

    uv run python bench/bench_load.py [--minutes 10] [--clients 8]

Clients: 4 with partner keys and 4 with hub-operator keys, each sending one request after the
other, drawn as 55% reads (a 20-row actor page, a text search, one actor), 30% writes (create an
actor; change one of its own with If-Match), 9% bulk (a 200-row actor import, or an indicator
ingest for the hub operators), 5% full CSV exports of every actor. Every request goes through the
gateway with httpx (the mix has bodies and ETags; load is a few dozen requests a second, so the
client's CPU is not the limit, unlike bench_gateway's).

Sampled each second: the size of every `*.db-wal`, and each service's RSS (/proc). After the run the
stack is stopped cleanly and the WAL files left are said on stderr.

Last line of stdout, one JSON object:
    requests, five_xx (goal 0), rps_first_minute, rps_last_minute, p99_ms per operation kind,
    p50_ms_first_minute and p50_ms_last_minute per kind (which ones slow down as the data grows),
    rss_growth_pct per process from minute 2 to the end (goal ≤ 10): the median RSS of the last
    minute against the median of minute 2 (on runs shorter than 4 minutes: the last quarter
    against the third), with those medians in MB as rss_mb {start, end}; wal_max_mb,
    export_actors_per_s (actors in full exports / their seconds from the request to the last byte
    at the client, goal ≥ 20,000).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import random
import time
from collections import defaultdict
from pathlib import Path
from statistics import median
from tempfile import TemporaryDirectory
from typing import Any

import httpx
from _support import emit, percentile, say
from bench_registry import generate

from sihub_devstack.stack import DEFAULT_SERVICES, Ports, Stack
from sihub_shared.natsserver import free_port

READ, WRITE, BULK, EXPORT = "read", "write", "bulk", "export"
MIX = [(READ, 55), (WRITE, 30), (BULK, 9), (EXPORT, 5)]
ACTORS = "/api/v1/registry/actors"
SEARCHES = ["나눔", "みらい", "公益", "ชุมชน", "care", "foundation", "mirai"]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Results:
    def __init__(self) -> None:
        self.timed: list[tuple[float, str, float]] = []  # (done at, kind, ms) of every answer
        self.statuses: dict[int, int] = defaultdict(int)
        self.exported = [0, 0.0]  # actors, seconds


class Client:
    def __init__(self, http: httpx.AsyncClient, key: str, role: str, number: int, results: Results,
                 indicator: dict[str, Any] | None) -> None:
        self.http, self.role, self.results, self.indicator = http, role, results, indicator
        self.headers = {"Authorization": f"Bearer {key}"}
        self.rng = random.Random(number)
        self.mine: list[str] = []
        self.number = number
        self.serial = 0

    async def call(self, kind: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        headers = self.headers | kwargs.pop("headers", {})
        started = time.perf_counter()
        try:
            response = await self.http.request(method, path, headers=headers, timeout=120, **kwargs)
            await response.aread()
        except httpx.HTTPError as exc:
            say(f"client {self.number}: {method} {path}: {exc!r}")
            self.results.statuses[599] += 1
            return None
        self.results.timed.append((time.monotonic(), kind, (time.perf_counter() - started) * 1000))
        self.results.statuses[response.status_code] += 1
        if response.status_code >= 500:
            say(f"client {self.number}: {method} {path}: {response.status_code} {response.text[:200]}")
        return response

    def _actor(self) -> dict[str, Any]:
        self.serial += 1
        actor = generate(1, seed=self.number * 1_000_003 + self.serial)[0]
        actor["ref"] = f"load-{self.number}-{self.serial}"
        actor["names"][0]["value"] += f" {self.number}-{self.serial}"
        return actor

    async def read(self) -> None:
        choice = self.rng.random()
        if choice < 0.4:
            await self.call(READ, "GET", ACTORS, params={"limit": 20, "country": self.rng.choice("KR JP CN TH".split())})
        elif choice < 0.7:
            await self.call(READ, "GET", ACTORS, params={"limit": 20, "q": self.rng.choice(SEARCHES)})
        elif self.mine:
            await self.call(READ, "GET", f"{ACTORS}/{self.rng.choice(self.mine)}")
        else:
            await self.call(READ, "GET", ACTORS, params={"limit": 20})

    async def write(self) -> None:
        if self.mine and self.rng.random() < 0.3:
            actor_id = self.rng.choice(self.mine)
            read = await self.call(READ, "GET", f"{ACTORS}/{actor_id}")
            if read is not None and read.status_code == 200:
                await self.call(WRITE, "PATCH", f"{ACTORS}/{actor_id}", json={"founded_year": self.rng.randint(1990, 2024)},
                                headers={"If-Match": read.headers["ETag"]})
            return
        response = await self.call(WRITE, "POST", ACTORS, json=self._actor())
        if response is not None and response.status_code == 201:
            self.mine.append(response.json()["id"])

    async def bulk(self) -> None:
        if self.role == "hub_operator" and self.indicator is not None:
            code, regions = self.indicator["code"], self.indicator["regions"]
            year = self.rng.randint(1990, 2024)
            rows = "".join(f"{code},{region},{year},{self.rng.uniform(1, 50):.2f}\n" for region in regions)
            await self.call(BULK, "POST", "/api/v1/indicators/observations/ingest",
                            content=("indicator,geography,period,value\n" + rows).encode(),
                            headers={"Content-Type": "text/csv"})
            return
        actors = [self._actor() for _ in range(200)]
        await self.call(BULK, "POST", f"{ACTORS}/import", content=json.dumps(actors, ensure_ascii=False).encode(),
                        headers={"Content-Type": "application/json"})

    async def export(self) -> None:
        started = time.perf_counter()
        response = await self.call(EXPORT, "GET", f"{ACTORS}/export", params={"format": "csv"})
        # The export's time ends with its last byte, as its latency does; counting the rows is the
        # client's own work.
        elapsed = time.perf_counter() - started
        if response is not None and response.status_code == 200:
            self.results.exported[0] += sum(1 for _ in csv.reader(io.StringIO(response.text))) - 1
            self.results.exported[1] += elapsed

    async def run(self, until: float) -> None:
        kinds, weights = [k for k, _ in MIX], [w for _, w in MIX]
        actions = {READ: self.read, WRITE: self.write, BULK: self.bulk, EXPORT: self.export}
        while time.monotonic() < until:
            await actions[self.rng.choices(kinds, weights)[0]]()


async def keys(http: httpx.AsyncClient, admin_key: str) -> list[tuple[str, str]]:
    admin = {"Authorization": f"Bearer {admin_key}"}
    made = []
    for number in range(8):
        role = "partner" if number < 4 else "hub_operator"
        account = await http.post("/api/v1/gateway/accounts", headers=admin,
                                  json={"name": f"Load client {number}", "roles": [role]})
        account.raise_for_status()
        key = await http.post(f"/api/v1/gateway/accounts/{account.json()['id']}/keys", headers=admin,
                              json={"label": "bench-load"})
        key.raise_for_status()
        made.append((key.json()["key"], role))
    return made


async def an_indicator(http: httpx.AsyncClient, admin_key: str) -> dict[str, Any] | None:
    listed = await http.get("/api/v1/indicators/indicators", params={"limit": 1},
                            headers={"Authorization": f"Bearer {admin_key}"})
    if listed.status_code != 200 or not listed.json()["items"]:
        return None
    return {"code": listed.json()["items"][0]["code"], "regions": ["KR-11", "KR-26", "KR-42"]}


async def sample(stack: Stack, until: float, baseline_at: float) -> tuple[float, dict[str, Any]]:
    """(largest WAL seen in MB, RSS per process: the median MB of the window from `baseline_at`
    and of the window that ends the run, and the growth % between them). Medians, because a
    full export or an import in flight moves one sample by tens of MB: one sample against one
    sample read 10.2 to 44.9% for the same code in the same hour (bench/README, session 15)."""
    window = min(60.0, (until - baseline_at) / 2)
    wal_max = 0
    samples: dict[str, list[tuple[float, int]]] = defaultdict(list)
    while time.monotonic() < until:
        wal_max = max([wal_max] + [p.stat().st_size for p in stack.var.glob("*.db-wal") if p.exists()])
        now = time.monotonic()
        for name, process in stack.processes:
            samples[name].append((now, rss_kb(process.pid)))
        await asyncio.sleep(1)
    rss: dict[str, Any] = {}
    for name, taken in samples.items():
        start = [kb for at, kb in taken if baseline_at <= at < baseline_at + window]
        end = [kb for at, kb in taken if at >= until - window]
        if start and end and median(start):
            first, last = median(start) / 1024, median(end) / 1024
            rss[name] = {"start_mb": round(first, 1), "end_mb": round(last, 1),
                         "growth_pct": round(100 * (last - first) / first, 1)}
    return wal_max / 1e6, rss


async def soak(stack: Stack, minutes: float, clients: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, limits=httpx.Limits(max_connections=clients * 2)) as http:
        admin_key = stack.admin_key_file.read_text().strip()
        made = await keys(http, admin_key)
        indicator = await an_indicator(http, admin_key)
        results = Results()
        started = time.monotonic()
        until = started + minutes * 60
        baseline_at = started + (120 if minutes >= 4 else minutes * 30)
        runners = [Client(http, *made[n % len(made)], n, results, indicator) for n in range(clients)]
        say(f"{clients} clients for {minutes} min")
        sampled, *_ = await asyncio.gather(sample(stack, until, baseline_at), *(c.run(until) for c in runners))
    wal_max_mb, rss = sampled
    done_at = [at for at, _, _ in results.timed]
    elapsed = max(done_at) - started if done_at else 0.0
    first = sum(1 for t in done_at if t - started < 60)
    last = sum(1 for t in done_at if t >= started + elapsed - 60)

    def by_kind(rank: float, keep: Any = lambda at: True) -> dict[str, float]:
        """The `rank` percentile of each kind's latencies, of the answers done at a time `keep` keeps."""
        kinds: dict[str, list[float]] = defaultdict(list)
        for at, kind, ms in results.timed:
            if keep(at):
                kinds[kind].append(ms)
        return {kind: round(percentile(values, rank), 1) for kind, values in sorted(kinds.items())}

    say(f"statuses: {dict(sorted(results.statuses.items()))}")
    return {
        "requests": sum(results.statuses.values()),
        "five_xx": sum(count for status, count in results.statuses.items() if status >= 500),
        "rps_first_minute": round(first / min(60.0, elapsed or 1), 2),
        "rps_last_minute": round(last / min(60.0, elapsed or 1), 2),
        "p99_ms": by_kind(99),
        # Which kinds slow down as the data grows (a full export grows with every actor added).
        "p50_ms_first_minute": by_kind(50, lambda at: at - started < 60),
        "p50_ms_last_minute": by_kind(50, lambda at: at >= started + elapsed - 60),
        "rss_growth_pct": {name: values["growth_pct"] for name, values in rss.items()},
        "rss_mb": {name: {"start": values["start_mb"], "end": values["end_mb"]} for name, values in rss.items()},
        "wal_max_mb": round(wal_max_mb, 1),
        "export_actors_per_s": round(results.exported[0] / results.exported[1]) if results.exported[1] else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    arguments = parser.parse_args()
    with TemporaryDirectory(prefix="sihub-bench-load-") as tmp:
        # Every port free, so that a soak runs beside `make run` or another soak.
        ports = Ports(gateway=free_port(), nats=free_port(),
                      services={spec.name: free_port() for spec in DEFAULT_SERVICES})
        stack = Stack(Path(tmp) / "var", ports, echo=say)
        try:
            stack.start()
            stack.load_demo()
            result = asyncio.run(soak(stack, arguments.minutes, arguments.clients))
        finally:
            stack.stop()
        left = {p.name: p.stat().st_size for p in stack.var.glob("*.db-wal")}
        say(f"WAL files after a clean stop (bytes): {left or 'none'}")
    emit(result)


if __name__ == "__main__":
    main()
