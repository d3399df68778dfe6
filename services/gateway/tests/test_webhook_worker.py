"""The delivery worker driven round by round (the app's own worker is off), on the gateway's
database, to a real receiver over TCP."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sihub_gateway.settings import GatewaySettings
from sihub_gateway.webhooks.models import DeliveryStatus, WebhookDelivery
from sihub_gateway.webhooks.repository import QueuedEvent, WebhookRepository
from sihub_gateway.webhooks.worker import DeliveryWorker
from sihub_shared.testing.servers import serving


@pytest.fixture
def gateway_settings(gateway_settings: GatewaySettings, database_url: str) -> GatewaySettings:
    return GatewaySettings.model_validate(gateway_settings.model_dump() | {
        "database_url": database_url, "webhook_allow_local_targets": True, "run_workers": False,
        "webhook_lane_batch": 10,
    })


async def test_a_front_whose_time_is_up_hands_the_rest_of_its_lane_to_the_next_round(gateway, gateway_settings):
    """A front starts no request after its time (so it never outlives its lease, however long the
    batch): the rest, never leased, is claimed again in the next round, and still arrives in order."""
    received: list[str] = []

    async def endpoint(request: Request) -> Response:
        received.append(json.loads(await request.body())["id"])
        return Response(status_code=204)

    async with serving(Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])) as base:
        key = await gateway.key("integrator")
        webhook = (await gateway.call("POST", "/api/v1/gateway/webhooks", key,
                                      json={"url": base + "/hook", "types": ["org.sihub.ledger.*"]})).json()
        events = [f"e{sequence}" for sequence in range(1, 5)]
        async with gateway.database.session() as session:
            await WebhookRepository(session).queue(
                [QueuedEvent([webhook["id"]], event_id, "org.sihub.ledger.note.written.v1", sequence,
                             json.dumps({"id": event_id}).encode()) for sequence, event_id in enumerate(events, start=1)],
                stream="ledger", at=datetime.now(UTC))
            await session.commit()

        worker = DeliveryWorker(gateway.database, gateway_settings)
        worker.front_s = 0.0  # every front's time is up as it starts: one request each
        claimed: list[int] = []
        try:
            while not claimed or claimed[-1] or worker.in_flight:
                claimed.append(await worker.run_once())
                assert len(claimed) < 20, claimed
        finally:
            await worker.sender.close()

    assert received == events
    # The whole lane claimed each round (the batch allows 10), one sent, the rest left due.
    assert [n for n in claimed if n] == [4, 3, 2, 1]
    async with gateway.database.session() as session:
        statuses = (await session.exec(select(WebhookDelivery.status))).all()
    assert statuses == [DeliveryStatus.delivered] * 4
