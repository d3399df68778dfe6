"""Webhook subscriptions and their deliveries.

Owners manage their own subscriptions (another account's is 404: its existence is not theirs to
know). The queue side: every event read from a stream becomes one delivery per subscription whose
types match, written in the consumer's transaction (with the processed-event record), so an event
is queued exactly once and never lost. The delivery side: see worker.py; its outcome rules are here.
"""

from __future__ import annotations

import base64
import random
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_gateway.event_types import EventTypes, matches
from sihub_gateway.events.contracts import WebhookDisabled
from sihub_gateway.replay.repository import EventStreams
from sihub_gateway.settings import GatewaySettings
from sihub_gateway.webhooks.lanes import Lane, LaneRests, QueueBell
from sihub_gateway.webhooks.models import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery, WebhookStatus
from sihub_gateway.webhooks.repository import QueuedEvent, WebhookRepository
from sihub_gateway.webhooks.schemas import WebhookCreate, WebhookWithSecret
from sihub_gateway.webhooks.sender import ERROR_LENGTH, Outcome
from sihub_gateway.webhooks.targets import TargetRefused, resolve
from sihub_shared.errors import Forbidden, NotFound, ProblemError, UnprocessableContent
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.events.outbox import record
from sihub_shared.identity import Identity, Role
from sihub_shared.pagination import decode_cursor, encode_cursor

# Longer than any lane front takes (the worker starts no request late in it: worker.py): a claim
# not settled by then was lost with its worker, and the delivery is attempted again (at least once).
LEASE = timedelta(seconds=60)


def new_secret() -> str:
    """Standard Webhooks' form: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_secrets(webhook: Webhook | sa.Row, now: datetime) -> list[str]:
    if webhook.previous_secret and webhook.previous_secret_until and webhook.previous_secret_until > now:
        return [webhook.secret, webhook.previous_secret]
    return [webhook.secret]


def retry_delay(attempts: int, settings: GatewaySettings) -> timedelta:
    """Exponential, capped, with jitter (50-100 % of the step) so that receivers coming back are not
    hit by every retry at the same instant."""
    step = min(settings.webhook_retry_base_s * 2 ** (attempts - 1), settings.webhook_retry_max_s)
    return timedelta(seconds=step * random.uniform(0.5, 1.0))


def published_after(event: CloudEvent, service: str, webhook: Webhook) -> bool:
    """Whether the event was published after the subscription was created: by its position in its
    stream, or else its time. The time alone (when the publishing service recorded it, on its own
    clock) skipped an event recorded just before the creation but relayed after, or one from a
    service whose clock is behind; the position alone would skip everything a stream created anew
    (numbered from 1 again) publishes until it passes the old numbering."""
    if event.time >= webhook.created_at:
        return True
    positions = webhook.start_positions
    if positions is None or event.stream_sequence is None:  # created while the broker could not say
        return False
    # A stream that was not the gateway's at the creation has published all of it since.
    return event.stream_sequence > positions.get(service, 0)


class WebhookService:
    def __init__(self, session: AsyncSession, settings: GatewaySettings, bell: QueueBell | None = None) -> None:
        self.session = session
        self.settings = settings
        self.repository = WebhookRepository(session)
        self.bell = bell  # this process's delivery worker, woken for lanes with new work

    # --- owners ---------------------------------------------------------------------------

    async def create(self, owner: Identity, data: WebhookCreate, types: EventTypes,
                     streams: EventStreams | None = None) -> WebhookWithSecret:
        checked = types.validate(data.types)
        await self._check_target(data.url)
        webhook = Webhook(url=data.url, types=checked, description=data.description,
                          account_id=owner.account_id, secret=new_secret(),
                          start_positions=await self._start_positions(streams))
        self.repository.add(webhook)
        return WebhookWithSecret.model_validate(webhook, from_attributes=True)

    async def _start_positions(self, streams: EventStreams | None) -> dict[str, int] | None:
        """Where each stream is now: what it publishes later is the subscription's. None when the
        broker cannot say (not connected, or a read fails): the events' time decides instead."""
        if streams is None:
            return None
        try:
            return {service: await streams.last_sequence(service) for service in self.settings.streams}
        except Exception:  # noqa: BLE001 - any broker failure: fall back to time, do not refuse the webhook
            return None

    async def _check_target(self, url: str) -> None:
        try:
            await resolve(url, allow_local=self.settings.webhook_allow_local_targets)
        except TargetRefused as exc:
            raise UnprocessableContent.for_field("url", str(exc)) from exc

    async def list_owned(self, caller: Identity, account_id: str | None = None) -> list[Webhook]:
        """The caller's webhooks; an admin's, any account's (to stop deliveries to an account whose
        access has ended)."""
        if account_id is not None and account_id != caller.account_id and Role.admin not in caller.roles:
            raise Forbidden.for_field("account_id", "only an admin lists another account's webhooks")
        return await self.repository.list_owned(account_id or caller.account_id)

    async def get(self, caller: Identity, webhook_id: str, *, owner_only: bool = False) -> Webhook:
        """The caller's webhook; an admin reaches any account's, except where `owner_only`."""
        anyones = Role.admin in caller.roles and not owner_only
        webhook = await self.repository.get_owned(webhook_id, None if anyones else caller.account_id)
        if webhook is None:
            raise NotFound(f"no webhook {webhook_id}", errors=[{"field": "webhook_id", "message": "unknown"}])
        return webhook

    async def set_status(self, owner: Identity, webhook_id: str, status: WebhookStatus) -> Webhook:
        webhook = await self.get(owner, webhook_id)
        webhook.status, webhook.disabled_reason = status, None
        webhook.updated_at = datetime.now(UTC)
        self.repository.add(webhook)
        if status == WebhookStatus.active and self.bell is not None:
            self.bell.ring_after_commit(self.session, [(webhook.id, stream) for stream in self.settings.streams])
        return webhook

    async def rotate_secret(self, owner: Identity, webhook_id: str) -> WebhookWithSecret:
        webhook = await self.get(owner, webhook_id, owner_only=True)  # the new secret is the owner's to see
        now = datetime.now(UTC)
        webhook.previous_secret = webhook.secret
        webhook.previous_secret_until = now + timedelta(seconds=self.settings.webhook_secret_grace_s)
        webhook.secret, webhook.updated_at = new_secret(), now
        self.repository.add(webhook)
        return WebhookWithSecret.model_validate(webhook, from_attributes=True)

    async def delete(self, owner: Identity, webhook_id: str) -> None:
        await self.repository.delete(await self.get(owner, webhook_id))

    async def deliveries(
        self, owner: Identity, webhook_id: str, status: DeliveryStatus | None, cursor: str | None, limit: int
    ) -> tuple[list[WebhookDelivery], str | None]:
        await self.get(owner, webhook_id)
        after = None
        if cursor is not None:
            after = decode_cursor(cursor).get("position")
            if not isinstance(after, int):
                raise ProblemError.for_field("cursor", "not a cursor this API gave out")
        rows = await self.repository.deliveries(webhook_id, status, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (encode_cursor({"position": rows[-1].position}) if more else None)

    async def _delivery(self, owner: Identity, webhook_id: str, delivery_id: str) -> WebhookDelivery:
        await self.get(owner, webhook_id)
        delivery = await self.repository.get_delivery(webhook_id, delivery_id)
        if delivery is None:
            raise NotFound(f"no delivery {delivery_id}", errors=[{"field": "delivery_id", "message": "unknown"}])
        return delivery

    async def redeliver(self, owner: Identity, webhook_id: str, delivery_id: str) -> WebhookDelivery:
        """Queue it again now, with a fresh set of retries (a delivered one too: the owner asks).
        Not sooner than its lane's head is due: a worker (of any gateway) may be sending the lane's
        front under a lease held by that first row alone, and a head due at once would let another
        worker take the lane and send the front a second time, out of order."""
        delivery = await self._delivery(owner, webhook_id, delivery_id)
        now = datetime.now(UTC)
        head_due = await self.repository.lane_head_due(delivery.subscription_id, delivery.stream)
        delivery.status, delivery.attempts = DeliveryStatus.pending, 0
        delivery.next_attempt_at, delivery.delivered_at = max(now, head_due) if head_due else now, None
        self.repository.add(delivery)
        if self.bell is not None:
            self.bell.ring_after_commit(self.session, [(delivery.subscription_id, delivery.stream)])
        return delivery

    async def attempts(self, owner: Identity, webhook_id: str, delivery_id: str) -> list[WebhookAttempt]:
        return await self.repository.attempts((await self._delivery(owner, webhook_id, delivery_id)).id)

    # --- the queue and its workers --------------------------------------------------------------------------

    async def enqueue(self, events: Sequence[CloudEvent], service: str) -> set[Lane]:
        """One delivery per event and matching subscription, paused and disabled ones included (they
        keep their queue); a subscription gets the events published from its creation on. Returns
        the lanes it queued deliveries in."""
        subscriptions = await self.repository.all_subscriptions()
        queued = [
            QueuedEvent(subscription_ids, event.id, event.type, event.stream_sequence or 0, event.to_bytes())
            for event in events
            if (subscription_ids := [webhook.id for webhook in subscriptions
                                     if published_after(event, service, webhook) and matches(event.type, webhook.types)])
        ]
        await self.repository.queue(queued, stream=service, at=datetime.now(UTC))
        return {(subscription_id, service) for q in queued for subscription_id in q.subscription_ids}

    async def claim_due(
        self, now: datetime, busy: set[Lane], rests: LaneRests
    ) -> tuple[list[tuple[sa.Row, sa.Row]], datetime | None]:
        """The due front of every lane (subscription × stream) not `busy` (in flight) nor resting,
        up to `webhook_concurrency` lanes in flight in all, as (delivery, subscription) rows; and
        when the next waiting lane comes due."""
        subscriptions = {w.id: w for w in await self.repository.active_subscriptions()}
        offered = [(w, stream) for w in subscriptions for stream in self.settings.streams if (w, stream) not in busy]
        lanes = rests.to_read(offered, now)
        random.shuffle(lanes)  # with more lanes than room in flight, none is always last
        claimed, heads = await self.repository.claim_due(
            now, now + LEASE, lanes, self.settings.webhook_lane_batch,
            max_lanes=self.settings.webhook_concurrency - len(busy))
        rests.note(lanes, heads, now)
        return [(d, subscriptions[d.subscription_id]) for d in claimed], rests.next_due()

    async def record_outcomes(self, outcomes: list[tuple[str, Outcome]]) -> None:
        """Successes in two statements (the common case, thousands a second); each failure on its own."""
        now = datetime.now(UTC)
        delivered = [(delivery_id, o) for delivery_id, o in outcomes if o.ok]
        if delivered:
            await self.repository.mark_delivered([delivery_id for delivery_id, _ in delivered], now, [
                {"delivery_id": delivery_id, "attempted_at": now, "status_code": o.status_code,
                 "latency_ms": o.latency_ms, "error": None} for delivery_id, o in delivered])
        failures = [(delivery_id, o) for delivery_id, o in outcomes if not o.ok]
        for delivery_id, outcome in failures:
            await self._record_failure(delivery_id, outcome, now)
        if failures:
            await self.session.flush()  # the claim that follows (Core, no autoflush) reads their retry times

    async def _record_failure(self, delivery_id: str, outcome: Outcome, now: datetime) -> None:
        delivery = await self.repository.delivery_for_update(delivery_id)
        if delivery is None:
            return  # its subscription was deleted meanwhile
        self.repository.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=now, status_code=outcome.status_code,
                                           latency_ms=outcome.latency_ms, error=outcome.error))
        delivery.attempts += 1
        if delivery.attempts >= self.settings.webhook_max_attempts:
            delivery.status, delivery.last_error = DeliveryStatus.failed, outcome.error
            await self._disable(delivery, f"delivery {delivery.id} failed {delivery.attempts} times: {outcome.error}")
        else:
            delivery.last_error = outcome.error
            delivery.next_attempt_at = now + retry_delay(delivery.attempts, self.settings)
        self.repository.add(delivery)

    async def _disable(self, delivery: WebhookDelivery, reason: str) -> None:
        webhook = await self.session.get(Webhook, delivery.subscription_id)
        if webhook is None or webhook.status == WebhookStatus.disabled:
            return
        webhook.status, webhook.disabled_reason = WebhookStatus.disabled, reason[:ERROR_LENGTH]
        webhook.updated_at = datetime.now(UTC)
        self.repository.add(webhook)
        record(self.session, WebhookDisabled(webhook_id=webhook.id, account_id=webhook.account_id, reason=reason,
                                             failed_delivery_id=delivery.id, event_id=delivery.event_id),
               subject=webhook.id)
