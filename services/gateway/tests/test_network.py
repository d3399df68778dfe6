"""The forwarder's readability check: how the pool learns that a service closed an idle connection."""

from __future__ import annotations

import asyncio
import ssl

import httpcore
import trustme

from sihub_gateway.proxy.network import PollingBackend


async def test_an_idle_connection_turns_readable_when_the_peer_closes_it():
    closed = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await closed.wait()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    stream = await PollingBackend().connect_tcp("127.0.0.1", port)
    try:
        assert stream.get_extra_info("is_readable") is False
        assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
        closed.set()
        for _ in range(100):
            if stream.get_extra_info("is_readable"):
                break
            await asyncio.sleep(0.01)
        assert stream.get_extra_info("is_readable") is True
        assert await stream.read(100) == b""
    finally:
        await stream.aclose()
        server.close()
        await server.wait_closed()
    assert stream.get_extra_info("is_readable") is True  # a closed socket is never reused


async def test_the_pool_replaces_a_connection_the_service_closed():
    answers = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal answers
        await reader.readuntil(b"\r\n\r\n")
        answers += 1
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()  # keep-alive offered by the client, refused by closing after the answer

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with httpcore.AsyncConnectionPool(network_backend=PollingBackend()) as pool:
        for _ in range(3):
            await asyncio.sleep(0.05)  # the close reaches the idle connection first
            response = await pool.request("GET", f"http://127.0.0.1:{port}/")
            assert (response.status, response.content) == (200, b"ok")
    server.close()
    await server.wait_closed()
    assert answers == 3


async def test_https_services_are_reached_through_the_same_backend():
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpcore.AsyncConnectionPool(ssl_context=client_context, network_backend=PollingBackend()) as pool:
            for _ in range(2):  # the second request reuses the connection: its idle check polls the TLS socket
                response = await pool.request("GET", f"https://127.0.0.1:{port}/")
                assert (response.status, response.content) == (200, b"ok")
            assert len(pool.connections) == 1
    finally:
        server.close()
