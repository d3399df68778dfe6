"""Writers under load: on SQLite they take turns in the process and, past the bounded wait, are
told to come back (DatabaseBusy: 503 with Retry-After) instead of failing as `database is
locked`; the relay and the consumers keep working through it. The WAL stays bounded."""

from __future__ import annotations

import asyncio
import sqlite3
import struct
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from sihub_shared.db import PAGE_CACHE_KIB, Database, DatabaseBusy
from sihub_shared.events.bus import EventBus
from sihub_shared.events.consumer import ConsumerRunner
from sihub_shared.events.relay import OutboxRelay
from sihub_shared.events.streams import ensure_stream
from sihub_shared.settings import async_database_url
from sihub_shared.testing.ledger import (
    Note,
    create_tables,
    note_subscription,
    unpublished_count,
    view_rows,
    wait_until,
    write_notes,
)

WAIT_S = 0.2


@pytest.fixture
async def database(database_url: str):
    database = Database(async_database_url(database_url), write_wait_s=WAIT_S)
    await create_tables(database)
    yield database
    await database.dispose()


async def hold_write(database: Database, seconds: float, started: asyncio.Event) -> None:
    """A long write transaction, such as a large import's."""
    async with database.session() as session:
        await session.exec(text("UPDATE test_note SET text = text WHERE id = 'none'"))
        started.set()
        await asyncio.sleep(seconds)


async def write_or_busy(database: Database) -> str:
    try:
        await write_notes(database, 1)
    except DatabaseBusy as busy:
        assert busy.status == 503
        assert int(busy.headers["Retry-After"]) >= 1
        return "busy"
    return "written"


async def test_writers_wait_their_turn_and_past_the_bound_are_busy(database, database_url: str):
    started = asyncio.Event()
    holder = asyncio.create_task(hold_write(database, 5 * WAIT_S, started))
    await started.wait()
    # Writers that arrive while the long write holds on: none fails otherwise than DatabaseBusy.
    outcomes = await asyncio.gather(*(write_or_busy(database) for _ in range(8)))
    await holder
    if database.is_sqlite:
        assert outcomes == ["busy"] * 8
    else:
        assert outcomes == ["written"] * 8  # PostgreSQL writers of different rows never wait
    # Writers within the bound all get their turn, one after another. The bound here is one no
    # machine's slowness reaches: what is tested is the turns, not the speed (20 writes queued
    # behind each other within 0.2 s failed on a loaded CI machine).
    patient = Database(async_database_url(database_url), write_wait_s=60)
    try:
        outcomes = await asyncio.gather(*(write_or_busy(patient) for _ in range(20)))
    finally:
        await patient.dispose()
    assert outcomes == ["written"] * 20


async def test_a_write_from_another_process_past_the_bound_is_busy_not_locked(tmp_path: Path):
    """Another process (here a second engine on the same file) holds SQLite's own lock: the
    writer gets DatabaseBusy after the bound, not OperationalError('database is locked')."""
    url = async_database_url(f"sqlite:///{tmp_path / 'shared.db'}")
    ours, theirs = Database(url, write_wait_s=WAIT_S), Database(url, write_wait_s=WAIT_S)
    await create_tables(ours)
    started = asyncio.Event()
    try:
        holder = asyncio.create_task(hold_write(theirs, 5 * WAIT_S, started))
        await started.wait()
        assert await write_or_busy(ours) == "busy"
        await holder
        assert await write_or_busy(ours) == "written"
    finally:
        await ours.dispose()
        await theirs.dispose()


async def test_relay_and_consumer_keep_working_through_busy_spells(database, fresh_nats_server):
    bus = EventBus(fresh_nats_server.url, name="ledger-test")
    bus.start()
    await asyncio.wait_for(bus.wait_connected(), 10)
    await ensure_stream(bus.jetstream, "ledger", duplicate_window_s=120)
    relay = OutboxRelay(database, bus, service="ledger")
    consumer = ConsumerRunner(database, bus, note_subscription(), fetch_timeout_s=0.2)
    workers = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    try:
        written: list[str] = []
        for _ in range(5):  # each batch's mark (relay) and apply (consumer) meet a long write
            written += await write_notes(database, 50)
            started = asyncio.Event()
            holder = asyncio.create_task(hold_write(database, 4 * WAIT_S, started))
            await started.wait()
            await holder
        for _ in range(3):  # and notes written while the others' marks and applies go on
            written += await write_notes(database, 50)

        async def all_applied() -> bool:
            return len(await view_rows(database)) == len(written)

        await wait_until(all_applied)
        assert await unpublished_count(database) == 0
        rows = await view_rows(database)
        assert set(rows) == set(written)
        assert {times for _, times in rows.values()} == {1}
    finally:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await bus.close()


def _wal_frames(db_path: Path) -> tuple[int, int]:
    """(frames in the WAL, frames of it copied into the database), from the wal-index header
    (SQLite file format, "WAL-index format": mxFrame at byte 16, nBackfill at byte 96)."""
    header = (db_path.parent / (db_path.name + "-shm")).read_bytes()[:100]
    (max_frame,) = struct.unpack_from("=I", header, 16)
    (backfilled,) = struct.unpack_from("=I", header, 96)
    return max_frame, backfilled


async def test_relay_checkpoints_the_wal_in_its_idle_time(tmp_path: Path, fresh_nats_server):
    db_path = tmp_path / "wal.db"
    database = Database(async_database_url(f"sqlite:///{db_path}"))
    await create_tables(database)
    bus = EventBus(fresh_nats_server.url, name="ledger-test")
    bus.start()
    await asyncio.wait_for(bus.wait_connected(), 10)
    await ensure_stream(bus.jetstream, "ledger", duplicate_window_s=120)
    relay = OutboxRelay(database, bus, service="ledger", checkpoint_interval_s=0.1)
    worker = asyncio.create_task(relay.run())
    try:
        for _ in range(20):  # small commits: far below SQLite's own autocheckpoint (1000 pages)
            await write_notes(database, 5)

        async def checkpointed() -> bool:
            frames, copied = _wal_frames(db_path)
            return await unpublished_count(database) == 0 and frames > 0 and copied == frames

        await wait_until(checkpointed)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        await bus.close()
        await database.dispose()


async def test_a_clean_stop_leaves_an_empty_wal(tmp_path: Path):
    db_path = tmp_path / "stop.db"
    database = Database(async_database_url(f"sqlite:///{db_path}"))
    await create_tables(database)
    await write_notes(database, 200)
    # A reader of another process (a backup, the sqlite3 shell) keeps its connection open: SQLite
    # then cannot drop the WAL as our last connection closes; the stop must empty it anyway.
    other = sqlite3.connect(db_path)
    try:
        assert other.execute("SELECT count(*) FROM test_note").fetchone() == (200,)
        await database.dispose()
        wal = db_path.parent / (db_path.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        assert other.execute("SELECT count(*) FROM test_note").fetchone() == (200,)
    finally:
        other.close()


async def test_every_pooled_connection_keeps_a_small_page_cache(tmp_path: Path):
    # Many pooled connections each with SQLite's default 2 MiB cache made a service's memory grow
    # with its database (PAGE_CACHE_KIB); connections opened at once get the pragma too.
    database = Database(async_database_url(f"sqlite:///{tmp_path / 'cache.db'}"))

    async def cache_size() -> int:
        async with database.engine.connect() as connection:
            await asyncio.sleep(0.01)  # held together, so the pool opens more than one
            return (await connection.exec_driver_sql("PRAGMA cache_size")).scalar_one()

    try:
        assert await asyncio.gather(*(cache_size() for _ in range(25))) == [-PAGE_CACHE_KIB] * 25
    finally:
        await database.dispose()


async def test_a_writer_cancelled_mid_transaction_gives_up_its_turn(database):
    """A request cancelled while it writes (its client went away) must not keep the lock."""
    started = asyncio.Event()
    holder = asyncio.create_task(hold_write(database, 60, started))
    await started.wait()
    holder.cancel()
    await asyncio.gather(holder, return_exceptions=True)
    assert await write_or_busy(database) == "written"


async def test_relay_empties_a_large_wal_while_readers_keep_reading(tmp_path: Path, fresh_nats_server):
    """Steady reads keep SQLite from restarting the WAL, so PASSIVE checkpoints alone let it grow:
    over `wal_truncate_bytes` the relay truncates it, between the readers' queries."""
    db_path = tmp_path / "big-wal.db"
    database = Database(async_database_url(f"sqlite:///{db_path}"))
    await create_tables(database)
    for _ in range(10):
        await write_notes(database, 50)
    assert database.wal_bytes() > 64 * 1024
    bus = EventBus(fresh_nats_server.url, name="ledger-test")
    bus.start()
    await asyncio.wait_for(bus.wait_connected(), 10)
    await ensure_stream(bus.jetstream, "ledger", duplicate_window_s=120)
    relay = OutboxRelay(database, bus, service="ledger", checkpoint_interval_s=0.1, wal_truncate_bytes=64 * 1024)

    async def keep_reading() -> None:
        while True:
            await unpublished_count(database)

    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(keep_reading())]
    try:
        async def emptied() -> bool:
            return database.wal_bytes() == 0

        await wait_until(emptied)
        assert await unpublished_count(database) == 0
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await bus.close()
        await database.dispose()


async def test_a_read_for_update_holds_the_row_until_the_transaction_ends(database):
    """Two requests read the same row to change it, check what they read and write: the second
    must read what the first wrote (PostgreSQL's row lock; on SQLite the write turn)."""
    async with database.session() as session:
        session.add(Note(id="counter", text="0"))

    async def increment() -> None:
        async with database.session() as session:
            note = (await session.exec(select(Note).where(Note.id == "counter").with_for_update())).one()
            seen = int(note.text)
            await asyncio.sleep(0.05)  # the other request reads meanwhile
            note.text = str(seen + 1)
            session.add(note)

    await asyncio.gather(increment(), increment())
    async with database.session() as session:
        assert (await session.get(Note, "counter")).text == "2"


async def test_a_claim_that_skips_locked_rows_leaves_the_turn_to_writers(database):
    """The outbox relay claims rows with SKIP LOCKED and then publishes them: that claim must not
    hold every other writer of the process through the broker's round trip."""

    async def claim_and_publish_slowly() -> None:
        async with database.session() as session:
            await session.exec(select(Note).with_for_update(skip_locked=True))
            await asyncio.sleep(WAIT_S * 3)

    claiming = asyncio.create_task(claim_and_publish_slowly())
    await asyncio.sleep(0.01)
    assert len(await write_notes(database, 1)) == 1  # not DatabaseBusy after WAIT_S
    await claiming
