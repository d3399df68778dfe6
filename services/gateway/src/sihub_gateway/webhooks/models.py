from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sihub_shared.strict import Text
from sihub_shared.timestamps import UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _now() -> datetime:
    return datetime.now(UTC)


class WebhookStatus(StrEnum):
    active = "active"
    paused = "paused"  # by its owner
    disabled = "disabled"  # by the gateway, after a delivery failed every retry


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"  # every retry failed; listed, and redeliverable by the owner


class WebhookBase(SQLModel):
    url: str = Field(min_length=8, max_length=2000, description="where events are POSTed (https in production)")
    types: list[str] = Field(sa_type=sa.JSON, description="event types, exact or with `*` wildcards")
    description: Text = Field(default="", max_length=500)


class Webhook(WebhookBase, table=True):
    __tablename__ = "webhook_subscription"

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    account_id: str = Field(foreign_key="account.id", index=True, max_length=36)
    status: str = Field(default=WebhookStatus.active, max_length=16)
    # HMAC keys must be kept to sign with (unlike API keys, which are only ever compared to a hash).
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_secret_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    disabled_reason: str | None = Field(default=None, max_length=300)
    # Each stream's last sequence when the subscription was created: it gets the events published
    # after (by stream position, not by the publisher's clock). None: the broker could not say then.
    start_positions: dict[str, int] | None = Field(default=None, sa_type=sa.JSON)


class WebhookDelivery(SQLModel, table=True):
    """One event owed to one subscription: the delivery queue, and its durable state."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.UniqueConstraint("subscription_id", "event_id"),
        # The head of each lane (subscription, stream): the lowest pending sequence.
        sa.Index("ix_webhook_delivery_lane", "subscription_id", "stream", "status", "sequence"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    position: int | None = Field(default=None, sa_type=_POSITION, primary_key=True)
    id: str = Field(default_factory=lambda: str(uuid.uuid4()), unique=True, max_length=36)
    subscription_id: str = Field(foreign_key="webhook_subscription.id", max_length=36)
    event_id: str = Field(max_length=36)
    event_type: str = Field(max_length=200)
    stream: str = Field(max_length=60)
    sequence: int = Field(sa_type=sa.BigInteger)
    body: bytes = Field(sa_type=sa.LargeBinary)
    status: str = Field(default=DeliveryStatus.pending, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=300)


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempt"

    id: int | None = Field(default=None, sa_type=_POSITION, primary_key=True)
    delivery_id: str = Field(foreign_key="webhook_delivery.id", index=True, max_length=36)
    attempted_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    status_code: int | None = None
    latency_ms: float
    error: str | None = Field(default=None, max_length=300)
