"""Event backbone benchmark: raw JetStream publishing vs the outbox relay, and write→apply latency.

    uv run python bench/bench_events.py [--events 20000] [--rounds 3] [--latency-seconds 10] [--profile]

(a) raw nats-py: N CloudEvent payloads (the ledger's NoteWritten: the same bytes the outbox holds)
    published with `publish_async` + `Nats-Msg-Id`, acks awaited per batch of `relay_batch_size`,
    on one JetStream context                                                  → raw_publish_per_s
(b) `OutboxRelay.run()` draining the same N events, written to the outbox through `record()`
    (ledger.write_notes, 1,000 per transaction) on SQLite and on a fresh PostgreSQL database, to
    a fresh stream                                       → relay_per_s_sqlite, relay_per_s_postgres
    and relay_vs_raw_sqlite, relay_vs_raw_postgres (goals: ≥ 0.5 of raw and ≥ 5,000 events/s).
    (a) and (b) run interleaved, `rounds` times each (the machine is shared: interleaving spreads
    its noise over both); the median round of each is reported and every round is listed.
(c) latency at 500 events/s for ~10 s on SQLite, as sihub runs: this process is the producing
    service (a writer commits the notes that are due on a 2 ms tick, one note per commit when it
    keeps up, and `relay.run()` publishes them), the consuming service is another process
    (bench/_consumer_child.py: a ConsumerRunner on its own SQLite file). Latency = handler applied
    − write committed (time.monotonic: one clock machine-wide) → latency_p50_ms, latency_p99_ms
    (goal: p99 ≤ 250 ms).

Each part runs on a stream of its own: the ledger stream is deleted and created afresh for each
round and each latency run (with its own durable). Everything runs on uvloop, as services do,
against our own nats-server on a free port. `--profile` profiles one relay round per database
with cProfile (bench/results/profile_relay_<db>.pstats, git-ignored; top entries on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import sys
import tempfile
import time
from pathlib import Path

from _support import (
    emit,
    install_uvloop,
    median,
    percentile,
    postgres_database,
    prepared_ledger_database,
    quiet_logs,
    save_profile,
    say,
    start_consumer_child,
    stop_child,
    view_count,
    wait_for_durable,
)
from nats.js.errors import NotFoundError
from sqlalchemy import text

from sihub_shared.db import Database
from sihub_shared.events.bus import EventBus
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.events.relay import OutboxRelay
from sihub_shared.events.streams import ensure_stream
from sihub_shared.natsserver import NatsServer
from sihub_shared.settings import ServiceSettings
from sihub_shared.testing.ledger import (
    STREAM,
    NoteWritten,
    unpublished_count,
    write_notes,
)

BATCH = ServiceSettings.model_fields["relay_batch_size"].default  # what services run with (500)
WRITE_BATCH = 1000
LATENCY_RATE_PER_S = 500
LATENCY_TICK_S = 0.002
DRAIN_TIMEOUT_S = 30.0
DRAIN_POLL_S = 0.005


async def fresh_stream(bus: EventBus) -> None:
    """A new, empty ledger stream."""
    js = bus.jetstream
    try:
        await js.delete_stream(STREAM)
    except NotFoundError:
        pass
    await ensure_stream(js, "ledger", duplicate_window_s=600)


async def stream_count(bus: EventBus) -> int:
    return (await bus.jetstream.stream_info(STREAM)).state.messages


def client_subscriptions(bus: EventBus) -> int:
    return len(bus.client._subs) if bus.client is not None else 0  # noqa: SLF001 - a leak check


# (a) ---------------------------------------------------------------------------------------------

def raw_payloads(count: int) -> list[tuple[str, bytes]]:
    payloads = []
    for n in range(count):
        note_id = f"raw-{n:08d}"
        event = CloudEvent.wrap(NoteWritten(note_id=note_id, text=f"note {note_id[:8]}"), subject=note_id)
        payloads.append((event.id, event.to_bytes()))
    return payloads


async def raw_publish(bus: EventBus, payloads: list[tuple[str, bytes]]) -> float:
    await fresh_stream(bus)
    assert bus.client is not None
    js = bus.client.jetstream(publish_async_max_pending=20_000)
    started = time.perf_counter()
    for first in range(0, len(payloads), BATCH):
        acks = [
            await js.publish_async(NoteWritten.subject, body, headers={"Nats-Msg-Id": event_id})
            for event_id, body in payloads[first:first + BATCH]
        ]
        await asyncio.gather(*acks)
    elapsed = time.perf_counter() - started
    stored = await stream_count(bus)
    if stored != len(payloads):
        say(f"(a) WARNING: {stored} stored of {len(payloads)}")
    return len(payloads) / elapsed


# (b) ---------------------------------------------------------------------------------------------

async def fill_outbox(database: Database, count: int, label: str) -> None:
    started = time.perf_counter()
    written = 0
    while written < count:
        written += len(await write_notes(database, min(WRITE_BATCH, count - written)))
    say(f"(b) {label}: {written} events written to the outbox in {time.perf_counter() - started:.1f}s")


async def relay_drain(bus: EventBus, database: Database, count: int, label: str, profile: bool) -> dict[str, float]:
    """Mark every outbox row unpublished again, then time `relay.run()` (what a service runs)
    draining them to a fresh stream: until the stream holds them all and no row is left unmarked
    (watched on the broker first, so that the watching adds no load to the relay's database)."""
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE outbox_message SET published_at = NULL"))
    await fresh_stream(bus)
    relay = OutboxRelay(database, bus, service="ledger", batch_size=BATCH)
    subs_before = client_subscriptions(bus)
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    task = asyncio.create_task(relay.run())
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while await stream_count(bus) < count and time.monotonic() < deadline:
        await asyncio.sleep(DRAIN_POLL_S)
    while await unpublished_count(database) and time.monotonic() < deadline:
        await asyncio.sleep(DRAIN_POLL_S)
    elapsed = time.perf_counter() - started
    if profiler:
        profiler.disable()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    stored, left = await stream_count(bus), await unpublished_count(database)
    if stored != count or left:
        say(f"(b) {label}: WARNING {count} in the outbox, {stored} on the stream, {left} left unpublished")
    if profiler:
        save_profile(profiler, f"profile_relay_{label}")
    return {"rate": (count - left) / elapsed, "subscriptions_added": client_subscriptions(bus) - subs_before}


# (c) ---------------------------------------------------------------------------------------------

async def paced_writer(database: Database, seconds: float, committed: dict[str, float]) -> tuple[float, int]:
    """Commit the notes that are due at LATENCY_RATE_PER_S, checking every LATENCY_TICK_S."""
    total = int(seconds * LATENCY_RATE_PER_S)
    commits = 0
    started = time.monotonic()
    while len(committed) < total:
        due = min(total, int((time.monotonic() - started) * LATENCY_RATE_PER_S) + 1) - len(committed)
        if due > 0:
            ids = await write_notes(database, due)
            now = time.monotonic()
            for note_id in ids:
                committed[note_id] = now
            commits += 1
        await asyncio.sleep(LATENCY_TICK_S)
    return time.monotonic() - started, commits


def summarise(label: str, committed: dict[str, float], applied: dict[str, float],
              write_s: float, commits: int) -> dict[str, float]:
    latencies = [(applied[i] - committed[i]) * 1000 for i in committed if i in applied]
    result = {
        "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
        "max": max(latencies) if latencies else float("nan"),
        "events": len(latencies), "written": len(committed), "rate": len(committed) / write_s,
    }
    say(f"(c) {label}: wrote {len(committed)} in {write_s:.1f}s ({result['rate']:,.0f}/s, {commits} commits); "
        f"applied {len(latencies)}: p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, "
        f"max {result['max']:.1f} ms")
    return result


async def latency_two_processes(bus: EventBus, server: NatsServer, tmp: Path, seconds: float) -> dict[str, float]:
    await fresh_stream(bus)
    producer = await prepared_ledger_database(f"sqlite:///{tmp}/latency-producer.db")
    consumer_db_path, times_path = tmp / "latency-consumer.db", tmp / "latency-applied.json"
    consumer_db = await prepared_ledger_database(f"sqlite:///{consumer_db_path}")
    child = start_consumer_child(server.url, consumer_db_path, "bench-latency", times_path)
    relay = OutboxRelay(producer, bus, service="ledger", batch_size=BATCH)
    relay_task = asyncio.create_task(relay.run())
    committed: dict[str, float] = {}
    say(f"(c) two processes: {int(seconds * LATENCY_RATE_PER_S)} events at {LATENCY_RATE_PER_S}/s; "
        "writer + relay here, consumer in its own process and SQLite file")
    try:
        await wait_for_durable(bus, STREAM, "bench-latency")
        write_s, commits = await paced_writer(producer, seconds, committed)
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while await view_count(consumer_db) < len(committed) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        stop_child(child)
        relay_task.cancel()
        await asyncio.gather(relay_task, return_exceptions=True)
        await producer.dispose()
        await consumer_db.dispose()
    applied = json.loads(times_path.read_text()) if times_path.exists() else {}
    return summarise("two processes", committed, applied, write_s, commits)


async def main(args: argparse.Namespace, loop_name: str) -> dict[str, object]:
    quiet_logs()
    count = args.events
    with tempfile.TemporaryDirectory(prefix="sihub-bench-events-") as tmp_name:
        tmp = Path(tmp_name)
        server = NatsServer(tmp / "nats", log_file=tmp / "nats.log")
        server.start()
        say(f"nats-server on port {server.port}")
        bus = EventBus(server.url, name="bench-events")
        bus.start()
        try:
            await asyncio.wait_for(bus.wait_connected(), 10)
            payloads = raw_payloads(count)
            say(f"{count} events of {len(payloads[0][1])} bytes, batches of {BATCH}, {args.rounds} rounds")
            sqlite = await prepared_ledger_database(f"sqlite:///{tmp}/relay.db")
            await fill_outbox(sqlite, count, "sqlite")
            async with postgres_database() as pg_url:
                postgres = await prepared_ledger_database(pg_url) if pg_url else None
                if postgres:
                    await fill_outbox(postgres, count, "postgres")
                runs: dict[str, list[float]] = {"raw": [], "sqlite": [], "postgres": []}
                leaks: list[int] = []
                for round_ in range(args.rounds):
                    runs["raw"].append(await raw_publish(bus, payloads))
                    for label, database in (("sqlite", sqlite), ("postgres", postgres)):
                        if database is None:
                            continue
                        drained = await relay_drain(bus, database, count, label, args.profile and round_ == 0)
                        runs[label].append(drained["rate"])
                        leaks.append(drained["subscriptions_added"])
                    say(f"round {round_ + 1}: raw {runs['raw'][-1]:,.0f}/s, relay sqlite "
                        f"{runs['sqlite'][-1]:,.0f}/s"
                        + (f", relay postgres {runs['postgres'][-1]:,.0f}/s" if postgres else "")
                        + f"; client subscriptions added by the relay rounds: {leaks[-2:]}")
                await sqlite.dispose()
                if postgres:
                    await postgres.dispose()
            lat = await latency_two_processes(bus, server, tmp, args.latency_seconds)
        finally:
            await bus.close()
            server.stop(kill=True)

    def r(value: float | None, digits: int = 0) -> float | None:
        if value is None or value != value:  # noqa: PLR0124 - NaN
            return None
        return round(value, digits) if digits else round(value)

    raw, relay_sqlite = median(runs["raw"]), median(runs["sqlite"])
    relay_postgres = median(runs["postgres"]) if runs["postgres"] else None
    return {
        "bench": "events",
        "events": count,
        "batch_size": BATCH,
        "rounds": args.rounds,
        "loop": loop_name,
        "raw_publish_per_s": r(raw),
        "relay_per_s_sqlite": r(relay_sqlite),
        "relay_per_s_postgres": r(relay_postgres),
        "relay_vs_raw_sqlite": r(relay_sqlite / raw, 3),
        "relay_vs_raw_postgres": r(relay_postgres / raw, 3) if relay_postgres else None,
        "rounds_per_s": {k: [round(v) for v in vs] for k, vs in runs.items()},
        "relay_subscriptions_added": max(leaks) if leaks else None,
        "latency_rate_per_s": r(lat["rate"]),
        "latency_p50_ms": r(lat["p50"], 2),
        "latency_p99_ms": r(lat["p99"], 2),
        "latency_max_ms": r(lat["max"], 2),
        "latency_events": lat["events"],
        "goals": {"relay_vs_raw": 0.5, "relay_per_s": 5000, "latency_p99_ms": 250},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-seconds", type=float, default=10.0)
    parser.add_argument("--profile", action="store_true", help="cProfile the first relay round per database")
    arguments = parser.parse_args()
    loop = install_uvloop()
    emit(asyncio.run(main(arguments, loop)))
    sys.exit(0)
