"""The delivery client against raw TCP servers that answer the way receivers may: too much, never,
not HTTP, or closing kept connections. No limit is timed: a client that waited for what it must not
would end in its time-out, and the outcome says which."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sihub_gateway.webhooks.sender import WebhookSender

SECRET = "whsec_" + "A" * 44
Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(answer: Answer) -> AsyncIterator[tuple[str, list[tuple[int, bytes]]]]:
    """(its URL, (the client's port, head) of each request read); `answer` is run after each."""
    heads: list[tuple[int, bytes]] = []

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
                              if line.startswith(b"content-length:"))
                await reader.readexactly(length)
                heads.append((writer.get_extra_info("peername")[1], head))
                await answer(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/hook?x=1", heads
    finally:
        server.close()


async def send(url: str, items: int = 1, *, timeout_s: float = 30, max_response_bytes: int = 1024,
               until: float | None = None) -> list:
    sender = WebhookSender(timeout_s=timeout_s, max_response_bytes=max_response_bytes, allow_local=True)
    try:
        return await sender.send_in_order(url, [SECRET], [(f"e{i}", b"{}") for i in range(items)], until=until)
    finally:
        await sender.close()


async def no_content(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")


async def test_a_lane_sends_on_one_kept_connection_a_well_formed_request():
    async with raw_server(no_content) as (url, heads):
        outcomes = await send(url, items=3)
    assert [(o.status_code, o.error) for o in outcomes] == [(204, None)] * 3
    assert len(heads) == 3 and len({port for port, _ in heads}) == 1
    first = heads[0][1].decode().split("\r\n")
    assert first[0] == "POST /hook?x=1 HTTP/1.1"
    names = {line.split(":")[0] for line in first[1:] if line}
    assert {"host", "content-length", "webhook-id", "webhook-timestamp", "webhook-signature"} <= names


async def test_the_answer_is_read_to_the_limit_and_no_further():
    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Promises a megabyte, sends 4 KiB, then nothing: only a client reading past its limit waits.
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1048576\r\n\r\n" + b"x" * 4096)
        await asyncio.sleep(3600)

    async with raw_server(endless) as (url, heads):
        outcomes = await send(url, items=2, max_response_bytes=1024)
    assert [(o.status_code, o.error) for o in outcomes] == [(200, None), (200, None)]
    # The first connection was dropped at the limit; the second request had a new one.
    assert len({port for port, _ in heads}) == 2


async def test_a_receiver_that_never_answers_times_out():
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)

    async with raw_server(silent) as (url, _):
        outcomes = await send(url, items=2, timeout_s=0.2)
    assert [(o.status_code, o.error) for o in outcomes] == [(None, "timed out")]  # the lane stops at it


async def test_an_answer_that_is_not_http_fails_the_delivery():
    async def gibberish(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")

    async with raw_server(gibberish) as (url, _):
        outcomes = await send(url)
    assert [(o.status_code, o.error) for o in outcomes] == [(None, "connection failed")]


async def test_a_connection_the_receiver_closes_is_replaced():
    async def closing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    async with raw_server(closing) as (url, heads):
        outcomes = await send(url, items=3)
    assert [(o.status_code, o.error) for o in outcomes] == [(200, None)] * 3
    assert len({port for port, _ in heads}) == 3


async def test_a_redirect_is_an_outcome_not_a_request():
    async def moved(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 308 Permanent Redirect\r\nlocation: http://169.254.169.254/\r\ncontent-length: 0\r\n\r\n")

    async with raw_server(moved) as (url, heads):
        outcomes = await send(url, items=2)
    assert [(o.status_code, o.error) for o in outcomes] == [(308, "redirect not followed")]
    assert len(heads) == 1


async def test_a_lane_starts_nothing_after_its_time_but_the_first_request():
    async with raw_server(no_content) as (url, heads):
        bounded = await send(url, items=5, until=time.monotonic())
        unbounded = await send(url, items=5, until=time.monotonic() + 3600)
    assert [o.status_code for o in bounded] == [204]  # the lane's first is always sent: it moves on
    assert [o.status_code for o in unbounded] == [204] * 5
    assert len(heads) == 6
