"""aiosqlite with fewer trips to its thread: the SQLite connection every sihub engine uses.

aiosqlite runs each call on the connection's own thread and wakes the event loop with its answer;
a 20-row read through SQLAlchemy took six such trips (make a cursor, execute, fetch, close the
cursor, commit, the pool's rollback), each a hand-off between threads and back. Here a sqlite3
cursor is made by the statement's own trip, which also reads the first rows (up to 256), and is
closed in the trip that ends it (that one when it returns no rows or they all fitted, else the
fetch that empties it); a commit or rollback with no transaction open (every read-only request)
takes no trip: sqlite3 itself does nothing then. A read of a page is one trip.

Relies on aiosqlite's `_execute`, `_conn` and `_connection`, as SQLAlchemy's aiosqlite dialect does
(uv.lock pins the version; shared/tests/test_write_turns.py and every service test run on it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager


# Rows a statement's own trip reads: a page of results comes back with the statement, in one trip.
_FIRST_ROWS = 256


class _Cursor(aiosqlite.Cursor):
    def __init__(self, connection: FewerTripsConnection) -> None:
        super().__init__(connection, None)  # type: ignore[arg-type]  # made in the worker by execute
        self._emptied = False
        self._ready: list[Any] = []  # rows read by the last trip, not yet handed out

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> _Cursor:
        await self._execute(self._run, "execute", sql, [] if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> _Cursor:
        await self._execute(self._run, "executemany", sql, parameters)
        return self

    def _run(self, method: str, sql: str, parameters: Any) -> None:  # on the connection's thread
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

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
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
    connection = FewerTripsConnection(partial(sqlite3.connect, database, **kwargs))
    # As SQLAlchemy does for aiosqlite's own connections: a forgotten connection never holds up exit.
    connection._thread.daemon = True
    return connection
