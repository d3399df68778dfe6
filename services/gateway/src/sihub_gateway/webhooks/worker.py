"""The two halves of webhook delivery, run in the gateway's process beside the outbox relay.

- Queueing: one durable JetStream consumer per stream (`gateway-webhooks-<service>`, the shared
  ConsumerRunner) turns each event into deliveries in the same transaction as its processed-event
  record (service.enqueue).
- Delivering: `DeliveryWorker` claims the front of every lane (subscription × stream, by sequence:
  a delivery waiting for its retry holds back the later ones, so each receiver gets each stream in
  order), sends the lanes concurrently and each lane's deliveries one after the other, and records
  each outcome.
"""

from __future__ import annotations

import asyncio
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


class DeliveryWorker:
    def __init__(self, database: Database, settings: GatewaySettings) -> None:
        self.database = database
        self.settings = settings
        self.sender = WebhookSender(timeout_s=settings.webhook_timeout_s,
                                    max_response_bytes=settings.webhook_max_response_bytes,
                                    allow_local=settings.webhook_allow_local_targets)

    async def run(self) -> None:
        try:
            while True:
                try:
                    sent = await self.run_once()
                except Exception:  # noqa: BLE001 - the worker must outlive any one round
                    # Claimed deliveries keep their lease and are attempted again when it ends.
                    log.exception("webhook delivery round failed, retrying")
                    sent = 0
                if not sent:
                    await asyncio.sleep(self.settings.webhook_poll_s)
        finally:
            await self.sender.close()

    async def run_once(self) -> int:
        now = datetime.now(UTC)
        async with self.database.session() as session:
            claimed = await WebhookService(session, self.settings).claim_due(now)
            lanes: dict[tuple[str, str], list[tuple[str, str, list[str], str, bytes]]] = {}
            for d, w in claimed:
                lanes.setdefault((w.id, d.stream), []).append((d.id, w.url, signing_secrets(w, now), d.event_id, d.body))
        if not lanes:
            return 0
        results = await asyncio.gather(*(self._send_lane(lane) for lane in lanes.values()))
        async with self.database.session() as session:
            service = WebhookService(session, self.settings)
            await service.record_outcomes([item for outcomes, _ in results for item in outcomes])
            await service.release([delivery_id for _, unsent in results for delivery_id in unsent])
        return len(claimed)

    async def _send_lane(
        self, lane: list[tuple[str, str, list[str], str, bytes]]
    ) -> tuple[list[tuple[str, Outcome]], list[str]]:
        """One after the other, in the lane's order; the first failure stops the lane (what follows
        waits behind its retry)."""
        outcomes: list[tuple[str, Outcome]] = []
        for index, (delivery_id, url, keys, event_id, body) in enumerate(lane):
            outcome = await self.sender.send(url, keys, event_id, body)
            outcomes.append((delivery_id, outcome))
            if not outcome.ok:
                return outcomes, [later[0] for later in lane[index + 1:]]
        return outcomes, []
