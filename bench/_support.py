"""Helpers shared by the benchmark scripts (not a benchmark itself).

Every bench prints its progress to stderr and exactly one JSON object as the last line of stdout.
Each one starts its own nats-server on a free port with a temporary store, and its own throwaway
PostgreSQL database (dropped at the end), so it never touches anything that is already running.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import logging
import os
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
_STARTED = time.monotonic()


def say(*parts: object) -> None:
    """Progress on stderr, with the seconds since the bench started."""
    print(f"[{time.monotonic() - _STARTED:6.1f}s]", *parts, file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    """The one JSON object, as the last line of stdout."""
    sys.stdout.flush()
    print(json.dumps(result, sort_keys=False), flush=True)


def save_profile(profiler: cProfile.Profile, name: str, sort: str = "tottime") -> Path:
    """Write bench/results/<name>.pstats (git-ignored) and print its top entries on stderr."""
    out = Path(__file__).with_name("results") / f"{name}.pstats"
    out.parent.mkdir(exist_ok=True)
    profiler.dump_stats(out)
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats(sort).print_stats(25)
    say(f"cProfile -> {out}\n{buffer.getvalue()}")
    return out


def quiet_logs(level: str = "WARNING") -> None:
    """The shared structlog setup, on stderr, so that stdout carries only the result."""
    from sihub_shared.observability import configure_logging

    configure_logging(level, json_logs=False)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # A worker cancelled mid-query at the end of a run makes the pool log a harmless traceback.
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)


def install_uvloop() -> str:
    """Services run under uvicorn with uvloop (`sihub-<name> serve`); the benches do too."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def nats_server(log_name: str = "nats.log") -> Iterator[Any]:
    """Our own nats-server (JetStream, file store in a temp dir) on a free port; never port 4222's."""
    from sihub_shared.natsserver import NatsServer

    with TemporaryDirectory(prefix="sihub-bench-nats-") as tmp:
        server = NatsServer(Path(tmp) / "store", log_file=Path(tmp) / log_name)
        server.start()
        say(f"nats-server on port {server.port} (store {tmp})")
        try:
            yield server
        finally:
            server.stop(kill=True)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str | None]:
    """A throwaway PostgreSQL database (URL) that is dropped at the end; None when unreachable."""
    import asyncpg

    name = f"sihub_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        say(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc!r}")
        yield None
        return
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    say(f"PostgreSQL database {name} created")
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        say(f"PostgreSQL database {name} dropped")


async def prepared_ledger_database(url: str):  # noqa: ANN201 - sihub_shared.db.Database
    """The ledger tables, plus the partial index on unpublished outbox rows that every service's
    first migration creates (ledger.create_tables does not: without it the relay's claim scans)."""
    from sqlalchemy import text

    from sihub_shared.db import Database
    from sihub_shared.settings import async_database_url
    from sihub_shared.testing.ledger import create_tables

    database = Database(async_database_url(url))
    await create_tables(database)
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "CREATE INDEX IF NOT EXISTS ix_outbox_message_unpublished ON outbox_message (position) "
            "WHERE published_at IS NULL"
        ))
    return database


async def view_count(database) -> int:  # noqa: ANN001
    from sqlalchemy import text

    async with database.engine.connect() as connection:
        return (await connection.execute(text("SELECT count(*) FROM test_note_view"))).scalar_one()


def start_consumer_child(nats_url: str, db_path: Path, durable: str, times_out: Path | None = None):  # noqa: ANN201
    """A consuming service in a process of its own (bench/_consumer_child.py)."""
    import subprocess

    args = [sys.executable, str(Path(__file__).with_name("_consumer_child.py")),
            "--nats-url", nats_url, "--db", str(db_path), "--durable", durable]
    if times_out is not None:
        args += ["--times-out", str(times_out)]
    return subprocess.Popen(args, stdout=sys.stderr)


def stop_child(process, timeout_s: float = 20.0) -> int:  # noqa: ANN001
    import signal
    import subprocess

    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


async def wait_for_durable(bus, stream: str, durable: str, timeout_s: float = 20.0) -> None:  # noqa: ANN001
    """Until the consumer child has created its durable on the stream."""
    from nats.js.errors import NotFoundError

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            await bus.jetstream.consumer_info(stream, durable)
            return
        except NotFoundError:
            await asyncio.sleep(0.1)
    raise TimeoutError(f"consumer {durable} did not appear within {timeout_s}s")
