"""Webhook delivery benchmark: events published by a service reach every receiver, signed, in order.

    uv run python bench/bench_webhooks.py [--events 10000] [--rate 500] [--receivers 10]
                                          [--down-seconds 30] [--drain-timeout 600]

One process (uvloop) plays every part over real TCP and a real nats-server: the publishing service
(the test ledger: notes written through its outbox at `rate` a second, 10 a tick, published by its
OutboxRelay), the gateway (`create_app`, SQLite, served by uvicorn: its durable consumer queues the
deliveries, its DeliveryWorker sends them), and `receivers` local receivers, each subscribed to
every ledger event by one webhook. Receiver 0 answers 500 to 30 % of requests; receiver 1 is down
(its port closed) for `down-seconds` from a third of the publishing on. The others are healthy.

Retries: the production backoff starts at 5 s; a receiver failing 30 % of the time would then
take hours to get 10,000 events in order, so this bench sets `webhook_retry_base_s` to 0.05 s and
`webhook_retry_max_s` to 2 s (everything else at the production defaults).

Result (last line): `delivered` (subscription × event pairs answered 2xx), `lost` (pairs the
gateway never queued durably: expected − queued; must be 0), `still_queued` (queued, not yet
delivered when everything drained or `drain-timeout` passed), `duplicates_seen_by_receivers` (2xx
receipts beyond the first per pair), `latency_p50_ms`/`latency_p99_ms` (event time — the outbox
write — to the healthy receivers' 2xx; goal p99 ≤ 1,000 ms), `deliveries_per_s` (2xx deliveries
over the span from the first to the last one: the system is saturated for most of it), and
`out_of_order` (first receipts per receiver against stream order: must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import httpx
import uvicorn
from _support import emit, install_uvloop, nats_server, percentile, prepared_ledger_database, quiet_logs, say
from sqlmodel import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

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
    def __init__(self, index: int, *, failure_rate: float = 0.0) -> None:
        self.index = index
        self.failure_rate = failure_rate
        self.port = free_port()
        self.first_ok: dict[str, float] = {}  # event id -> wall time of its first 2xx
        self.order: list[str] = []  # event ids in the order of their first 2xx
        self.oks: Counter[str] = Counter()
        self.times: dict[str, str] = {}  # event id -> its CloudEvent time (the outbox write)
        self.subjects: dict[str, str] = {}  # event id -> its subject (the note id)
        self.server: uvicorn.Server | None = None
        self.task: asyncio.Task | None = None

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        if random.random() < self.failure_rate:
            return Response(status_code=500)
        event_id = request.headers["webhook-id"]
        self.oks[event_id] += 1
        if event_id not in self.first_ok:
            self.first_ok[event_id] = time.time()
            self.order.append(event_id)
            event = json.loads(body)
            self.times[event_id], self.subjects[event_id] = event["time"], event["subject"]
        return Response(status_code=204)

    async def start(self) -> None:
        """Listen (again, on the same port, keeping what was received)."""
        app = Starlette(routes=[Route("/hook", self.endpoint, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error",
                                                    lifespan="off", access_log=False))
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            await self.task
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


async def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="sihub-bench-webhooks-") as tmp, nats_server() as nats:
        ledger_db = await prepared_ledger_database(f"sqlite:///{tmp}/ledger.db")
        bus = EventBus(nats.url, name="ledger")
        bus.start()
        await bus.wait_connected()
        await ensure_stream(bus.jetstream, "ledger")
        relay = asyncio.create_task(OutboxRelay(ledger_db, bus, service="ledger").run())

        gateway_url = f"sqlite:///{tmp}/gateway.db"
        await upgrade(MIGRATIONS, gateway_url)
        settings = GatewaySettings(
            database_url=gateway_url, nats_url=nats.url, identity_secret=SECRET, log_json=False,
            log_level="WARNING", upstreams={"ledger": f"http://127.0.0.1:{free_port()}"},
            webhook_allow_local_targets=True, webhook_retry_base_s=0.05, webhook_retry_max_s=2.0,
            rate_limit_per_s=10_000, rate_limit_burst=10_000,
        )
        receivers = [Receiver(i, failure_rate=0.3 if i == 0 else 0.0) for i in range(args.receivers)]
        for receiver in receivers:
            await receiver.start()
        app = create_app(settings)
        async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
            async with app.state.database.session() as session:
                service = AccountService(session)
                account = await service.create_account(AccountCreate(name="Bench Integrator", roles=["integrator"]))
                await session.flush()
                key = (await service.issue_key(account.id, ApiKeyCreate(label="bench"))).key
            headers = {"Authorization": f"Bearer {key}"}
            for receiver in receivers:
                response = await client.post("/api/v1/gateway/webhooks", headers=headers,
                                             json={"url": receiver.url, "types": ["org.sihub.ledger.*"]})
                response.raise_for_status()
            say(f"{len(receivers)} receivers subscribed; publishing {args.events} events at {args.rate}/s")

            down = receivers[1] if len(receivers) > 1 else None
            published: list[str] = []
            started = time.monotonic()
            went_down = came_up = None
            tick = 10 / args.rate  # 10 notes a tick
            while len(published) < args.events:
                due = min(args.events, int((time.monotonic() - started) / tick + 1) * 10)
                if due > len(published):
                    published += await write_notes(ledger_db, due - len(published))
                elapsed = time.monotonic() - started
                if down is not None and went_down is None and len(published) >= args.events // 3:
                    await down.stop()
                    went_down = elapsed
                    say(f"receiver 1 down at {elapsed:.1f}s")
                if went_down is not None and came_up is None and elapsed - went_down >= args.down_seconds:
                    await down.start()
                    came_up = elapsed
                await asyncio.sleep(tick / 2)
            publish_s = time.monotonic() - started
            say(f"published {len(published)} in {publish_s:.1f}s")

            expected = len(published) * len(receivers)
            deadline = time.monotonic() + args.drain_timeout
            while True:
                elapsed = time.monotonic() - started
                if down is not None and went_down is not None and came_up is None and elapsed - went_down >= args.down_seconds:
                    await down.start()
                    came_up = elapsed
                    say(f"receiver 1 up again at {elapsed:.1f}s")
                delivered = sum(len(r.first_ok) for r in receivers)
                if delivered >= expected or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1)
                say(f"delivered {delivered}/{expected}")
            # What the gateway holds durably: every pair it queued, delivered or not yet.
            async with app.state.database.session() as session:
                queued = (await session.exec(select(func.count()).select_from(WebhookDelivery))).one()
                pending = (await session.exec(select(func.count()).select_from(WebhookDelivery).where(
                    WebhookDelivery.status != DeliveryStatus.delivered))).one()
        for receiver in receivers:
            await receiver.stop()
        relay.cancel()
        await asyncio.gather(relay, return_exceptions=True)
        await bus.close()
        await ledger_db.dispose()

    stream_order = {note: i for i, note in enumerate(published)}  # subjects: ledger note ids, in write order
    healthy = receivers[2:] if len(receivers) > 2 else receivers
    latencies = [
        (r.first_ok[event_id] - datetime.fromisoformat(r.times[event_id]).timestamp()) * 1000
        for r in healthy for event_id in r.first_ok
    ]
    first = min((t for r in receivers for t in r.first_ok.values()), default=0.0)
    last = max((t for r in receivers for t in r.first_ok.values()), default=0.0)
    delivered = sum(len(r.first_ok) for r in receivers)
    return {
        "events": len(published),
        "receivers": len(receivers),
        "expected": expected,
        "delivered": delivered,
        # Never queued durably (so never to be delivered): must be 0. What is queued but not yet
        # delivered when the drain time-out ends is `still_queued`, delivered later.
        "lost": expected - queued,
        "still_queued": pending,
        "duplicates_seen_by_receivers": sum(n - 1 for r in receivers for n in r.oks.values()),
        "latency_p50_ms": round(percentile(latencies, 50), 1),
        "latency_p99_ms": round(percentile(latencies, 99), 1),
        "deliveries_per_s": round(delivered / (last - first), 1) if last > first else None,
        "out_of_order": sum(
            r.order != sorted(r.order, key=lambda e: stream_order[r.subjects[e]]) for r in receivers
        ),
        "publish_s": round(publish_s, 1),
        "receiver_down_s": [went_down and round(went_down, 1), came_up and round(came_up, 1)],
        "settings": {"webhook_retry_base_s": 0.05, "webhook_retry_max_s": 2.0,
                     "webhook_lane_batch": settings.webhook_lane_batch,
                     "webhook_concurrency": settings.webhook_concurrency, "database": "sqlite"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--receivers", type=int, default=10)
    parser.add_argument("--down-seconds", type=float, default=30)
    parser.add_argument("--drain-timeout", type=float, default=600)
    args = parser.parse_args()
    quiet_logs()
    loop = install_uvloop()
    say(f"event loop: {loop}")
    emit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
