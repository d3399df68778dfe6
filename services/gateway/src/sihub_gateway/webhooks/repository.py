from __future__ import annotations

from datetime import datetime
from itertools import takewhile

import sqlalchemy as sa
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_gateway.webhooks.models import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery, WebhookStatus


# Lanes read by one claim statement: below SQLite's limit of 500 terms in a compound SELECT.
LANES_PER_STATEMENT = 400


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Webhook | WebhookDelivery | WebhookAttempt) -> None:
        self.session.add(row)

    async def add_deliveries(self, rows: list[dict]) -> None:
        """One executemany: the ORM would insert them one at a time on SQLite (to read back each key)."""
        if rows:
            await self.session.exec(sa.insert(WebhookDelivery), params=rows)

    async def get_owned(self, webhook_id: str, account_id: str) -> Webhook | None:
        webhook = await self.session.get(Webhook, webhook_id)
        return webhook if webhook is not None and webhook.account_id == account_id else None

    async def list_owned(self, account_id: str) -> list[Webhook]:
        query = select(Webhook).where(Webhook.account_id == account_id).order_by(col(Webhook.created_at))
        return list((await self.session.exec(query)).all())

    async def all_subscriptions(self) -> list[Webhook]:
        return list((await self.session.exec(select(Webhook))).all())

    async def active_subscriptions(self) -> list[Webhook]:
        return list((await self.session.exec(select(Webhook).where(Webhook.status == WebhookStatus.active))).all())

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

    async def delivery_for_update(self, delivery_id: str) -> WebhookDelivery | None:
        query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
        return (await self.session.exec(query)).first()

    async def mark_delivered(self, delivery_ids: list[str], at: datetime, attempts: list[dict]) -> None:
        """Deliveries answered 2xx, and their attempts; a delivery deleted meanwhile is skipped."""
        updated = await self.session.exec(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id).in_(delivery_ids))
            .values(status=DeliveryStatus.delivered, delivered_at=at, last_error=None,
                    attempts=WebhookDelivery.attempts + 1)
            .returning(WebhookDelivery.id)
        )
        kept = set(updated.scalars().all())
        rows = [a for a in attempts if a["delivery_id"] in kept]
        if rows:
            await self.session.exec(sa.insert(WebhookAttempt), params=rows)

    async def attempts(self, delivery_id: str) -> list[WebhookAttempt]:
        query = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(col(WebhookAttempt.id))
        return list((await self.session.exec(query)).all())

    async def claim_due(
        self, now: datetime, lease_until: datetime, lanes: list[tuple[Webhook, str]], per_lane: int,
        *, max_lanes: int
    ) -> tuple[list[tuple[WebhookDelivery, Webhook]], datetime | None]:
        """Up to `per_lane` deliveries from the front of each lane (subscription × stream, by
        sequence) of the active subscriptions, and only those whose every predecessor in the lane
        is due too: a delivery waiting for its retry, or one in flight (leased), holds back the
        rest of its lane; at most `max_lanes` lanes. One index range read per lane (the lane index),
        never a pass over every pending row. Claimed rows are leased until `lease_until`, so no other
        worker takes them; a worker that dies leaves the lease to expire and they are attempted again
        (at least once)."""
        heads = [
            select(col(WebhookDelivery.position).label("position")).where(
                WebhookDelivery.subscription_id == webhook.id, WebhookDelivery.stream == stream,
                WebhookDelivery.status == DeliveryStatus.pending,
            ).order_by(col(WebhookDelivery.sequence)).limit(per_lane).subquery().select()
            for webhook, stream in lanes
        ]
        fronts: dict[tuple[str, str], list[WebhookDelivery]] = {}
        # One statement for many lanes (each a range of the lane index), not one per lane; in
        # groups, as SQLite refuses a compound SELECT of over 500 terms (SQLITE_MAX_COMPOUND_SELECT).
        for start in range(0, len(heads), LANES_PER_STATEMENT):
            query = (
                select(WebhookDelivery)
                .where(col(WebhookDelivery.position).in_(sa.union_all(*heads[start:start + LANES_PER_STATEMENT])))
                .order_by(col(WebhookDelivery.sequence))
            )
            if self.session.bind.dialect.name == "postgresql":
                # Waits for another worker's claim of these rows to commit, then sees its lease.
                query = query.with_for_update()
            for delivery in (await self.session.exec(query)).all():
                fronts.setdefault((delivery.subscription_id, delivery.stream), []).append(delivery)
        claimed: list[tuple[WebhookDelivery, Webhook]] = []
        taken = 0
        for webhook, stream in lanes:  # in the caller's order
            if taken >= max_lanes:
                break
            # Up to the first one not due (a retry's wait, or leased): the rest of the lane waits behind it.
            due = list(takewhile(lambda d: d.next_attempt_at <= now, fronts.get((webhook.id, stream), [])))
            claimed += [(delivery, webhook) for delivery in due]
            taken += bool(due)
        if claimed:
            await self.lease([d.id for d, _ in claimed], lease_until)
        # When the first lane not claimed now comes due (a retry's wait), so the worker can wake then.
        waiting = [front[0].next_attempt_at for front in fronts.values() if front[0].next_attempt_at > now]
        return claimed, min(waiting, default=None)

    async def lease(self, delivery_ids: list[str], until: datetime) -> None:
        await self.session.exec(
            update(WebhookDelivery).where(col(WebhookDelivery.id).in_(delivery_ids)).values(next_attempt_at=until)
        )
