"""aiosqlite with fewer trips to its thread: the SQLite connection every sihub engine uses.

aiosqlite runs each call on the connection's own thread and wakes the event loop with its answer;
a 20-row read through SQLAlchemy took six such trips (make a cursor, execute, fetch, close the
cursor, commit, the pool's rollback), each a hand-off between threads and back. Here a sqlite3
cursor is made by the statement's own trip and closed in the trip that ends it (the fetch that
empties it; the statement itself when it returns no rows), and a commit or rollback with no
transaction open (every read-only request) takes no trip: sqlite3 itself does nothing then. A read
is two trips.

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


class _Cursor(aiosqlite.Cursor):
    def __init__(self, connection: FewerTripsConnection) -> None:
        super().__init__(connection, None)  # type: ignore[arg-type]  # made in the worker by execute
        self._emptied = False

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
        # A statement without rows (INSERT, UPDATE, DELETE) is done: its cursor closes in this trip.
        self._emptied = self._cursor.description is None
        if self._emptied:
            self._cursor.close()

    async def fetchall(self) -> Iterable[sqlite3.Row]:
        return await self._execute(self._fetch_rest)

    def _fetch_rest(self) -> list[Any]:  # on the connection's thread
        rows = self._cursor.fetchall()
        # description, rowcount and lastrowid stay readable on a closed sqlite3 cursor.
        self._cursor.close()
        self._emptied = True
        return rows

    async def close(self) -> None:
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
