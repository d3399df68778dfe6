"""SQL of webhooks. The delivery side (queue, claim, outcomes: thousands of rows a second) is Core
statements and rows: ORM objects cost more than the statements (the profile: SQLModel building
each row's defaults, the ORM's bulk paths, identity-map bookkeeping)."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from collections.abc import Sequence
from datetime import datetime
from itertools import takewhile
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_gateway.webhooks.models import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery, WebhookStatus
from sihub_shared.db import insert_records, insert_rows


# Lanes read by one claim statement: below SQLite's limit of 500 terms in a compound SELECT.
LANES_PER_STATEMENT = 400

_DELIVERY = WebhookDelivery.__table__
_ATTEMPT = WebhookAttempt.__table__
_QUEUED_COLUMNS = ("id", "subscription_id", "event_id", "event_type", "stream", "sequence", "body", "status", "attempts",
                   "next_attempt_at", "created_at")
_SUBSCRIPTION = Webhook.__table__
# What a delivery needs to be sent: no ORM object per row.
_CLAIMED = [_DELIVERY.c.position, _DELIVERY.c.id, _DELIVERY.c.subscription_id, _DELIVERY.c.stream,
            _DELIVERY.c.event_id, _DELIVERY.c.body, _DELIVERY.c.next_attempt_at]


def _pending_in_lane(subscription_id: Any, stream: Any) -> tuple[sa.ColumnElement[bool], ...]:
    return (_DELIVERY.c.subscription_id == subscription_id, _DELIVERY.c.stream == stream,
            _DELIVERY.c.status == DeliveryStatus.pending)


def _lane_head_due(subscription_id: Any, stream: Any) -> sa.Select:
    """When a lane's first pending delivery is due: its retry time, or a worker's lease."""
    return (sa.select(_DELIVERY.c.next_attempt_at).where(*_pending_in_lane(subscription_id, stream))
            .order_by(_DELIVERY.c.sequence).limit(1))


def _claim_slots(lanes: int) -> int:
    """The lane count a claim statement is built for: the next power of two, at most
    LANES_PER_STATEMENT. The lanes of a round change with every delivery in flight and every new
    subscription; a statement per exact count missed the compiled cache nearly every round
    (compiling a UNION of hundreds of SELECTs was 8% of a busy gateway's CPU). Unused slots hold
    a lane that does not exist: one empty index probe each."""
    return min(1 << max(lanes - 1, 0).bit_length(), LANES_PER_STATEMENT)


_NO_LANE = ("", "")  # no subscription has an empty id


@functools.cache  # by slot count (_claim_slots): built, and compiled, once each
def _claim_statement(lanes: int, postgresql: bool) -> sa.Select:
    """The fronts of `lanes` lanes (`subscription_<i>`, `stream_<i>`): up to `per_lane` rows of a
    lane whose head is due, the head alone of one that waits (a retry, or another worker's lease),
    so a waiting lane costs one row a round, not a front read to be thrown away."""
    heads = []
    for i in range(lanes):
        subscription_id, stream = sa.bindparam(f"subscription_{i}"), sa.bindparam(f"stream_{i}")
        head_due = _lane_head_due(subscription_id, stream).scalar_subquery() <= sa.bindparam("now")
        heads.append(sa.select(_DELIVERY.c.position).where(*_pending_in_lane(subscription_id, stream))
                     .order_by(_DELIVERY.c.sequence)
                     .limit(sa.case((head_due, sa.bindparam("per_lane")), else_=1)).subquery().select())
    query = sa.select(*_CLAIMED).where(_DELIVERY.c.position.in_(sa.union_all(*heads))).order_by(_DELIVERY.c.sequence)
    # On PostgreSQL: waits for another worker's claim of these rows to commit, then sees its lease.
    return query.with_for_update() if postgresql else query


@dataclass(frozen=True)
class QueuedEvent:
    """An event read from `stream`, to be delivered to each of `subscription_ids`."""

    subscription_ids: list[str]
    event_id: str
    event_type: str
    sequence: int  # in its stream
    body: bytes


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Webhook | WebhookDelivery | WebhookAttempt) -> None:
        self.session.add(row)

    async def _core(self, statement: sa.Executable, params: dict | None = None) -> sa.CursorResult:
        """On the session's connection (its transaction), past the ORM's execution layer."""
        return await (await self.session.connection()).execute(statement, params)

    async def queue(self, events: Sequence[QueuedEvent], *, stream: str, at: datetime) -> None:
        """One pending delivery of each event per subscription of it, all in one statement (`insert_records`)."""
        records = [
            (str(uuid.uuid4()), subscription_id, event.event_id, event.event_type, stream, event.sequence, event.body,
             DeliveryStatus.pending, 0, at, at)
            for event in events for subscription_id in event.subscription_ids
        ]
        await insert_records(await self.session.connection(), _DELIVERY, _QUEUED_COLUMNS, records)

    async def get_owned(self, webhook_id: str, account_id: str | None) -> Webhook | None:
        """The webhook if `account_id` owns it (any account's with None)."""
        webhook = await self.session.get(Webhook, webhook_id)
        return webhook if webhook is not None and account_id in (None, webhook.account_id) else None

    async def list_owned(self, account_id: str) -> list[Webhook]:
        query = select(Webhook).where(Webhook.account_id == account_id).order_by(col(Webhook.created_at))
        return list((await self.session.exec(query)).all())

    async def all_subscriptions(self) -> list[Webhook]:
        return list((await self.session.exec(select(Webhook))).all())

    async def active_subscriptions(self) -> Sequence[sa.Row]:
        """As rows with Webhook's columns (read every round of the delivery worker)."""
        return (await self._core(sa.select(_SUBSCRIPTION).where(_SUBSCRIPTION.c.status == WebhookStatus.active))).all()

    async def delete(self, webhook: Webhook) -> None:
        deliveries = select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == webhook.id)
        await self.session.exec(delete(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(deliveries)))
        await self.session.exec(delete(WebhookDelivery).where(WebhookDelivery.subscription_id == webhook.id))
        await self.session.delete(webhook)

    async def deliveries(
        self, webhook_id: str, status: DeliveryStatus | None, after: int | None, limit: int
    ) -> list[WebhookDelivery]:
        query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == webhook_id)
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        if after is not None:
            query = query.where(col(WebhookDelivery.position) > after)
        query = query.order_by(col(WebhookDelivery.position)).limit(limit)
        return list((await self.session.exec(query)).all())

    async def get_delivery(self, webhook_id: str, delivery_id: str) -> WebhookDelivery | None:
        query = select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == webhook_id
        )
        return (await self.session.exec(query)).first()

    async def lane_head_due(self, subscription_id: str, stream: str) -> datetime | None:
        """When the first pending delivery of a lane is due: its retry time, or a worker's lease."""
        return (await self._core(_lane_head_due(subscription_id, stream))).scalar()

    async def delivery_for_update(self, delivery_id: str) -> WebhookDelivery | None:
        query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
        return (await self.session.exec(query)).first()

    async def mark_delivered(self, delivery_ids: list[str], at: datetime, attempts: list[dict]) -> None:
        """Deliveries answered 2xx, and their attempts; a delivery deleted meanwhile is skipped."""
        updated = await self._core(
            _DELIVERY.update()
            .where(_DELIVERY.c.id.in_(delivery_ids))
            .values(status=DeliveryStatus.delivered, delivered_at=at, last_error=None,
                    attempts=_DELIVERY.c.attempts + 1)
            .returning(_DELIVERY.c.id)
        )
        kept = set(updated.scalars().all())
        await insert_rows(await self.session.connection(), _ATTEMPT, [a for a in attempts if a["delivery_id"] in kept])

    async def attempts(self, delivery_id: str) -> list[WebhookAttempt]:
        query = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(col(WebhookAttempt.id))
        return list((await self.session.exec(query)).all())

    async def claim_due(
        self, now: datetime, lease_until: datetime, lanes: list[tuple[str, str]], per_lane: int, *, max_lanes: int
    ) -> tuple[list[sa.Row], dict[tuple[str, str], datetime]]:
        """Up to `per_lane` deliveries from the front of each lane (subscription id × stream, by
        sequence), and only those whose every predecessor in the lane is due too: a delivery
        waiting for its retry, or one in flight (leased), holds back the rest of its lane; at most
        `max_lanes` lanes. One index range read per lane (the lane index), never a pass over every
        pending row. Claimed rows (`_CLAIMED`'s columns, in lane order) are leased until
        `lease_until` through the first of each lane's front, which holds back the rest of the lane
        from every other worker (one row written per front, not every row of it; what a front does
        not get to send is then simply still due behind it); a worker that dies leaves the lease to
        expire and the front is attempted again (at least once). Also returns when the head of
        each lane read with a pending delivery was due, as read (before this claim's leases)."""
        fronts: dict[tuple[str, str], list[sa.Row]] = {}
        postgresql = self.session.bind.dialect.name == "postgresql"
        # One statement for many lanes (each a range of the lane index), not one per lane; in
        # groups, as SQLite refuses a compound SELECT of over 500 terms (SQLITE_MAX_COMPOUND_SELECT).
        for start in range(0, len(lanes), LANES_PER_STATEMENT):
            group = lanes[start:start + LANES_PER_STATEMENT]
            slots = _claim_slots(len(group))
            params: dict[str, object] = {"per_lane": per_lane, "now": now}
            for i, (subscription_id, stream) in enumerate(group + [_NO_LANE] * (slots - len(group))):
                params[f"subscription_{i}"], params[f"stream_{i}"] = subscription_id, stream
            for row in (await self._core(_claim_statement(slots, postgresql), params)).all():
                fronts.setdefault((row.subscription_id, row.stream), []).append(row)
        claimed: list[sa.Row] = []
        leased: list[int] = []
        for lane in lanes:  # in the caller's order
            if len(leased) >= max_lanes:
                break
            # Up to the first one not due (a retry's wait, or leased): the rest of the lane waits behind it.
            due = list(takewhile(lambda d: d.next_attempt_at <= now, fronts.get(lane, [])))
            if due:
                claimed += due
                leased.append(due[0].position)
        if leased:
            await self._core(_DELIVERY.update().where(_DELIVERY.c.position.in_(leased)).values(next_attempt_at=lease_until))
        # When each lane's head was due as read (a lane with nothing pending has none).
        return claimed, {lane: front[0].next_attempt_at for lane, front in fronts.items()}
