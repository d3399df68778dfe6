"""Async engine and sessions for SQLite (WAL) and PostgreSQL from one URL.

One commit point per request: `Database.request_session` is the FastAPI dependency; it commits
after the route returns (before the response is sent, `scope="function"`) and rolls back on error.

On SQLite one connection writes at a time. Writers of this process (requests, the outbox relay,
the consumers, imports) take turns on one in-process lock from their first INSERT/UPDATE/DELETE
to their commit or rollback, in arrival order, instead of racing for SQLite's lock with
busy_timeout's sleeps and failing as `database is locked`. A writer that has waited
`write_wait_s` gives up with `DatabaseBusy` (503 problem+json with `Retry-After`): a long import
holds the lock for its whole transaction (all or nothing), so others wait up to the bound, then
are told to come back, never kept waiting silently.
"""

from __future__ import annotations

import asyncio
from collections import namedtuple
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from operator import itemgetter
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from sqlalchemy import Float, Numeric, Select, Table, case, event, func, select, text
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_
from sqlmodel import Session as SyncSession
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_shared import sqlite_connection
from sihub_shared.errors import ProblemError, retry_after

# The WAL file is cut back to this size whenever a checkpoint lets it restart (it is otherwise
# reused at the size it once reached: 336 MB after a soak with long exports).
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
# Each pooled connection's own page cache (SQLite's default is 2 MiB). Up to 40 connections
# (the pool's 20 and as many more) each filled its cache with the same pages as the database grew:
# under bench-load the registry's memory rose ~40 MB after minute 2 (+11% and +21% in two 10-minute
# runs); with 512 KiB it held flat, at the same rates. Pages not in it come from the operating
# system's file cache, which every connection shares.
PAGE_CACHE_KIB = 512
# How long a TRUNCATE checkpoint waits for readers to leave the WAL, holding up writers meanwhile.
_TRUNCATE_WAIT_MS = 200
# The statements Python's sqlite3 opens a write transaction for (its implicit BEGIN).
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class DatabaseBusy(ProblemError):
    status, title = 503, "Service unavailable"


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets readers run beside the one writer; busy_timeout only matters for another
        # process writing the same file (this one's writers queue on WriteGate).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
        cursor.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        cursor.close()

    return connect


def _reads_for_update(context: Any) -> bool:
    """A read of rows the transaction is about to change (`with_for_update`). SQLite drops FOR
    UPDATE: without the write turn, two requests could each read the same row, check it (an ETag,
    a decision, a state) and write on what the other had already changed. Not a claim of work that
    skips locked rows (the outbox relay's): that is for workers in parallel on PostgreSQL, and
    taking the turn there would hold every other writer through the relay's publish."""
    compiled = getattr(context, "compiled", None)
    for_update = getattr(getattr(compiled, "statement", None), "_for_update_arg", None)
    return for_update is not None and not for_update.skip_locked


class WriteGate:
    """The in-process write lock of one SQLite database, held by one DBAPI connection from its
    first write statement (or read for update) to the end of its transaction."""

    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s
        self.retry_after = retry_after(wait_s)
        self._lock = asyncio.Lock()
        self._holder: Any = None

    def busy(self) -> DatabaseBusy:
        return DatabaseBusy(
            f"the database is busy with other changes; send the request again in {self.retry_after['Retry-After']} s",
            headers=self.retry_after,
        )

    def before_cursor_execute(self, conn: Connection, _cursor: Any, statement: str, _parameters: Any,
                              context: Any, _executemany: bool) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if self._holder is dbapi_connection:
            return
        writes = statement.lstrip()[:7].upper().startswith(_WRITE_VERBS)
        if not (writes or _reads_for_update(context)):
            return
        # SQLAlchemy runs this hook in a greenlet of the calling task: await_ suspends that task.
        await_(self._acquire())
        self._holder = dbapi_connection
        driver = dbapi_connection.driver_connection
        if not writes and not driver.in_transaction:
            # The turn's last holder may still be committing (the commit event comes before the
            # commit): a write transaction begun now waits for it, and then reads what it wrote.
            await_(driver.begin_immediate())

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """The lock for work that is not a transaction's write (a TRUNCATE checkpoint)."""
        await self._acquire()
        try:
            yield
        finally:
            self._lock.release()

    async def _acquire(self) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can time out after the lock was
        # granted to its inner task, and the lock would never be released.
        try:
            async with asyncio.timeout(self.wait_s):
                await self._lock.acquire()
        except TimeoutError:
            raise self.busy() from None

    def release(self, dbapi_connection: Any) -> None:
        if dbapi_connection is not None and self._holder is dbapi_connection:
            self._holder = None
            self._lock.release()

    def end_of_transaction(self, conn: Connection) -> None:
        # An invalidated connection (a task cancelled mid-statement) has no DBAPI connection to ask
        # for, and asking raises in the rollback; the pool's invalidate event releases it.
        if not conn.invalidated:
            self.release(conn.connection.dbapi_connection)

    def returned_to_pool(self, dbapi_connection: Any, *_: Any) -> None:
        # A connection dropped without commit or rollback (cancelled, invalidated) frees it too.
        self.release(dbapi_connection)

    def translate_locked(self, context: ExceptionContext) -> None:
        # Another process (a CLI, a backup) held SQLite's own lock past busy_timeout.
        if "database is locked" in str(context.original_exception):
            raise self.busy() from context.original_exception


class Database:
    def __init__(self, url: str, *, echo: bool = False, write_wait_s: float = 10.0) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # JSON columns are read with orjson: json.loads was the largest cost of reading rows in bulk
        # (exports decode several JSON columns per actor).
        options: dict[str, Any] = {"echo": echo, "json_deserializer": orjson.loads}
        if self.is_sqlite:
            # SQLAlchemy's aiosqlite dialect calls this with the arguments it made from the URL
            # (it is how its own `async_creator` is passed): the connection takes fewer thread trips.
            options["connect_args"] = {"async_creator_fn": sqlite_connection.connect}
            # aiosqlite gives each connection a thread: a connection opened past the pool's size is
            # a thread started, a file opened and the pragmas run for one request, then closed. The
            # default (5 kept) churned under 16 concurrent requests: 0.8 ms of CPU a request.
            options |= {"pool_size": 20, "max_overflow": 20}
        else:
            options |= {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}
        self.engine: AsyncEngine = create_async_engine(url, **options)
        self.write_gate: WriteGate | None = None
        if self.is_sqlite:
            gate = self.write_gate = WriteGate(write_wait_s)
            sync_engine = self.engine.sync_engine
            event.listen(sync_engine, "connect", _sqlite_pragmas(int(write_wait_s * 1000)))
            event.listen(sync_engine, "before_cursor_execute", gate.before_cursor_execute)
            event.listen(sync_engine, "commit", gate.end_of_transaction)
            event.listen(sync_engine, "rollback", gate.end_of_transaction)
            event.listen(sync_engine, "handle_error", gate.translate_locked)
            for pool_event in ("checkin", "invalidate", "close"):
                event.listen(sync_engine.pool, pool_event, gate.returned_to_pool)
        # A session class of its own, so that session events (the relay's wake-up) stay per database.
        self.sync_session_class: type[SyncSession] = type("DatabaseSession", (SyncSession,), {})
        self.sessionmaker = async_sessionmaker(
            self.engine,
            class_=AsyncSession,
            sync_session_class=self.sync_session_class,
            expire_on_commit=False,
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends cleanly, rolls back otherwise."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    def wal_bytes(self) -> int:
        """The size of the SQLite WAL file (0 when there is none, and on PostgreSQL)."""
        database = self.engine.url.database
        if not self.is_sqlite or not database:
            return 0
        wal = Path(database + "-wal")
        return wal.stat().st_size if wal.exists() else 0

    async def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int, int] | None:
        """Copy the SQLite WAL into the database file. PASSIVE waits for no one (what it cannot
        copy yet stays for the next one). TRUNCATE also empties the WAL file: it takes this
        process's write turn and waits at most 200 ms for readers to leave the WAL (under steady
        reads the WAL never restarts by itself, and grows). Returns SQLite's (busy, WAL frames,
        frames copied); None on PostgreSQL."""
        if not self.is_sqlite or self.write_gate is None:
            return None
        if mode not in ("PASSIVE", "TRUNCATE"):
            raise ValueError(f"unknown checkpoint mode {mode!r}")
        if mode == "PASSIVE":
            async with self.engine.connect() as connection:
                row = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")).one()
            return (row[0], row[1], row[2])
        async with self.write_gate.turn(), self.engine.connect() as connection:
            await connection.exec_driver_sql(f"PRAGMA busy_timeout={_TRUNCATE_WAIT_MS}")
            try:
                row = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
            finally:
                await connection.exec_driver_sql(f"PRAGMA busy_timeout={int(self.write_gate.wait_s * 1000)}")
        return (row[0], row[1], row[2])

    async def dispose(self) -> None:
        """Close every connection; on SQLite the WAL is checkpointed and emptied first, so a clean
        stop leaves no WAL to replay (or to fill the disk)."""
        if self.is_sqlite:
            await self.checkpoint("TRUNCATE")
        await self.engine.dispose()


async def insert_records(connection: AsyncConnection, table: Table, columns: Sequence[str],
                         records: Sequence[tuple[Any, ...]]) -> None:
    """INSERT every record (a tuple of the `columns`' values, as the ORM takes them). On SQLite one
    statement executed for all of them by the driver, each column's type applied here a column at
    a time: SQLAlchemy's executemany made a dict of every record and processed it value by value,
    about a tenth of a busy process's time (the registry's imports under bench-load, the gateway's
    webhook queue under bench-webhooks; py-spy). Elsewhere SQLAlchemy's executemany."""
    if not records:
        return
    dialect = connection.dialect
    if dialect.name != "sqlite":
        await connection.execute(table.insert(), [dict(zip(columns, record, strict=True)) for record in records])
        return
    by_column = list(zip(*records, strict=True))
    for index, name in enumerate(columns):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            by_column[index] = list(map(process, by_column[index]))
    quote = dialect.identifier_preparer.quote
    statement = (f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
                 f"VALUES ({', '.join('?' * len(columns))})")
    await connection.exec_driver_sql(statement, list(zip(*by_column, strict=True)))


async def insert_rows(connection: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (dicts with the same keys), as `insert_records` does."""
    if rows:
        await insert_records(connection, table, *as_records(rows))


def as_records(rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(the columns, a tuple of each row's values in their order) of dicts with the same keys."""
    columns = list(rows[0])
    # itemgetter builds the tuples in C: this runs once per row of a bulk write.
    values = itemgetter(*columns)
    return columns, [values(row) for row in rows] if len(columns) > 1 else [(values(row),) for row in rows]


async def rows_at_once(connection: AsyncConnection, query: Select[Any]) -> list[Any]:
    """The query's rows (named tuples, each column's type applied as for any result), for reads of
    many rows beside a busy event loop. On SQLite they come back as one row, a JSON array of the
    rows: Python's sqlite3 lets go of the GIL for every row it steps to and takes it back to read
    the row, and while the loop thread is busy each take-back waits up to the interpreter's switch
    interval (5 ms): an export beside one client's reads went at 600 actors/s. One row is one wait.
    SQLite aggregates the rows in the query's order, but before 3.44 nothing promises it: a caller
    that needs the order sorts them again by their key. PostgreSQL: the rows as they come."""
    if connection.dialect.name != "sqlite":
        return list((await connection.execute(query)).all())
    page = query.subquery()
    # SQLite's JSON writes a REAL with 15 digits, which loses some doubles: they travel as text with
    # 17 (`!`: past printf's usual 16), enough for any double.
    cells = [case((column.is_(None), None), else_=func.printf("%!.17g", column))
             if isinstance(column.type, (Float, Numeric)) else column for column in page.c]
    packed = (await connection.execute(select(func.json_group_array(func.json_array(*cells))))).scalar_one()
    dialect = connection.dialect
    processors = [_cell_processor(column.type, dialect) for column in page.c]
    row = namedtuple("Row", [column.name for column in page.c], rename=True)  # type: ignore[misc]
    if not any(processors):  # text cells (an export's): nothing to apply, per value
        return list(map(row._make, orjson.loads(packed)))
    return [row(*(process(value) if process else value for process, value in zip(processors, values, strict=True)))
            for values in orjson.loads(packed)]


def _cell_processor(column_type: Any, dialect: Any) -> Any:
    process = column_type.dialect_impl(dialect).result_processor(dialect, None)
    if not isinstance(column_type, (Float, Numeric)):
        return process

    def number(text: str | None) -> Any:
        value = None if text is None else float(text)
        return process(value) if process else value

    return number


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.database
    async with database.session() as session:
        yield session


Session = Annotated[AsyncSession, Depends(_request_session, scope="function")]
