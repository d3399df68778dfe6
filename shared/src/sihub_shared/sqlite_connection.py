"""aiosqlite with fewer trips to its thread: the SQLite connection every sihub engine uses.

aiosqlite runs each call on the connection's own thread and wakes the event loop with its answer;
a 20-row read through SQLAlchemy took six such trips (make a cursor, execute, fetch, close the
cursor, commit, the pool's rollback), each a hand-off between threads and back. Here a sqlite3
cursor is made by the statement's own trip, which also reads the first rows (up to 256), and is
closed in the trip that ends it (that one when it returns no rows or they all fitted, else the
fetch that empties it); a commit or rollback with no transaction open (every read-only request)
takes no trip: sqlite3 itself does nothing then. A read of a page is one trip.

A read outside a transaction (a SELECT on a connection with no transaction open: every read-only
request) takes no trip at all when it is short: it runs on the calling thread, the event loop's,
under SQLite's progress handler, which interrupts it once it has run `_INLINE_READ_BUDGET_S`; an
interrupted read is run again from the start on the connection's thread, as every statement was,
and so is every later run of the same SQL (an export's batches: one wasted start, and its next
batch is read on the connection's thread while the loop writes this one). The loop is held up by
at most that budget, and a read of a page costs no hand-off between threads (their wake-ups were
most of a short request's CPU on an otherwise idle machine). In WAL mode a reader takes no lock a
writer holds, so an inline read does not wait in busy_timeout behind this or another process's
writes.

Relies on aiosqlite's `_execute`, `_conn`, `_connection` and `_running`, as SQLAlchemy's aiosqlite
dialect does (uv.lock pins the version; shared/tests/test_write_turns.py and every service test
run on it).
"""

from __future__ import annotations

import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager


# Rows a statement's own trip reads: a page of results comes back with the statement, in one trip.
_FIRST_ROWS = 256
# How long a read may run on the event loop's thread before it is handed to the connection's.
_INLINE_READ_BUDGET_S = 0.002
# SQLite virtual-machine steps between two looks at the clock (tens of microseconds).
_PROGRESS_STEPS = 1000
# The SQL of reads that ran past the budget (oldest first): not started on the loop again.
_LONG_READS: OrderedDict[str, None] = OrderedDict()
_LONG_READS_KEPT = 1000


class _Cursor(aiosqlite.Cursor):
    def __init__(self, connection: FewerTripsConnection) -> None:
        super().__init__(connection, None)  # type: ignore[arg-type]  # made in the worker by execute
        self._emptied = False
        self._ready: list[Any] = []  # rows read by the last trip, not yet handed out

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> _Cursor:
        parameters = [] if parameters is None else parameters
        if self._conn.may_read_inline(sql) and self._ran_inline(sql, parameters):
            return self
        await self._execute(self._run, "execute", sql, parameters)
        return self

    def _ran_inline(self, sql: str, parameters: Any) -> bool:
        """Runs a read here, within the budget; False when it was interrupted (nothing kept)."""
        connection = self._conn._conn
        deadline = time.perf_counter() + _INLINE_READ_BUDGET_S
        connection.set_progress_handler(lambda: time.perf_counter() > deadline, _PROGRESS_STEPS)
        try:
            self._run("execute", sql, parameters)
        except sqlite3.OperationalError as error:
            if str(error) != "interrupted":
                raise
            _LONG_READS[sql] = None
            if len(_LONG_READS) > _LONG_READS_KEPT:
                _LONG_READS.popitem(last=False)
            self._ready, self._emptied = [], True
            self._cursor.close()
            return False
        finally:
            connection.set_progress_handler(None, _PROGRESS_STEPS)
        return True

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> _Cursor:
        await self._execute(self._run, "executemany", sql, parameters)
        return self

    def _run(self, method: str, sql: str, parameters: Any) -> None:  # on the connection's thread or inline
        if self._cursor is None or self._emptied:
            self._cursor = self._conn._conn.cursor()
        getattr(self._cursor, method)(sql, parameters)
        # A statement without rows (INSERT, UPDATE, DELETE) is done, and so is one whose rows all
        # fitted in the first read: its cursor closes in this trip.
        if self._cursor.description is None:
            self._ready, self._emptied = [], True
        else:
            self._ready = self._cursor.fetchmany(_FIRST_ROWS)
            self._emptied = len(self._ready) < _FIRST_ROWS
        if self._emptied:
            self._cursor.close()

    async def fetchone(self) -> Any:
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = self.arraysize if size is None else size
        if not self._ready and not self._emptied:
            self._ready = await self._execute(self._read, size)
        rows, self._ready = self._ready[:size], self._ready[size:]
        return rows

    async def fetchall(self) -> list[Any]:
        rows, self._ready = self._ready, []
        if not self._emptied:
            rows += await self._execute(self._read, None)
        return rows

    def _read(self, size: int | None) -> list[Any]:  # on the connection's thread
        rows = self._cursor.fetchall() if size is None else self._cursor.fetchmany(size)
        if size is None or not rows:
            # description, rowcount and lastrowid stay readable on a closed sqlite3 cursor.
            self._cursor.close()
            self._emptied = True
        return rows

    async def close(self) -> None:
        self._ready = []
        if self._cursor is not None and not self._emptied:
            await self._execute(self._cursor.close)
            self._emptied = True


class FewerTripsConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int = 64) -> None:
        super().__init__(connector, iter_chunk_size)
        # Read on the connection's thread after every call; unknown (so taken as open) before the first.
        self._transaction_open = True
        # Calls handed to the connection's thread, and calls it finished: each counted by one thread.
        # They differ while a call runs there (one whose caller was cancelled keeps running).
        self._calls_sent = 0
        self._calls_done = 0

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:  # aiosqlite's own check, before the count
            raise ValueError("Connection closed")
        self._calls_sent += 1
        return await super()._execute(self._noting_transaction, partial(fn, *args, **kwargs))

    def _noting_transaction(self, call: Callable[[], Any]) -> Any:  # on the connection's thread
        try:
            return call()
        finally:
            connection = self._connection
            try:
                self._transaction_open = connection is not None and connection.in_transaction
            except sqlite3.ProgrammingError:  # the call closed it
                self._transaction_open = False
            self._calls_done += 1

    def may_read_inline(self, sql: str) -> bool:
        # Not within a transaction: a read there may follow the transaction's writes, and an
        # interrupt inside a transaction can end it. Not while a call is on the connection's thread.
        return (not self._transaction_open and self._connection is not None and self._running
                and self._calls_sent == self._calls_done and sql.lstrip()[:6].upper() == "SELECT"
                and sql not in _LONG_READS)

    @property
    def in_transaction(self) -> bool:
        return self._transaction_open

    async def begin_immediate(self) -> None:
        """A write transaction begun before the first write: it waits in busy_timeout for any other
        writer's commit to finish, so that what it reads next is what that writer left."""
        await self._execute(self._conn.execute, "BEGIN IMMEDIATE")

    @contextmanager
    async def cursor(self) -> aiosqlite.Cursor:
        return _Cursor(self)

    async def commit(self) -> None:
        if self._transaction_open:
            await super().commit()

    async def rollback(self) -> None:
        if self._transaction_open:
            await super().rollback()


def connect(database: str, **kwargs: Any) -> FewerTripsConnection:
    """aiosqlite.connect's counterpart, given the arguments SQLAlchemy's dialect makes from the URL."""
    # Used from the event loop's thread too (short reads), one call at a time.
    kwargs["check_same_thread"] = False
    connection = FewerTripsConnection(partial(sqlite3.connect, database, **kwargs))
    # As SQLAlchemy does for aiosqlite's own connections: a forgotten connection never holds up exit.
    connection._thread.daemon = True
    return connection
