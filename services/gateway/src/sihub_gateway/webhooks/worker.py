"""The two halves of webhook delivery, run in the gateway's process beside the outbox relay.

- Queueing: one durable JetStream consumer per stream (`gateway-webhooks-<service>`, the shared
  ConsumerRunner) turns each event into deliveries in the same transaction as its processed-event
  record (service.enqueue).
- Delivering: `DeliveryWorker` claims the front of every lane (subscription × stream, by sequence:
  a delivery waiting for its retry holds back the later ones, so each receiver gets each stream in
  order), sends the lanes concurrently and each lane's deliveries one after the other, and records
  the outcomes in batches.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession
from structlog import get_logger

from sihub_gateway.settings import GatewaySettings
from sihub_gateway.webhooks.sender import Outcome, WebhookSender
from sihub_gateway.webhooks.service import WebhookService, signing_secrets
from sihub_shared.db import Database
from sihub_shared.events.consumer import Handler, Subscription
from sihub_shared.events.contracts import stream_name
from sihub_shared.events.envelope import CloudEvent

log = get_logger(__name__)


class _EveryType(Mapping[str, Handler]):
    """The queue handler for whatever type arrives: subscriptions name types, not the consumer."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def __getitem__(self, event_type: str) -> Handler:
        return self.handler

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def queue_subscriptions(settings: GatewaySettings) -> list[Subscription]:
    """One per stream the gateway knows: its own and each upstream service's."""

    def handler_for(service: str) -> Handler:
        async def enqueue(session: AsyncSession, event: CloudEvent) -> None:
            await WebhookService(session, settings).enqueue(event, service)
        return enqueue

    return [
        Subscription(name=f"gateway-webhooks-{service}", stream=stream_name(service),
                     subjects=[f"sihub.{service}.>"], handlers=_EveryType(handler_for(service)),
                     description=f"webhook deliveries of {service} events")
        for service in ["gateway", *settings.upstreams]
    ]


_Lane = tuple[str, str]  # (subscription id, stream)
_Item = tuple[str, str, list[str], str, bytes]  # delivery id, url, signing secrets, event id, body


class DeliveryWorker:
    """Lanes run concurrently and independently: each claimed lane front is sent by a task of its
    own while the loop records what other lanes finished and claims lanes that are free again, so a
    slow or failing receiver never holds back a healthy one. Outcomes are recorded in batches, one
    transaction for every lane that finished since the last one."""

    def __init__(self, database: Database, settings: GatewaySettings) -> None:
        self.database = database
        self.settings = settings
        self.sender = WebhookSender(timeout_s=settings.webhook_timeout_s,
                                    max_response_bytes=settings.webhook_max_response_bytes,
                                    allow_local=settings.webhook_allow_local_targets)
        self.in_flight: dict[_Lane, asyncio.Task] = {}
        self.finished: asyncio.Queue[tuple[_Lane, list[tuple[str, Outcome]], list[str]]] = asyncio.Queue()
        self.lane_done = asyncio.Event()

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self.run_once()
                except Exception:  # noqa: BLE001 - the worker must outlive any one round
                    # Claimed deliveries keep their lease and are attempted again when it ends.
                    log.exception("webhook delivery round failed, retrying")
                    await asyncio.sleep(self.settings.webhook_poll_s)
        finally:
            for task in self.in_flight.values():
                task.cancel()
            await asyncio.gather(*self.in_flight.values(), return_exceptions=True)
            await self.sender.close()

    async def run_once(self) -> int:
        """Record the lanes that finished, claim the free ones, start them; then wait for a lane to
        finish (or the poll interval, for retries coming due). Returns the deliveries started."""
        finished = []
        while not self.finished.empty():
            finished.append(self.finished.get_nowait())
        now = datetime.now(UTC)
        async with self.database.session() as session:
            service = WebhookService(session, self.settings)
            if finished:
                await service.record_outcomes([item for _, outcomes, _ in finished for item in outcomes])
                await service.release([delivery_id for _, _, unsent in finished for delivery_id in unsent])
            claimed, next_due = await service.claim_due(now, set(self.in_flight))
            lanes: dict[_Lane, list[_Item]] = {}
            for d, w in claimed:
                lanes.setdefault((w.id, d.stream), []).append(
                    (d.id, w.url, signing_secrets(w, now), d.event_id, d.body))
        for lane, items in lanes.items():
            self.in_flight[lane] = asyncio.create_task(self._send_lane(lane, items))
        if self.finished.empty():
            # Until a lane finishes, a retry comes due, or the poll interval (for new deliveries) ends.
            wait = self.settings.webhook_poll_s
            if next_due is not None:
                wait = min(wait, max(0.0, (next_due - datetime.now(UTC)).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.lane_done.wait(), wait)
        self.lane_done.clear()
        return len(claimed)

    async def _send_lane(self, lane: _Lane, items: list[_Item]) -> None:
        """One after the other, in the lane's order; the first failure stops the lane (what follows
        waits behind its retry). The next round records the outcomes before it claims the lane again."""
        outcomes: list[tuple[str, Outcome]] = []
        unsent: list[str] = []
        try:
            for index, (delivery_id, url, keys, event_id, body) in enumerate(items):
                outcome = await self.sender.send(url, keys, event_id, body)
                outcomes.append((delivery_id, outcome))
                if not outcome.ok:
                    unsent = [later[0] for later in items[index + 1:]]
                    break
        finally:
            del self.in_flight[lane]
            self.finished.put_nowait((lane, outcomes, unsent))
            self.lane_done.set()
