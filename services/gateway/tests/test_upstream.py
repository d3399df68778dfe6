"""The forwarder's client on its own: kept-alive connections, a closed one replaced, HTTPS, and a
large answer read at the caller's pace."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trustme

from sihub_gateway.proxy.upstream import BrokenAnswer, NoFreeSlot, Origin, UpstreamPool

REQUEST = b"GET /thing HTTP/1.1\r\nhost: service\r\n\r\n"


async def serving(serve, **options) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(serve, "127.0.0.1", 0, **options)
    return server, server.sockets[0].getsockname()[1]


@asynccontextmanager
async def pool_on(serve, **pool_options) -> AsyncIterator[tuple[UpstreamPool, Origin]]:
    """A pool and the origin of a plain-HTTP service that `serve` answers, both closed afterwards."""
    server, port = await serving(serve)
    pool = UpstreamPool(**pool_options)
    try:
        yield pool, Origin.from_url(f"http://127.0.0.1:{port}")
    finally:
        await pool.close()
        server.close()
        await server.wait_closed()


async def test_connections_are_kept_and_one_the_service_closed_is_replaced():
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        for _ in range(2):  # two answers on a connection, then it closes it while idle
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n\r\nok")
            await writer.drain()
        writer.close()

    async with pool_on(serve, timeout_s=5, max_connections=4) as (pool, origin):
        for _ in range(6):
            await asyncio.sleep(0.05)  # the close reaches the idle connection first
            answer = await pool.send(origin, REQUEST, retry=False)
            assert (answer.status, await answer.read()) == (200, b"ok")
            assert [value for name, value in answer.headers if name == b"set-cookie"] == [b"a=1", b"b=2"]
    assert connections == 3


async def test_https_services_are_reached_with_their_certificate_checked():
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()

    server, port = await serving(serve, ssl=server_context)
    trusting, untrusting = (UpstreamPool(timeout_s=5, max_connections=2, tls=context)
                            for context in (client_context, None))
    try:
        for _ in range(2):
            answer = await trusting.send(Origin.from_url(f"https://127.0.0.1:{port}"), REQUEST, retry=False)
            assert (answer.status, await answer.read()) == (200, b"ok")
        try:
            await untrusting.send(Origin.from_url(f"https://127.0.0.1:{port}"), REQUEST, retry=False)
        except Exception as exc:  # noqa: BLE001  # the type is the point of the next line
            assert type(exc).__name__ == "ConnectFailed" and "CERTIFICATE_VERIFY_FAILED" in str(exc)
        else:
            raise AssertionError("a certificate from an unknown authority was accepted")
    finally:
        await trusting.close()
        await untrusting.close()
        server.close()
        await server.wait_closed()


async def test_a_large_answer_is_read_at_the_callers_pace_and_arrives_whole():
    body = bytes(range(250)) * 80_000  # 20 MB: more than the kernel buffers hold
    written = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body))
        writer.write(body)
        await writer.drain()  # returns only once the client has read most of it
        written.set()
        await reader.read()

    async with pool_on(serve, timeout_s=5, max_connections=2) as (pool, origin):
        answer = await pool.send(origin, REQUEST, retry=False)
        chunks = answer.chunks()
        received = [await anext(chunks)]
        await asyncio.sleep(0.2)
        # Reading paused: the service cannot have written all of it while the caller took one chunk.
        assert not written.is_set()
        received += [chunk async for chunk in chunks]
        assert b"".join(received) == body


@pytest.mark.parametrize("size", [10, 3 * 1024 * 1024])
async def test_a_body_sent_beside_the_head_arrives_whole_and_after_it(size):
    # Small bodies go out joined to the head; a large one is written as it is, after the head.
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    received: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        received.append(head + await reader.readexactly(len(body)))
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await writer.drain()

    head = b"POST /thing HTTP/1.1\r\nhost: service\r\ncontent-length: %d\r\n\r\n" % len(body)
    async with pool_on(serve, timeout_s=5, max_connections=1) as (pool, origin):
        answer = await pool.send(origin, head, body=body, retry=False)
        assert (answer.status, await answer.read()) == (204, b"")
    assert received == [head + body]


async def test_an_interim_answer_is_passed_over_for_the_final_one():
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(0.05)  # apart from the final answer, as when the service reads the body first
        writer.write(b"HTTP/1.1 201 Created\r\ncontent-length: 4\r\nx-a: 1\r\n\r\ndone")
        await writer.drain()
        await reader.read()

    async with pool_on(serve, timeout_s=5, max_connections=2) as (pool, origin):
        answer = await pool.send(origin, REQUEST, retry=False)
        assert (answer.status, answer.headers, await answer.read()) == (201, [(b"content-length", b"4"), (b"x-a", b"1")], b"done")


async def test_a_holder_gets_its_share_of_the_slots_and_a_full_pool_says_so_at_once():
    """Review 1: slots are held until an answer is read. One holder (an API key) may hold only its
    share; with none free the pool says NoFreeSlot after `slot_wait_s`, not a time-out of the service."""
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()

    async with pool_on(serve, timeout_s=60, max_connections=3, max_per_holder=2, slot_wait_s=0.2) as (pool, origin):
        held = [await pool.send(origin, REQUEST, retry=False, holder="a") for _ in range(2)]
        with pytest.raises(NoFreeSlot) as refused:
            await pool.send(origin, REQUEST, retry=False, holder="a")
        assert refused.value.whose == "key"
        held.append(await pool.send(origin, REQUEST, retry=False, holder="b"))
        with pytest.raises(NoFreeSlot) as refused:
            await pool.send(origin, REQUEST, retry=False, holder="c")
        assert refused.value.whose == "all"
        assert (pool.in_use, pool.held_by("a"), pool.held_by("b"), pool.held_by("c")) == (3, 2, 1, 0)
        for answer in held:
            assert await answer.read() == b"ok"
        assert (pool.in_use, pool.held_by("a")) == (0, 0)
        answer = await pool.send(origin, REQUEST, retry=False, holder="c")
        assert await answer.read() == b"ok"
        assert pool._per_holder._shares == {}  # noqa: SLF001  # holders with nothing held are forgotten


async def test_a_service_closing_mid_answer_ends_the_read_at_once_not_at_the_time_out():
    """httptools' response parser has no `feed_eof`: calling it in `connection_lost` raised, so the
    reader waiting for more of the body was never woken and waited out the whole time-out (holding
    its slot) before failing as if the service were slow."""
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b")
        await writer.drain()
        await asyncio.sleep(0.1)  # the first part is read before the close
        writer.close()

    async with pool_on(serve, timeout_s=120, max_connections=1) as (pool, origin):
        answer = await pool.send(origin, REQUEST, retry=False)
        with pytest.raises(BrokenAnswer):
            async with asyncio.timeout(60):  # far below the pool's time-out: woken by the close
                await answer.read()
        assert pool.in_use == 0


async def test_an_answer_whose_body_runs_to_the_close_ends_there():
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nthe whole body")
        await writer.drain()
        writer.close()

    async with pool_on(serve, timeout_s=120, max_connections=1) as (pool, origin):
        answer = await pool.send(origin, REQUEST, retry=False)
        async with asyncio.timeout(60):
            assert await answer.read() == b"the whole body"
