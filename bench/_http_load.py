"""HTTP load for bench_gateway.py, in a process of its own: N keep-alive connections, each sending
one GET after the other for a fixed time, and one JSON line on stdout with the rate and latencies.

    python bench/_http_load.py --url http://127.0.0.1:8101/api/v1/bench/actors?limit=20 \
        --connections 16 --seconds 5 [--header 'Name: value' ...]

A small asyncio HTTP/1.1 client on uvloop rather than httpx: httpx costs several times more CPU
per request than the servers it would measure, so on two cores it would be the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit

from _support import install_uvloop, percentile


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response (Content-Length or chunked body); returns its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        await reader.readexactly(length)
        return status
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return status


async def connection(host: str, port: int, request: bytes, until: float,
                     latencies: list[float], failures: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (started := time.perf_counter()) < until:
            writer.write(request)
            status = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                failures.append(status)
    finally:
        writer.close()


async def main(args: argparse.Namespace) -> dict[str, object]:
    url = urlsplit(args.url)
    target = url.path + (f"?{url.query}" if url.query else "")
    headers = [f"Host: {url.netloc}", "Accept: application/json", *args.header]
    request = (f"GET {target} HTTP/1.1\r\n" + "".join(f"{h}\r\n" for h in headers) + "\r\n").encode()
    latencies: list[float] = []
    failures: list[int] = []
    started = time.perf_counter()
    until = started + args.seconds
    await asyncio.gather(*(
        connection(url.hostname or "127.0.0.1", url.port or 80, request, until, latencies, failures)
        for _ in range(args.connections)
    ))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "failures": len(failures),
        "failure_statuses": sorted(set(failures)),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--header", action="append", default=[])
    install_uvloop()
    print(json.dumps(asyncio.run(main(parser.parse_args()))), flush=True)
