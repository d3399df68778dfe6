from __future__ import annotations

from datetime import datetime

from pydantic import Field
from sqlmodel import SQLModel

from sihub_gateway.event_types import EventTypePattern
from sihub_gateway.webhooks.models import DeliveryStatus, WebhookBase, WebhookStatus
from sihub_shared.openapi import Rule, rules
from sihub_shared.strict import StrictBody, WebAddress


# What a host resolves to is the resolver's answer at the time, not something a schema can say.
@rules(Rule(("url",), "url: https, to a host that is not and does not resolve to a loopback, private or "
            "link-local address (outside development)"))
class WebhookCreate(WebhookBase, StrictBody):
    url: WebAddress = Field(min_length=8, max_length=2000,
                            description="https://… in production; checked against private and local addresses")
    types: list[EventTypePattern] = Field(min_length=1, max_length=50,
                                          description="e.g. org.sihub.registry.actor.created.v1 or org.sihub.registry.*")


class WebhookPublic(WebhookBase):
    id: str
    status: WebhookStatus
    created_at: datetime
    updated_at: datetime
    disabled_reason: str | None


class WebhookWithSecret(WebhookPublic):
    secret: str = Field(description="Standard Webhooks signing secret (whsec_…): shown in this answer only")
    previous_secret_until: datetime | None = Field(
        default=None, description="after a rotation: the old secret still signs until then")


class DeliveryPublic(SQLModel):
    id: str
    event_id: str
    event_type: str
    stream: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_error: str | None


class DeliveryPage(SQLModel):
    items: list[DeliveryPublic]
    next_cursor: str | None = None


class AttemptPublic(SQLModel):
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    error: str | None
