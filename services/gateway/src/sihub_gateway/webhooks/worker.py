"""The two halves of webhook delivery, run in the gateway's process beside the outbox relay.

- Queueing: one durable JetStream consumer per stream (`gateway-webhooks-<service>`, the shared
  ConsumerRunner) turns each event into deliveries in the same transaction as its processed-event
  record (service.enqueue), and rings the QueueBell once that transaction has committed.
- Delivering: `DeliveryWorker` claims the front of every lane (subscription × stream, by sequence:
  a delivery waiting for its retry holds back the later ones, so each receiver gets each stream in
  order) that may have one (lanes.py: idle and waiting lanes rest between sweeps), sends the
  lanes concurrently and independently and each lane's deliveries one after the other, and
  records the outcomes in batches.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession
from structlog import get_logger

from sihub_gateway.settings import GatewaySettings
from sihub_gateway.webhooks.lanes import Lane, LaneRests, QueueBell
from sihub_gateway.webhooks.sender import Outcome, WebhookSender
from sihub_gateway.webhooks.service import LEASE, WebhookService, signing_secrets
from sihub_shared.db import Database
from sihub_shared.events.consumer import BatchHandler, Subscription
from sihub_shared.events.contracts import stream_name
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.workers import raise_if_stopping, wait_for_event

log = get_logger(__name__)

def queue_subscriptions(settings: GatewaySettings, bell: QueueBell) -> list[Subscription]:
    """One per stream the gateway knows: its own and each upstream service's. Each consumer's batch
    of events is queued at once (one statement), whatever the events' types."""

    def handler_for(service: str) -> BatchHandler:
        async def enqueue(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
            if lanes := await WebhookService(session, settings).enqueue(events, service):
                bell.ring_after_commit(session, lanes)
        return enqueue

    return [
        Subscription(name=f"gateway-webhooks-{service}", stream=stream_name(service),
                     subjects=[f"sihub.{service}.>"], handlers={}, handle_all=handler_for(service),
                     description=f"webhook deliveries of {service} events")
        for service in settings.streams
    ]


# Left of a front's lease after its last request can have ended, for the round that records it.
_RECORDING_MARGIN_S = 15.0


@dataclass(frozen=True)
class _LaneFront:
    """The claimed front of one lane: sent in order to one target with one set of secrets."""

    url: str
    secrets: list[str]
    deliveries: list[tuple[str, str, bytes]]  # delivery id, event id, body
    until: float  # time.monotonic() after which the lane starts no request (its lease must outlast it)


class DeliveryWorker:
    """Lanes run concurrently and independently: each claimed lane front is sent by a task of its
    own while the loop records what other lanes finished and claims lanes that are free again, so a
    slow, failing or down receiver only holds back its own lane. The database work is the loop's
    alone: one transaction per round records the outcomes of every lane finished since and claims
    the free lanes' fronts."""

    def __init__(self, database: Database, settings: GatewaySettings, bell: QueueBell | None = None) -> None:
        self.database = database
        self.settings = settings
        self.bell = bell
        self.sender = WebhookSender(timeout_s=settings.webhook_timeout_s,
                                    max_response_bytes=settings.webhook_max_response_bytes,
                                    allow_local=settings.webhook_allow_local_targets,
                                    connections=settings.webhook_concurrency)
        # The last request a front starts may take a connect and a whole exchange (client.py), and
        # the round after it must record the outcome, all within the lease: a front is bounded in
        # time, not only in count, so it can be long (webhook_lane_batch) and still never outlive
        # its lease (another gateway would then claim the lane: duplicates, and order lost).
        self.front_s = LEASE.total_seconds() - self.sender.longest_request_s - _RECORDING_MARGIN_S
        self.in_flight: dict[Lane, asyncio.Task] = {}
        self.finished: list[list[tuple[str, Outcome]]] = []  # each finished front's outcomes
        self.wakes = asyncio.Event()  # a lane finished, or the bell rang
        self.rests = LaneRests(settings.webhook_sweep_s)

    async def run(self) -> None:
        if self.bell is not None:
            self.bell.worker_wakes, self.bell.worker_rests = self.wakes, self.rests
        try:
            while True:
                raise_if_stopping()  # a stop that a library's wait swallowed
                try:
                    await self.run_once()
                except Exception:  # noqa: BLE001 - the worker must outlive any one round
                    raise_if_stopping()
                    # Claimed deliveries keep their lease and are attempted again when it ends.
                    log.exception("webhook delivery round failed, retrying")
                    await asyncio.sleep(self.settings.webhook_poll_s)
        finally:
            if self.bell is not None:
                self.bell.worker_wakes, self.bell.worker_rests = None, None
            # What was in flight keeps its lease and is attempted again when it ends (at least once).
            lanes = list(self.in_flight.values())
            for task in lanes:
                task.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)
            await self.sender.close()

    async def run_once(self) -> int:
        """Record the lanes that finished, claim the free ones, start them; then wait for a lane to
        finish, deliveries to be queued, a retry to come due, or the poll interval. Returns the
        deliveries started."""
        finished, self.finished = self.finished, []
        self.wakes.clear()
        now = datetime.now(UTC)
        until = time.monotonic() + self.front_s
        async with self.database.session() as session:
            service = WebhookService(session, self.settings)
            if finished:
                await service.record_outcomes([item for outcomes in finished for item in outcomes])
            claimed, next_due = await service.claim_due(now, set(self.in_flight), self.rests)
            fronts: dict[Lane, _LaneFront] = {}
            for d, w in claimed:
                front = fronts.setdefault((w.id, d.stream), _LaneFront(w.url, signing_secrets(w, now), [], until))
                front.deliveries.append((d.id, d.event_id, d.body))
        for lane, front in fronts.items():
            self.in_flight[lane] = asyncio.create_task(self._send_lane(lane, front), name=f"webhook-lane-{lane[0]}")
        if not self.wakes.is_set():
            # Until a lane finishes, deliveries are queued, a retry comes due, or the poll interval ends.
            wait = self.settings.webhook_poll_s
            if next_due is not None:
                wait = min(wait, max(0.0, (next_due - datetime.now(UTC)).total_seconds()))
            await wait_for_event(self.wakes, wait)
        return len(claimed)

    async def _send_lane(self, lane: Lane, front: _LaneFront) -> None:
        """One after the other, in the lane's order; the first failure, or the front's time, stops
        the lane (what follows was never leased: it waits behind the retry, or for the next front).
        The next round records the outcomes before it claims the lane again."""
        ids = [delivery_id for delivery_id, _, _ in front.deliveries]
        outcomes: list[Outcome] = []
        try:
            outcomes = await self.sender.send_in_order(
                front.url, front.secrets, [(event_id, body) for _, event_id, body in front.deliveries],
                until=front.until)
        except Exception:  # noqa: BLE001 - a lane's error must not end the worker
            # Nothing recorded: the front keeps its lease, then is attempted again.
            log.exception("webhook lane failed", subscription_id=lane[0], stream=lane[1])
            ids = []
        finally:
            del self.in_flight[lane]
            self.finished.append(list(zip(ids, outcomes, strict=False)))
            self.wakes.set()
