"""`/api/v1/gateway/webhooks`: integrators' and admins' webhook subscriptions, each its owner's;
an admin may also read, pause, resume, delete and redeliver any account's (not rotate its secret)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from sihub_gateway.accounts.authentication import IntegratorOrAdmin
from sihub_gateway.event_types import EventTypes, event_types
from sihub_gateway.replay.repository import EventStreams
from sihub_gateway.webhooks.models import DeliveryStatus, WebhookStatus
from sihub_gateway.webhooks.schemas import (
    AttemptPublic,
    DeliveryPage,
    DeliveryPublic,
    WebhookCreate,
    WebhookPublic,
    WebhookWithSecret,
)
from sihub_gateway.webhooks.service import WebhookService
from sihub_shared.db import Session
from sihub_shared.openapi import problems
from sihub_shared.pagination import DEFAULT_LIMIT, Cursor, Limit
from sihub_shared.strict import Line

router = APIRouter(prefix="/gateway/webhooks", tags=["webhooks"])
WebhookId = Annotated[Line, Path(max_length=36)]
DeliveryId = Annotated[Line, Path(max_length=36)]
_NOT_YOURS = {404: {"description": "no such webhook (or delivery) of this account"}}


def webhook_service(request: Request, session: Session) -> WebhookService:
    return WebhookService(session, request.app.state.settings, request.app.state.webhook_bell)


Webhooks = Annotated[WebhookService, Depends(webhook_service)]


def event_streams(request: Request) -> EventStreams | None:
    bus = request.app.state.bus
    return EventStreams(bus.jetstream) if bus.is_connected else None


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WebhookWithSecret,
             responses={422: {"description": "a URL refused (not https, a private address) or an unknown type"}},
             summary="Subscribe a URL to event types: the signing secret is in this answer only")
async def create_webhook(data: WebhookCreate, owner: IntegratorOrAdmin, webhooks: Webhooks,
                         types: Annotated[EventTypes, Depends(event_types)],
                         streams: Annotated[EventStreams | None, Depends(event_streams)]):
    return await webhooks.create(owner, data, types, streams)


@router.get("", response_model=list[WebhookPublic], responses=problems(403),
            summary="This account's webhooks (an admin: any account's, by `account_id`)")
async def list_webhooks(owner: IntegratorOrAdmin, webhooks: Webhooks, account_id: Annotated[
        Line | None, Query(max_length=36, description="admins: the account whose webhooks to list")] = None):
    return await webhooks.list_owned(owner, account_id)


@router.get("/{webhook_id}", response_model=WebhookPublic, responses=_NOT_YOURS)
async def get_webhook(webhook_id: WebhookId, owner: IntegratorOrAdmin, webhooks: Webhooks):
    return await webhooks.get(owner, webhook_id)


@router.post("/{webhook_id}/pause", response_model=WebhookPublic, responses=_NOT_YOURS,
             summary="Hold deliveries (events keep being queued)")
async def pause_webhook(webhook_id: WebhookId, owner: IntegratorOrAdmin, webhooks: Webhooks):
    return await webhooks.set_status(owner, webhook_id, WebhookStatus.paused)


@router.post("/{webhook_id}/resume", response_model=WebhookPublic, responses=_NOT_YOURS,
             summary="Deliver again (also after the gateway disabled it)")
async def resume_webhook(webhook_id: WebhookId, owner: IntegratorOrAdmin, webhooks: Webhooks):
    return await webhooks.set_status(owner, webhook_id, WebhookStatus.active)


@router.post("/{webhook_id}/rotate-secret", response_model=WebhookWithSecret, responses=_NOT_YOURS,
             summary="A new secret, shown once; the old one keeps signing for a grace period")
async def rotate_secret(webhook_id: WebhookId, owner: IntegratorOrAdmin, webhooks: Webhooks):
    return await webhooks.rotate_secret(owner, webhook_id)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_YOURS)
async def delete_webhook(webhook_id: WebhookId, owner: IntegratorOrAdmin, webhooks: Webhooks) -> Response:
    await webhooks.delete(owner, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries", response_model=DeliveryPage, responses=_NOT_YOURS,
            summary="Deliveries, oldest first; `?status=failed` lists what could not be delivered")
async def list_deliveries(webhook_id: WebhookId, owner: IntegratorOrAdmin, webhooks: Webhooks,
                          delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
                          cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT):
    items, next_cursor = await webhooks.deliveries(owner, webhook_id, delivery_status, cursor, limit)
    return DeliveryPage(items=[DeliveryPublic.model_validate(d, from_attributes=True) for d in items],
                        next_cursor=next_cursor)


@router.post("/{webhook_id}/deliveries/{delivery_id}/redeliver", status_code=status.HTTP_202_ACCEPTED,
             response_model=DeliveryPublic, responses=_NOT_YOURS, summary="Queue a delivery again, now")
async def redeliver(webhook_id: WebhookId, delivery_id: DeliveryId, owner: IntegratorOrAdmin, webhooks: Webhooks):
    return await webhooks.redeliver(owner, webhook_id, delivery_id)


@router.get("/{webhook_id}/deliveries/{delivery_id}/attempts", response_model=list[AttemptPublic],
            responses=_NOT_YOURS, summary="Every attempt of a delivery: status, latency, error")
async def list_attempts(webhook_id: WebhookId, delivery_id: DeliveryId, owner: IntegratorOrAdmin, webhooks: Webhooks):
    return await webhooks.attempts(owner, webhook_id, delivery_id)
