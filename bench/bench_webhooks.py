"""Webhook delivery benchmark: events published by a service reach every receiver, signed, in order.

    uv run python bench/bench_webhooks.py [--events 10000] [--rate 500] [--receivers 10]
                                          [--down-seconds 30] [--drain-timeout 600] [--receiver-processes 2]
                                          [--profile]

Over real TCP and a real nats-server, in processes of their own so that the gateway's process is
what is measured: the publishing service (the test ledger: notes written through its outbox at
`rate` a second, 10 a tick, published by its OutboxRelay), the gateway (`create_app`, SQLite, served
by uvicorn: its durable consumer queues the deliveries, its DeliveryWorker sends them; this process)
and `receivers` local receivers (spread over `receiver-processes` processes), each subscribed to
every ledger event by one webhook. A receiver stands for an integrator's server on another machine:
a small asyncio protocol (httptools, as uvicorn parses) rather than uvicorn + Starlette, whose
~5,000 requests a second took about a core of the two the gateway runs on; it refuses (400) a
request without the Standard Webhooks id, timestamp and v1 signature (`unsigned`, must be 0) and
checks that the id is the event's. Receiver 0 answers 500 to 30 % of requests;
receiver 1 is down (its port closed) for `down-seconds` from a third of the publishing on (by the
clock: events/3 ÷ rate). The others are healthy.

Retries: the production backoff starts at 5 s; a receiver failing 30 % of the time would then
take hours to get 10,000 events in order, so this bench sets `webhook_retry_base_s` to 0.05 s,
`webhook_retry_max_s` to 2 s and `webhook_max_attempts` to 50 (everything else at the production
defaults): with the compressed backoff, production's 15 attempts span only ~15 s, and the 30 s
outage would disable receiver 1's subscription; 50 span about a minute.

Result (last line): `delivered` (subscription × event pairs answered 2xx), `lost` (pairs the
gateway never queued durably: expected − queued; must be 0), `still_queued` (queued, not yet
delivered when everything drained or `drain-timeout` passed), `duplicates_seen_by_receivers` (2xx
receipts beyond the first per pair), `latency_p50_ms`/`latency_p99_ms` (event time — the outbox
write — to the healthy receivers' 2xx; goal p99 ≤ 1,000 ms), `deliveries_per_s` (2xx deliveries
over the span from the first to the last one: the system is saturated for most of it),
`gateway_cpu_ms_per_delivery` (CPU time of the gateway's process from the first publish to the end
of the drain, over `delivered`: on a shared machine the figure that does not depend on the load;
`gateway_cpu_ms_per_delivery_to_caught_up` the same up to `caught_up_s`, when every receiver but
receiver 0 had every event, so without receiver 0's tail of retries),
`out_of_order` (first receipts per receiver against stream order: must be 0) and
`load_average_1m` at the start and at the end (other work on the machine slows every figure but
the CPU one). `--profile` runs the gateway's process under cProfile (its event loop's thread:
bench/results/profile_webhooks.pstats, git-ignored; top entries on stderr); its figures are then
the profiler's, not the gateway's.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing as mp
import os
import random
import tempfile
import time
from collections import Counter
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path

import httptools
import httpx
from _support import (
    emit,
    install_uvloop,
    nats_server,
    percentile,
    prepared_ledger_database,
    quiet_logs,
    save_profile,
    say,
)
from sqlmodel import func, select

from sihub_gateway.accounts.schemas import AccountCreate, ApiKeyCreate
from sihub_gateway.accounts.service import AccountService
from sihub_gateway.main import create_app
from sihub_gateway.settings import GatewaySettings
from sihub_gateway.webhooks.models import DeliveryStatus, WebhookDelivery
from sihub_shared.events.bus import EventBus
from sihub_shared.events.relay import OutboxRelay
from sihub_shared.events.streams import ensure_stream
from sihub_shared.migrations import upgrade
from sihub_shared.natsserver import free_port
from sihub_shared.testing.ledger import write_notes
from sihub_shared.testing.servers import serving

MIGRATIONS = Path(__file__).resolve().parents[1] / "services/gateway/src/sihub_gateway/migrations"
SECRET = "bench-identity-secret-that-is-long-enough-0123456789"


class Receiver:
    def __init__(self, index: int, port: int, *, failure_rate: float = 0.0) -> None:
        self.index = index
        self.failure_rate = failure_rate
        self.port = port
        self.first_ok: dict[str, float] = {}  # event id -> wall time of its first 2xx
        self.order: list[str] = []  # event ids in the order of their first 2xx
        self.oks: Counter[str] = Counter()
        self.times: dict[str, str] = {}  # event id -> its CloudEvent time (the outbox write)
        self.subjects: dict[str, str] = {}  # event id -> its subject (the note id)
        self.unsigned = 0  # requests refused for want of a Standard Webhooks header (must stay 0)
        self.server: asyncio.Server | None = None
        self.connections: set[_ReceiverConnection] = set()

    def receive(self, method: bytes, url: bytes, headers: dict[bytes, bytes], body: bytes) -> int:
        if method != b"POST" or url != b"/hook":
            return 404
        event_id = headers.get(b"webhook-id", b"").decode()
        signature = headers.get(b"webhook-signature", b"")
        if not event_id or not headers.get(b"webhook-timestamp") or not signature.startswith(b"v1,"):
            self.unsigned += 1
            return 400
        if random.random() < self.failure_rate:
            return 500
        self.oks[event_id] += 1
        if event_id not in self.first_ok:
            self.first_ok[event_id] = time.time()
            self.order.append(event_id)
            event = json.loads(body)
            if event["id"] != event_id:  # the header must name the event it carries
                raise AssertionError(f"webhook-id {event_id} on event {event['id']}")
            self.times[event_id], self.subjects[event_id] = event["time"], event["subject"]
        return 204

    async def start(self) -> None:
        """Listen (again, on the same port, keeping what was received)."""
        self.server = await asyncio.get_running_loop().create_server(
            lambda: _ReceiverConnection(self), "127.0.0.1", self.port, reuse_address=True)

    async def stop(self) -> None:
        """Down: the port closed and every open connection with it (as a machine that went away)."""
        if self.server is not None:
            self.server.close()
            for connection in list(self.connections):
                connection.transport.close()
            await self.server.wait_closed()
            self.server = None

    def report(self) -> dict:
        return {"first_ok": self.first_ok, "order": self.order, "oks": dict(self.oks), "times": self.times,
                "subjects": self.subjects, "unsigned": self.unsigned}


class _ReceiverConnection(asyncio.Protocol):
    """One receiver connection: HTTP/1.1 requests parsed by httptools, answered in one write. A
    stand-in for an integrator's server on another machine, cheap enough not to take the gateway's
    cores; it still refuses a request without the Standard Webhooks headers (id, timestamp, a v1
    signature) and records what it accepts."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.headers: dict[bytes, bytes] = {}
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.receiver.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.receiver.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            self.transport.close()

    def on_message_begin(self) -> None:
        self.url, self.headers, self.body = b"", {}, []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.lower()] = value

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        status = self.receiver.receive(self.parser.get_method(), self.url, self.headers, b"".join(self.body))
        keep = self.parser.should_keep_alive()
        self.transport.write(_ANSWERS[status] + (b"\r\n" if keep else b"connection: close\r\n\r\n"))
        if not keep:
            self.transport.close()


_ANSWERS = {code: f"HTTP/1.1 {code} {text}\r\ncontent-length: 0\r\n".encode()
            for code, text in [(204, "No Content"), (400, "Bad Request"), (404, "Not Found"), (500, "Internal Server Error")]}


def receivers_process(specs: list[tuple[int, int, float]], conn: Connection) -> None:
    """A process of its own serving some receivers, so that the gateway's process is what is measured.
    Commands over `conn`: ("stop"|"start", index), ("count",) -> first receipts by receiver,
    ("report",) -> all."""
    install_uvloop()

    async def serve() -> None:
        receivers = {index: Receiver(index, port, failure_rate=rate) for index, port, rate in specs}
        for receiver in receivers.values():
            await receiver.start()
        conn.send("ready")
        loop = asyncio.get_running_loop()
        while True:
            command, *arg = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                await receivers[arg[0]].stop()
            elif command == "start":
                await receivers[arg[0]].start()
            elif command == "count":
                conn.send({index: len(r.first_ok) for index, r in receivers.items()})
                continue
            elif command == "report":
                for receiver in receivers.values():
                    await receiver.stop()
                conn.send({index: r.report() for index, r in receivers.items()})
                return
            conn.send("ok")

    asyncio.run(serve())


def publisher_process(nats_url: str, database_url: str, events: int, rate: int, conn: Connection) -> None:
    """The publishing service (the ledger's outbox and relay) in a process of its own: `rate` notes a
    second, 10 a tick; sends the note ids (in write order) and the publishing time."""
    install_uvloop()
    quiet_logs()

    async def publish() -> None:
        ledger_db = await prepared_ledger_database(database_url)
        bus = EventBus(nats_url, name="ledger")
        bus.start()
        await bus.wait_connected()
        await ensure_stream(bus.jetstream, "ledger")
        relay = asyncio.create_task(OutboxRelay(ledger_db, bus, service="ledger").run())
        conn.send("ready")
        await asyncio.to_thread(conn.recv)  # go
        published: list[str] = []
        started = time.monotonic()
        tick = 10 / rate
        while len(published) < events:
            due = min(events, int((time.monotonic() - started) / tick + 1) * 10)
            if due > len(published):
                published += await write_notes(ledger_db, due - len(published))
            await asyncio.sleep(tick / 2)
        publish_s = time.monotonic() - started
        conn.send((published, publish_s))
        # In a thread: the relay must keep publishing meanwhile (a blocking read here froze this
        # event loop, and the relay with it, whenever it had not caught up by the end of the writes).
        await asyncio.to_thread(conn.recv)  # until the gateway has drained
        relay.cancel()
        await asyncio.gather(relay, return_exceptions=True)
        await bus.close()
        await ledger_db.dispose()

    asyncio.run(publish())


class ReceiverGroup:
    """The receivers, spread over `processes` processes."""

    def __init__(self, count: int, processes: int) -> None:
        ports = [free_port() for _ in range(count)]
        self.urls = [f"http://127.0.0.1:{port}/hook" for port in ports]
        self.owner: dict[int, Connection] = {}
        self.procs: list[tuple[mp.process.BaseProcess, Connection]] = []
        context = mp.get_context("spawn")
        for p in range(min(processes, count)):
            specs = [(i, ports[i], 0.3 if i == 0 else 0.0) for i in range(p, count, processes)]
            parent, child = context.Pipe()
            proc = context.Process(target=receivers_process, args=(specs, child), daemon=True)
            proc.start()
            self.procs.append((proc, parent))
            for index, _, _ in specs:
                self.owner[index] = parent

    def ask(self, conn: Connection, *command: object) -> object:
        conn.send(command)
        return conn.recv()

    def wait_ready(self) -> None:
        for _, conn in self.procs:
            assert conn.recv() == "ready"

    def delivered(self) -> dict[int, int]:
        """First receipts by receiver."""
        counts: dict[int, int] = {}
        for _, conn in self.procs:
            counts.update(self.ask(conn, "count"))
        return counts

    def reports(self) -> dict[int, dict]:
        merged: dict[int, dict] = {}
        for proc, conn in self.procs:
            merged.update(self.ask(conn, "report"))
            proc.join(10)
        return merged


async def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="sihub-bench-webhooks-") as tmp, nats_server() as nats:
        receivers = ReceiverGroup(args.receivers, args.receiver_processes)
        context = mp.get_context("spawn")
        pub_conn, pub_child = context.Pipe()
        publisher = context.Process(target=publisher_process, daemon=True,
                                    args=(nats.url, f"sqlite:///{tmp}/ledger.db", args.events, args.rate, pub_child))
        publisher.start()
        receivers.wait_ready()
        assert pub_conn.recv() == "ready"

        gateway_url = f"sqlite:///{tmp}/gateway.db"
        await upgrade(MIGRATIONS, gateway_url)
        settings = GatewaySettings(
            database_url=gateway_url, nats_url=nats.url, identity_secret=SECRET, log_json=False,
            log_level="WARNING", upstreams={"ledger": f"http://127.0.0.1:{free_port()}"},
            webhook_allow_local_targets=True, webhook_retry_base_s=0.05, webhook_retry_max_s=2.0,
            webhook_max_attempts=50, rate_limit_per_s=10_000, rate_limit_burst=10_000,
        )
        app = create_app(settings)
        async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
            async with app.state.database.session() as session:
                service = AccountService(session)
                account = await service.create_account(AccountCreate(name="Bench Integrator", roles=["integrator"]))
                await session.flush()
                key = (await service.issue_key(account.id, ApiKeyCreate(label="bench"))).key
            headers = {"Authorization": f"Bearer {key}"}
            for url in receivers.urls:
                response = await client.post("/api/v1/gateway/webhooks", headers=headers,
                                             json={"url": url, "types": ["org.sihub.ledger.*"]})
                response.raise_for_status()
            say(f"{args.receivers} receivers subscribed; publishing {args.events} events at {args.rate}/s")

            load_at_start = os.getloadavg()[0]
            cpu_started, started = time.process_time(), time.monotonic()
            pub_conn.send("go")
            down = 1 if args.receivers > 1 else None
            down_at = (args.events // 3) / args.rate  # a third of the publishing on
            went_down = came_up = None
            expected = args.events * args.receivers
            published: list[str] | None = None
            deadline = None
            counted = 0.0
            caught_up: tuple[float, int, float] | None = None  # (CPU s, delivered, s since go)
            while True:
                await asyncio.sleep(0.2)
                elapsed = time.monotonic() - started
                if down is not None and went_down is None and elapsed >= down_at:
                    await asyncio.to_thread(receivers.ask, receivers.owner[down], "stop", down)
                    went_down = elapsed
                    say(f"receiver 1 down at {elapsed:.1f}s")
                if went_down is not None and came_up is None and elapsed - went_down >= args.down_seconds:
                    await asyncio.to_thread(receivers.ask, receivers.owner[down], "start", down)
                    came_up = elapsed
                    say(f"receiver 1 up again at {elapsed:.1f}s")
                if published is None and pub_conn.poll():
                    published, publish_s = pub_conn.recv()
                    deadline = time.monotonic() + args.drain_timeout
                    say(f"published {len(published)} in {publish_s:.1f}s")
                if elapsed - counted < 1:
                    continue
                counted = elapsed
                # In a thread: a blocking read of the pipe would stall the gateway's event loop (a
                # profile under load found ~50 ms a read).
                by_receiver = await asyncio.to_thread(receivers.delivered)
                delivered = sum(by_receiver.values())
                if caught_up is None and published is not None and all(
                        n >= args.events for i, n in by_receiver.items() if i != 0):
                    # Every receiver but the failing one has everything: what follows is receiver 0's
                    # tail (mostly waiting for retries: CPU for few deliveries), left out of the second CPU figure.
                    caught_up = (time.process_time() - cpu_started, delivered, elapsed)
                if published is not None and (delivered >= expected or time.monotonic() > deadline):
                    break
                say(f"delivered {delivered}/{expected}")
            cpu_s = time.process_time() - cpu_started
            # What the gateway holds durably: every pair it queued, delivered or not yet.
            async with app.state.database.session() as session:
                queued = (await session.exec(select(func.count()).select_from(WebhookDelivery))).one()
                pending = (await session.exec(select(func.count()).select_from(WebhookDelivery).where(
                    WebhookDelivery.status != DeliveryStatus.delivered))).one()
        reports = receivers.reports()
        pub_conn.send("stop")
        publisher.join(30)

    stream_order = {note: i for i, note in enumerate(published)}  # subjects: ledger note ids, in write order
    ordered = [reports[i] for i in range(args.receivers)]
    healthy = ordered[2:] if len(ordered) > 2 else ordered
    latencies = [
        (r["first_ok"][event_id] - datetime.fromisoformat(r["times"][event_id]).timestamp()) * 1000
        for r in healthy for event_id in r["first_ok"]
    ]
    first = min((t for r in ordered for t in r["first_ok"].values()), default=0.0)
    last = max((t for r in ordered for t in r["first_ok"].values()), default=0.0)
    delivered = sum(len(r["first_ok"]) for r in ordered)
    load = os.getloadavg()
    return {
        "events": len(published),
        "receivers": args.receivers,
        "expected": expected,
        "delivered": delivered,
        # Never queued durably (so never to be delivered): must be 0. What is queued but not yet
        # delivered when the drain time-out ends is `still_queued`, delivered later.
        "lost": expected - queued,
        "still_queued": pending,
        "duplicates_seen_by_receivers": sum(n - 1 for r in ordered for n in r["oks"].values()),
        # Requests without the Standard Webhooks id, timestamp or v1 signature (refused 400): must be 0.
        "unsigned": sum(r["unsigned"] for r in ordered),
        "latency_p50_ms": round(percentile(latencies, 50), 1),
        "latency_p99_ms": round(percentile(latencies, 99), 1),
        "deliveries_per_s": round(delivered / (last - first), 1) if last > first else None,
        # The gateway's process alone (consumer, queue, worker, sender); publisher and receivers run apart.
        "gateway_cpu_ms_per_delivery": round(cpu_s * 1000 / delivered, 3) if delivered else None,
        # The same until every receiver but receiver 0 had every event (its retry tail left out),
        # and when that was (seconds from the first publish).
        "gateway_cpu_ms_per_delivery_to_caught_up": caught_up and round(caught_up[0] * 1000 / caught_up[1], 3),
        "caught_up_s": caught_up and round(caught_up[2], 1),
        "out_of_order": sum(
            r["order"] != sorted(r["order"], key=lambda e: stream_order[r["subjects"][e]]) for r in ordered
        ),
        "publish_s": round(publish_s, 1),
        "receiver_down_s": [went_down and round(went_down, 1), came_up and round(came_up, 1)],
        "load_average_1m": [round(load_at_start, 2), round(load[0], 2)],
        "settings": {"webhook_retry_base_s": 0.05, "webhook_retry_max_s": 2.0, "webhook_max_attempts": 50,
                     "webhook_lane_batch": settings.webhook_lane_batch,
                     "webhook_concurrency": settings.webhook_concurrency, "database": "sqlite",
                     "receiver_processes": len(receivers.procs)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--receivers", type=int, default=10)
    parser.add_argument("--down-seconds", type=float, default=30)
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--receiver-processes", type=int, default=2)
    args = parser.parse_args()
    quiet_logs()
    loop = install_uvloop()
    say(f"event loop: {loop}")
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    result = asyncio.run(run(args))
    if profiler is not None:
        profiler.disable()
        save_profile(profiler, "profile_webhooks", sort="cumulative")
    emit(result)


if __name__ == "__main__":
    main()
