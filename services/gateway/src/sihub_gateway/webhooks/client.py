"""The HTTP/1.1 client of webhook deliveries: a POST on a kept-alive connection, nothing else.

A general client (httpx → httpcore → anyio) cost the gateway about a third of its event loop per
delivery (layers of streams and locks, and a poll of every pooled socket per request; see
bench/README.md, bench-webhooks). A delivery needs one request shape: this writes it in one
`transport.write` and parses the answer with httptools (the parser uvicorn serves with) straight
from the protocol's `data_received`. It follows no redirect (it does not know what one is: the
caller sees the status), reads at most `max_response_bytes` of the body (then closes the
connection rather than wait for the rest), and bounds the connect and the whole exchange in time.

Connections go to the address given (the caller's checked one, never a fresh DNS answer), are kept
per (address, port, TLS host name), and are reused one exchange at a time: a lane sends its front
on one connection, in order.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from dataclasses import dataclass

import certifi
import httptools

# Header bytes allowed before the body starts (h11's default): the answer's headers are not ours to store.
_MAX_HEAD_BYTES = 65_536


class ConnectionFailed(Exception):
    """Refused, reset or closed before an answer."""


class AnswerMalformed(ConnectionFailed):
    """Not HTTP/1.x."""


@dataclass(frozen=True)
class Answer:
    status_code: int


_Key = tuple[str, int, str | None]  # address, port, TLS server name (None: plain http)


class _Exchange(asyncio.Protocol):
    """One connection; one request at a time on it. httptools calls the on_* methods while
    `data_received` feeds it."""

    def __init__(self, max_response_bytes: int) -> None:
        self.max_response_bytes = max_response_bytes
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reusable = False
        self.waiter: asyncio.Future[Answer] | None = None
        self.parser: httptools.HttpResponseParser | None = None
        self.head_bytes = 0
        self.body_bytes = 0
        self.status: int | None = None

    # --- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed, self.reusable = True, False
        if self.status is not None:
            self._finish()  # a body that runs to the end of the connection
        else:
            self._fail(ConnectionFailed("closed before an answer"))

    def data_received(self, data: bytes) -> None:
        if self.parser is None:  # nothing asked: a server talking out of turn is not reused
            self.close()
            return
        if self.status is None:
            self.head_bytes += len(data)
            if self.head_bytes > _MAX_HEAD_BYTES + self.max_response_bytes:
                self._fail(AnswerMalformed("headers too large"))
                self.close()
                return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(AnswerMalformed(str(exc)))
            self.close()

    # --- httptools callbacks
    def on_headers_complete(self) -> None:
        assert self.parser is not None
        self.status = self.parser.get_status_code()
        self.reusable = self.parser.should_keep_alive() and self.status >= 200

    def on_body(self, body: bytes) -> None:
        self.body_bytes += len(body)
        if self.body_bytes >= self.max_response_bytes:
            # The rest of the answer is not ours to wait for: the connection goes with it.
            self.reusable = False
            self._finish()
            self.close()

    def on_message_complete(self) -> None:
        self._finish()

    # --- the caller's side
    async def exchange(self, request: bytes) -> Answer:
        if self.closed:  # lost before this request could be written
            raise ConnectionFailed("closed before the request")
        loop = asyncio.get_running_loop()
        self.waiter = loop.create_future()
        self.parser = httptools.HttpResponseParser(self)
        self.head_bytes = self.body_bytes = 0
        self.status, self.reusable = None, False
        assert self.transport is not None
        self.transport.write(request)
        try:
            return await self.waiter
        finally:
            self.parser = None

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None:
            self.transport.close()

    def _finish(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            assert self.status is not None
            self.waiter.set_result(Answer(self.status))

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)


class DeliveryClient:
    """Kept-alive connections, at most `keep` idle ones in all (the oldest closed first)."""

    def __init__(self, *, timeout_s: float, max_response_bytes: int, keep: int = 50) -> None:
        self.timeout_s = timeout_s
        self.connect_timeout_s = min(timeout_s, 3.0)
        # The longest a `post` can take: a connect, then the exchange (a reconnect included).
        self.longest_s = self.connect_timeout_s + timeout_s
        self.max_response_bytes = max_response_bytes
        self.keep = keep
        # Verified against certifi's roots, as httpx did: the host name is checked, not the address.
        self.tls = ssl.create_default_context(cafile=certifi.where())
        self.idle: dict[_Key, deque[_Exchange]] = {}
        self.idle_order: deque[_Exchange] = deque()

    async def post(self, address: str, port: int, server_name: str | None, request: bytes) -> Answer:
        """Send `request` (a whole HTTP/1.1 message) to address:port (TLS for `server_name` if given).
        Raises TimeoutError, ConnectionFailed."""
        key = (address, port, server_name)
        connection, reused = self._take(key), True
        if connection is None:
            connection, reused = await self._connect(key), False
        try:
            async with asyncio.timeout(self.timeout_s):
                try:
                    answer = await connection.exchange(request)
                except ConnectionFailed:
                    if not reused or connection.status is not None:
                        raise
                    # A kept connection the server closed as we wrote: once more on a new one (the
                    # receiver saw nothing, or drops the duplicate by its webhook-id).
                    connection.close()
                    connection = await self._connect(key)
                    answer = await connection.exchange(request)
        except BaseException:
            connection.close()
            raise
        if connection.reusable and not connection.closed:
            self._keep(key, connection)
        else:
            connection.close()
        return answer

    async def close(self) -> None:
        for connection in self.idle_order:
            connection.close()
        self.idle.clear()
        self.idle_order.clear()

    def _take(self, key: _Key) -> _Exchange | None:
        kept = self.idle.get(key)
        while kept:
            connection = kept.pop()
            self.idle_order.remove(connection)
            if not kept:
                del self.idle[key]
            if not connection.closed:
                return connection
        return None

    def _keep(self, key: _Key, connection: _Exchange) -> None:
        self.idle.setdefault(key, deque()).append(connection)
        self.idle_order.append(connection)
        while len(self.idle_order) > self.keep:
            oldest = self.idle_order.popleft()
            for other, kept in self.idle.items():
                if oldest in kept:
                    kept.remove(oldest)
                    if not kept:
                        del self.idle[other]
                    break
            oldest.close()

    async def _connect(self, key: _Key) -> _Exchange:
        address, port, server_name = key
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                _, connection = await loop.create_connection(
                    lambda: _Exchange(self.max_response_bytes), address, port,
                    ssl=self.tls if server_name is not None else None, server_hostname=server_name,
                )
        except OSError as exc:  # refused, unreachable, TLS failures (ssl.SSLError is an OSError)
            raise ConnectionFailed(str(exc)) from exc
        return connection
