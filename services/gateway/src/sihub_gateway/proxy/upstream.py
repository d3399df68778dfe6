"""The forwarder's HTTP/1.1 client: kept-alive connections to the services, one exchange at a time.

httpcore's pool (on anyio's streams, locks and cancel scopes) was most of what forwarding a request
cost the gateway (bench/README.md, bench-gateway). A forward needs one thing: write the caller's
request, hand back the service's status and headers, then its body whole or as it arrives. Here
the request goes out in one `transport.write` and httptools (the parser uvicorn serves with) reads
the answer straight from the protocol's `data_received`; a closed idle connection is noticed by
`connection_lost` as it happens, not by polling sockets before each request.

The services are ours (the `upstreams` setting), so unlike the webhook client nothing is checked
about where a connection goes; TLS is used for an `https` upstream, verified as by default.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools

# A body read past this much, not yet taken by the caller, stops reading from the service.
_HIGH_WATER_BYTES = 256 * 1024
# A request body up to this size goes out joined to its head, in one write; a larger one is written
# as it is after the head rather than copied (it is held until the answer comes).
_JOINED_BODY_BYTES = 256 * 1024
# Idle connections are dropped before uvicorn's 5 s keep-alive would close them under a request.
KEEPALIVE_S = 4.0


class ConnectFailed(Exception):
    """Refused or unreachable: nothing was sent."""


class ClosedBeforeAnswering(Exception):
    """The service closed the connection (or sent what is not HTTP) before its answer's headers."""


class BrokenAnswer(Exception):
    """The connection failed part-way through an answer's body."""


class NoFreeSlot(Exception):
    """No exchange slot came free in time: the caller's key had its share in use (`whose` "key"),
    or every slot was (`whose` "all"). Nothing was sent."""

    def __init__(self, whose: str) -> None:
        super().__init__(f"no free exchange slot ({whose})")
        self.whose = whose


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int
    path: bytes  # the upstream's own path prefix, without a trailing slash

    @classmethod
    def from_url(cls, url: str) -> Origin:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(parts.scheme, parts.hostname or "", port, parts.path.rstrip("/").encode())

    @property
    def host_header(self) -> bytes:
        default = 443 if self.scheme == "https" else 80
        return self.host.encode() + (b"" if self.port == default else b":%d" % self.port)


class Exchange:
    """A service's answer: `status` and `headers` (raw pairs, repeats kept) once `send` returns,
    then the body through `read` (whole) or `chunks` (as it arrives). `release` gives the
    connection back (or closes it if the answer was not read to its end)."""

    def __init__(self, connection: _Connection, pool: UpstreamPool, holder: str | None, timeout_s: float) -> None:
        self._connection = connection
        self._pool = pool
        self._holder = holder
        self._timeout_s = timeout_s
        self.status = connection.status or 0
        self.headers = connection.headers
        self._released = False

    @property
    def content_length(self) -> int | None:
        for name, value in self.headers:
            if name.lower() == b"content-length":
                return int(value) if value.isdigit() else None
        return None

    async def read(self) -> bytes:
        connection = self._connection
        parts: list[bytes] = []
        try:
            while True:
                while connection.body:
                    parts.append(connection.take())
                if connection.complete:
                    return b"".join(parts)
                await self._more()
        finally:
            self.release()

    async def chunks(self) -> AsyncIterator[bytes]:
        connection = self._connection
        try:
            while True:
                while connection.body:
                    yield connection.take()
                if connection.complete:
                    return
                await self._more()
        finally:
            self.release()

    async def _more(self) -> None:
        connection = self._connection
        if connection.closed:
            raise BrokenAnswer("the service closed the connection during its answer")
        connection.more = asyncio.get_running_loop().create_future()
        async with asyncio.timeout(self._timeout_s):
            await connection.more

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._pool.give_back(self._connection, self._holder)


class _Connection(asyncio.Protocol):
    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self.parser: httptools.HttpResponseParser | None = None
        self.head: asyncio.Future[None] | None = None
        self.more: asyncio.Future[None] | None = None
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: deque[bytes] = deque()
        self.buffered = 0
        self.complete = False
        self.keep_alive = False

    # --- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.status is not None and not self.complete and self._delimited_by_close():
            # A body of neither length nor chunks runs to the end of the connection (RFC 9112 §6.3):
            # it ends here. (httptools' response parser has no feed_eof to say so.)
            self.complete = True
        self._fail_head(ClosedBeforeAnswering("the service closed the connection"))
        self._wake()  # a reader waiting for more learns of the close now, not at its time-out

    def _delimited_by_close(self) -> bool:
        names = {name.lower() for name, _ in self.headers}
        return b"content-length" not in names and b"transfer-encoding" not in names

    def data_received(self, data: bytes) -> None:
        if self.parser is None:  # nothing asked: a service talking out of turn is not reused
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail_head(ClosedBeforeAnswering(f"not an HTTP answer: {exc}"))
            self.close()
            self._wake()

    # --- httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self.parser is not None
        status = self.parser.get_status_code()
        if status < 200:  # an interim answer (100 Continue, 103 Early Hints): the final one follows
            self.headers = []
            return
        self.status = status
        self.keep_alive = self.parser.should_keep_alive()
        if self.head is not None and not self.head.done():
            self.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.body.append(body)
        self.buffered += len(body)
        if self.buffered > _HIGH_WATER_BYTES and self.transport is not None:
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.status is None:  # the end of an interim answer
            return
        self.complete = True
        self._wake()

    # --- the forwarder's side
    async def send(self, head: bytes, body: bytes = b"") -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.head = asyncio.get_running_loop().create_future()
        self.status, self.headers, self.complete, self.keep_alive = None, [], False, False
        self.body.clear()
        self.buffered = 0
        if self.closed:
            raise ClosedBeforeAnswering("closed before the request")
        assert self.transport is not None
        if len(body) > _JOINED_BODY_BYTES:
            self.transport.write(head)
            self.transport.write(body)
        else:
            self.transport.write(head + body)
        await self.head

    def take(self) -> bytes:
        chunk = self.body.popleft()
        self.buffered -= len(chunk)
        if self.buffered <= _HIGH_WATER_BYTES and self.transport is not None and not self.closed:
            self.transport.resume_reading()
        return chunk

    @property
    def reusable(self) -> bool:
        # After a service error the service may close the connection (uvicorn does, after an
        # unhandled exception) a moment after its answer: the next caller must not be handed it.
        return (self.complete and self.keep_alive and not self.closed and self.status is not None
                and self.status < 500)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _fail_head(self, exc: Exception) -> None:
        if self.head is not None and not self.head.done():
            self.head.set_exception(exc)

    def _wake(self) -> None:
        if self.more is not None and not self.more.done():
            self.more.set_result(None)


class _HolderShare:
    __slots__ = ("held", "slots", "users")

    def __init__(self, cap: int) -> None:
        self.slots = asyncio.Semaphore(cap)
        self.held = 0
        self.users = 0  # holding or waiting: the entry goes when none is left, so the table never grows


class _PerHolder:
    """At most `cap` exchanges at once per holder (an API key): one key cannot take every slot."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._shares: dict[str, _HolderShare] = {}

    async def acquire(self, holder: str) -> None:
        share = self._shares.get(holder)
        if share is None:
            share = self._shares[holder] = _HolderShare(self.cap)
        share.users += 1
        try:
            await share.slots.acquire()
        except BaseException:
            self._leave(holder, share)
            raise
        share.held += 1

    def release(self, holder: str) -> None:
        share = self._shares[holder]
        share.held -= 1
        share.slots.release()
        self._leave(holder, share)

    def held(self, holder: str) -> int:
        share = self._shares.get(holder)
        return 0 if share is None else share.held

    def _leave(self, holder: str, share: _HolderShare) -> None:
        share.users -= 1
        if share.users == 0:
            del self._shares[holder]


class UpstreamPool:
    """At most `max_connections` exchanges at once over all services, and `max_per_holder` of them
    for one holder (the caller's key); idle connections kept per service until `KEEPALIVE_S` has
    passed. An exchange holds its slots until its answer is read (a streamed one: sent to the
    caller), so a caller waits at most `slot_wait_s` for them and is then told the gateway is busy
    (NoFreeSlot), rather than waiting out the service's time-out for the gateway's own queue."""

    def __init__(self, *, timeout_s: float, max_connections: int, max_per_holder: int | None = None,
                 slot_wait_s: float | None = None, connect_timeout_s: float = 3.0,
                 tls: ssl.SSLContext | None = None) -> None:
        self.timeout_s = timeout_s
        self.slot_wait_s = timeout_s if slot_wait_s is None else slot_wait_s
        self.connect_timeout_s = connect_timeout_s
        self._slots = asyncio.Semaphore(max_connections)
        self._in_use = 0
        self._per_holder = _PerHolder(max_per_holder or max_connections)
        self._idle: dict[Origin, list[_Connection]] = {}
        self._tls = tls or ssl.create_default_context()

    @property
    def in_use(self) -> int:
        """Exchanges holding a slot now (an answer not yet read or sent to its caller)."""
        return self._in_use

    def held_by(self, holder: str) -> int:
        return self._per_holder.held(holder)

    async def send(self, origin: Origin, request: bytes, *, body: bytes = b"", retry: bool, holder: str | None = None,
                   timeout_s: float | None = None) -> Exchange:
        """Sends `request` (an HTTP/1.1 message's head, or the whole message) and `body` (the rest
        of it), and returns once the answer's headers are in.
        A service may close a kept-alive connection just as it is handed a request (HTTP/1.1's
        keep-alive race): with `retry` the request goes once more, on a new connection.
        `timeout_s` (the pool's unless given) bounds the wait for the headers and each wait for
        more of the body. Raises NoFreeSlot, ConnectFailed, ClosedBeforeAnswering, TimeoutError."""
        timeout_s = self.timeout_s if timeout_s is None else timeout_s
        await self._take_slots(holder)
        try:
            connection = await self._connection(origin)
            try:
                async with asyncio.timeout(timeout_s):
                    try:
                        await connection.send(request, body)
                    except ClosedBeforeAnswering:
                        if not retry:
                            raise
                        connection.close()
                        connection = await self._connect(origin)
                        await connection.send(request, body)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            self._give_slots(holder)
            raise
        return Exchange(connection, self, holder, timeout_s)

    async def _take_slots(self, holder: str | None) -> None:
        # The key's share first: a key at its cap waits for one of its own, not in the common queue.
        whose = "key"
        try:
            async with asyncio.timeout(self.slot_wait_s):
                if holder is not None:
                    await self._per_holder.acquire(holder)
                whose = "all"
                try:
                    await self._slots.acquire()
                except BaseException:
                    if holder is not None:
                        self._per_holder.release(holder)
                    raise
        except TimeoutError as exc:
            raise NoFreeSlot(whose) from exc
        self._in_use += 1

    def _give_slots(self, holder: str | None) -> None:
        self._in_use -= 1
        self._slots.release()
        if holder is not None:
            self._per_holder.release(holder)

    def give_back(self, connection: _Connection, holder: str | None = None) -> None:
        if connection.reusable:
            connection.idle_since = time.monotonic()
            connection.parser = None
            self._idle.setdefault(connection.origin, []).append(connection)
        else:
            connection.close()
        self._give_slots(holder)

    async def close(self) -> None:
        for kept in self._idle.values():
            for connection in kept:
                connection.close()
        self._idle.clear()

    async def _connection(self, origin: Origin) -> _Connection:
        kept = self._idle.get(origin)
        now = time.monotonic()
        while kept:
            connection = kept.pop()
            if not connection.closed and now - connection.idle_since < KEEPALIVE_S:
                return connection
            connection.close()
        return await self._connect(origin)

    async def _connect(self, origin: Origin) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                _, connection = await loop.create_connection(
                    lambda: _Connection(origin), origin.host, origin.port,
                    ssl=self._tls if origin.scheme == "https" else None,
                )
        except TimeoutError as exc:
            raise ConnectFailed("no answer to the connection") from exc
        except OSError as exc:  # refused, unreachable, TLS failures (ssl.SSLError is an OSError)
            raise ConnectFailed(str(exc)) from exc
        return connection
