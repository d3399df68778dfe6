from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_gateway.webhooks.models import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery, WebhookStatus


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Webhook | WebhookDelivery | WebhookAttempt) -> None:
        self.session.add(row)

    async def get_owned(self, webhook_id: str, account_id: str) -> Webhook | None:
        webhook = await self.session.get(Webhook, webhook_id)
        return webhook if webhook is not None and webhook.account_id == account_id else None

    async def list_owned(self, account_id: str) -> list[Webhook]:
        query = select(Webhook).where(Webhook.account_id == account_id).order_by(col(Webhook.created_at))
        return list((await self.session.exec(query)).all())

    async def all_subscriptions(self) -> list[Webhook]:
        return list((await self.session.exec(select(Webhook))).all())

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
        existing = select(WebhookDelivery.id).where(col(WebhookDelivery.id).in_(delivery_ids))
        kept = set((await self.session.exec(existing)).all())
        await self.session.exec(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id).in_(kept))
            .values(status=DeliveryStatus.delivered, delivered_at=at, last_error=None,
                    attempts=WebhookDelivery.attempts + 1)
        )
        rows = [a for a in attempts if a["delivery_id"] in kept]
        if rows:
            await self.session.exec(sa.insert(WebhookAttempt), params=rows)

    async def attempts(self, delivery_id: str) -> list[WebhookAttempt]:
        query = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(col(WebhookAttempt.id))
        return list((await self.session.exec(query)).all())

    async def claim_due(
        self, now: datetime, lease_until: datetime, lanes: int, per_lane: int
    ) -> list[tuple[WebhookDelivery, Webhook]]:
        """Up to `per_lane` deliveries from the front of each lane (subscription × stream, by
        sequence) of the active subscriptions, and only those whose every predecessor in the lane
        is due too: a delivery waiting for its retry, or one in flight (leased), holds back the
        rest of its lane. Claimed rows are leased until `lease_until`, so no other worker takes them;
        a worker that dies leaves the lease to expire and they are attempted again (at least once)."""
        pending = (
            select(
                col(WebhookDelivery.id).label("id"),
                sa.func.row_number().over(
                    partition_by=(WebhookDelivery.subscription_id, WebhookDelivery.stream),
                    order_by=col(WebhookDelivery.sequence),
                ).label("rank"),
                sa.func.max(WebhookDelivery.next_attempt_at).over(
                    partition_by=(WebhookDelivery.subscription_id, WebhookDelivery.stream),
                    order_by=col(WebhookDelivery.sequence),
                    rows=(None, 0),
                ).label("due_from"),
            )
            .join(Webhook, col(Webhook.id) == WebhookDelivery.subscription_id)
            .where(WebhookDelivery.status == DeliveryStatus.pending, Webhook.status == WebhookStatus.active)
            .subquery()
        )
        ids = (
            select(pending.c.id)
            .where(pending.c.rank <= per_lane, pending.c.due_from <= now)
            .limit(lanes * per_lane)
        )
        query = (
            select(WebhookDelivery, Webhook)
            .join(Webhook, col(Webhook.id) == WebhookDelivery.subscription_id)
            # Checked again on the locked row: another worker may have leased it since.
            .where(col(WebhookDelivery.id).in_(ids), col(WebhookDelivery.next_attempt_at) <= now,
                   WebhookDelivery.status == DeliveryStatus.pending)
            .order_by(WebhookDelivery.subscription_id, WebhookDelivery.stream, col(WebhookDelivery.sequence))
        )
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
        claimed = list((await self.session.exec(query)).all())
        if claimed:
            await self.lease([d.id for d, _ in claimed], lease_until)
        return claimed

    async def lease(self, delivery_ids: list[str], until: datetime) -> None:
        await self.session.exec(
            update(WebhookDelivery).where(col(WebhookDelivery.id).in_(delivery_ids)).values(next_attempt_at=until)
        )
