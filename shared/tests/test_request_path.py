"""The cheaper request path keeps its meaning: a remembered identity token still expires, the
SQLite connection's skipped trips never skip a commit or a rollback that has work to do, and a read
run on the event loop's thread is a short one outside any transaction."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path

import pytest
from sqlalchemy import (JSON, BigInteger, Boolean, Column, Float, LargeBinary, MetaData, String, Table, Uuid, event, func,
                        select, text)
from sqlalchemy.exc import OperationalError

from sihub_shared import identity as identity_module
from sihub_shared.db import Database, insert_rows, rows_at_once
from sihub_shared.errors import Unauthorized
from sihub_shared.identity import Identity, Role, sign_identity, verify_identity
from sihub_shared.settings import async_database_url
from sihub_shared.timestamps import UTCDateTime

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def test_a_remembered_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    caller = Identity(account_id="acc", organisation="Org", roles=frozenset({Role.partner}))
    token = sign_identity(caller, SECRET, ttl_s=60)
    assert verify_identity(token, SECRET) == caller
    assert verify_identity(token, SECRET) == caller  # from memory
    later = time.time() + 61
    monkeypatch.setattr(identity_module.time, "time", lambda: later)
    with pytest.raises(Unauthorized):
        verify_identity(token, SECRET)
    with pytest.raises(Unauthorized):
        verify_identity(token, "another-secret-that-is-long-enough-for-hs256")


@pytest.fixture
async def database(tmp_path: Path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/path.db")
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)"))
    yield database
    await database.dispose()


async def names(database: Database) -> list[str]:
    async with database.session() as session:
        return list((await session.exec(text("SELECT name FROM item ORDER BY id"))).scalars())


async def test_sqlite_writes_commit_roll_back_and_read_as_before(database: Database) -> None:
    async with database.session() as session:
        await session.exec(text("INSERT INTO item (name) VALUES ('kept')"))
        # A read after a write in the same transaction sees it (rows and a cursor per statement).
        assert (await session.exec(text("SELECT count(*) FROM item"))).scalar_one() == 1
    with pytest.raises(RuntimeError):
        async with database.session() as session:
            await session.exec(text("INSERT INTO item (name) VALUES ('dropped')"))
            raise RuntimeError("after a write: the rollback must reach SQLite")
    async with database.engine.connect() as connection:
        # Left open by the pool's reset if its rollback were skipped: the next writer would wait.
        await connection.execute(text("INSERT INTO item (name) VALUES ('uncommitted')"))
    assert await names(database) == ["kept"]
    result = None
    async with database.session() as session:
        result = await session.exec(text("UPDATE item SET name = 'renamed' WHERE name = 'kept'"))
    assert result.rowcount == 1
    assert await names(database) == ["renamed"]


@pytest.mark.parametrize("count", [0, 1, 255, 256, 257, 1000])
async def test_sqlite_reads_hand_over_every_row_whole_or_streamed(database: Database, count: int) -> None:
    # Around the 256 rows the statement's own trip reads: all fitted, exactly full, one more.
    if count:
        async with database.session() as session:
            await session.exec(text("INSERT INTO item (name) VALUES (:name)"), params=[{"name": f"n{i}"} for i in range(count)])
    expected = [f"n{i}" for i in range(count)]
    assert await names(database) == expected
    async with database.engine.connect() as connection:
        streamed = await connection.stream(text("SELECT name FROM item ORDER BY id"))
        assert [name async for name in streamed.scalars()] == expected
        # Partitions of a server-side cursor (how exports read) neither skip nor repeat rows.
        streamed = await connection.stream(text("SELECT name FROM item ORDER BY id"))
        parts = [list(part) async for part in streamed.scalars().partitions(100)]
        assert [name for part in parts for name in part] == expected
        assert all(len(part) <= 100 for part in parts)
        assert (await connection.execute(text("SELECT name FROM item ORDER BY id LIMIT 1"))).scalar() == (
            expected[0] if expected else None)


async def test_sqlite_insert_returning_hands_back_its_rows(database: Database) -> None:
    async with database.session() as session:
        result = await session.exec(text("INSERT INTO item (name) VALUES ('a'), ('b') RETURNING id, name"))
        assert [tuple(row) for row in result] == [(1, "a"), (2, "b")]
    assert await names(database) == ["a", "b"]


# The threads `note_thread()` ran on.
noted: set[str] = set()


@pytest.fixture
async def database_naming_threads(database: Database):
    """SQL's `thread_name()` names the thread a statement runs on."""
    @event.listens_for(database.engine.sync_engine, "connect")
    def add_thread_name(dbapi_connection, _record) -> None:
        dbapi_connection.create_function("thread_name", 0, lambda: threading.current_thread().name)
        dbapi_connection.create_function("note_thread", 1, lambda _: noted.add(threading.current_thread().name) or 1)

    await database.engine.dispose()  # the fixture's connection was made before the function
    return database


async def test_a_short_read_runs_on_the_event_loop_thread_and_a_long_one_on_the_connection_s(
    database_naming_threads: Database,
) -> None:
    loop_thread = threading.current_thread().name
    async with database_naming_threads.session() as session:
        assert (await session.exec(text("SELECT thread_name()"))).scalar_one() == loop_thread
        # Past the budget a read is interrupted and run again, whole, on the connection's thread;
        # the same SQL is not started on the loop again (`note_thread` runs for every row).
        long_read = text("SELECT count(note_thread(a.key)), thread_name() FROM json_each(:items) AS a, json_each(:items)")
        for run in ("first", "again"):
            noted.clear()
            count, thread = (await session.exec(long_read, params={"items": json.dumps(list(range(2000)))})).one()
            assert count == 4_000_000
            assert thread != loop_thread
            assert (loop_thread in noted) == (run == "first")
        # Within a write transaction every statement goes to the connection's thread, and a read
        # sees the transaction's own writes.
        await session.exec(text("INSERT INTO item (name) VALUES ('written')"))
        name, thread = (await session.exec(text("SELECT name, thread_name() FROM item"))).one()
        assert (name, thread != loop_thread) == ("written", True)
    assert await names(database_naming_threads) == ["written"]


async def test_a_read_that_fails_inline_fails_as_it_would_on_the_connection_s_thread(database: Database) -> None:
    async with database.session() as session:
        with pytest.raises(OperationalError, match="no such table"):
            await session.exec(text("SELECT * FROM missing"))
    async with database.session() as session:
        assert (await session.exec(text("SELECT count(*) FROM item"))).scalar_one() == 0


async def test_rows_at_once_are_the_rows_a_query_gives(database_url: str) -> None:
    # Every column type the services store, with the awkward values: None, quotes, line breaks,
    # other scripts, JSON lists and objects, aware times, booleans, big and decimal numbers.
    metadata = MetaData()
    table = Table("typed", metadata, Column("id", Uuid, primary_key=True), Column("name", String),
                  Column("data", JSON), Column("at", UTCDateTime), Column("flag", Boolean),
                  Column("count", BigInteger), Column("share", Float))
    rows = [
        {"id": uuid.uuid4(), "name": 'say "hi",\nthen 안녕 / こんにちは', "data": [{"lang": "th", "value": "ชุมชน"}],
         "at": datetime(2026, 12, 2, 9, 30, 0, 123456, tzinfo=UTC), "flag": True, "count": 2**53 + 1, "share": 0.1},
        {"id": uuid.uuid4(), "name": None, "data": {"nested": {"n": None}}, "at": None, "flag": False,
         "count": None, "share": None},
        *({"id": uuid.uuid4(), "name": f"n{i}", "data": [], "at": datetime(2020, 1, 1, tzinfo=UTC),
           "flag": None, "count": -i, "share": i / 3} for i in range(30)),
    ]
    database = Database(async_database_url(database_url))
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(table.insert(), rows)
        async with database.engine.connect() as connection:
            query = select(table).order_by(table.c.id)
            expected = [tuple(row) for row in (await connection.execute(query)).all()]
            at_once = await rows_at_once(connection, query)
            # Text cells alone (an export's): no type to apply, the same rows.
            texts = select(table.c.name.label("name"), func.coalesce(table.c.name, "").label("cell"))
            texts_expected = sorted(map(tuple, (await connection.execute(texts)).all()), key=repr)
            texts_at_once = await rows_at_once(connection, texts)
        assert sorted(map(tuple, texts_at_once), key=repr) == texts_expected
        assert {row.cell for row in texts_at_once} == {row[0] or "" for row in texts_expected}
        assert sorted(at_once, key=attrgetter("id")) == expected
        assert [row.name for row in sorted(at_once, key=attrgetter("id"))] == [row[1] for row in expected]
    finally:
        await database.dispose()


async def test_insert_rows_stores_what_sqlalchemys_insert_stores(database_url: str) -> None:
    # The same awkward values through SQLAlchemy's executemany and through insert_rows (the
    # driver's executemany on SQLite, each column's type applied by us): byte for byte the same
    # stored values, read without any type applied.
    metadata = MetaData()

    def typed(name: str) -> Table:
        return Table(name, metadata, Column("id", Uuid, primary_key=True), Column("name", String), Column("data", JSON),
                     Column("at", UTCDateTime), Column("flag", Boolean), Column("count", BigInteger),
                     Column("share", Float), Column("body", LargeBinary))

    by_sqlalchemy, by_us = typed("inserted_by_sqlalchemy"), typed("inserted_by_us")
    rows = [
        {"id": uuid.uuid4(), "name": 'say "hi",\nthen 안녕', "data": [{"lang": "th", "value": "ชุมชน"}],
         "at": datetime(2026, 12, 2, 9, 30, 0, 123456, tzinfo=UTC), "flag": True, "count": 2**53 + 1, "share": 0.1,
         "body": b"\x00\xffbody"},
        *({"id": uuid.uuid4(), "name": None, "data": {"n": None}, "at": None, "flag": None, "count": -i,
           "share": i / 3, "body": None} for i in range(5)),
    ]
    database = Database(async_database_url(database_url))
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(by_sqlalchemy.insert(), rows)
            await insert_rows(connection, by_us, rows)
            stored = [sorted(map(tuple, (await connection.exec_driver_sql(f"SELECT * FROM {table.name}")).all()), key=repr)
                      for table in (by_sqlalchemy, by_us)]
        assert stored[0] == stored[1] and len(stored[1]) == len(rows)
    finally:
        await database.dispose()
