"""The gateway: the only public entry. Its own routes (accounts, keys, documents, readiness) and
the forwarding route for `/api/v1/<service>/...`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from sihub_gateway.accounts.authentication import KeyAuthenticator
from sihub_gateway.api import routers
from sihub_gateway.proxy import aggregate
from sihub_gateway.proxy.router import forward_route, service_root_route
from sihub_gateway.proxy.service import Forwarder, IdentityTokens
from sihub_gateway.ratelimit import RateLimits, limit_by_address
from sihub_gateway.settings import GatewaySettings
from sihub_gateway.webhooks.lanes import QueueBell
from sihub_gateway.webhooks.worker import DeliveryWorker, queue_subscriptions
from sihub_shared.app import create_service_app


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    bell = QueueBell()  # from the queue's consumers to the delivery worker, in this process

    @asynccontextmanager
    async def gateway_lifespan(app: FastAPI) -> AsyncIterator[None]:
        forwarder = Forwarder(
            {name: str(url) for name, url in settings.upstreams.items()},
            timeout_s=settings.upstream_timeout_s,
            timeout_s_under=settings.upstream_timeout_s_under,
            max_connections=settings.upstream_connections,
            max_per_key=settings.upstream_connections_per_key,
            slot_wait_s=settings.upstream_slot_wait_s,
            stream_send_timeout_s=settings.stream_send_timeout_s,
            public_url=str(settings.public_url) if settings.public_url else None,
        )
        app.state.forwarder = forwarder
        app.state.documents = aggregate.UpstreamDocuments(forwarder.client, forwarder.upstreams)
        app.state.authenticator = KeyAuthenticator(app.state.database, settings.key_cache_ttl_s, app.state.rate_limits)
        deliveries = None
        if settings.run_workers:
            deliveries = asyncio.create_task(DeliveryWorker(app.state.database, settings, bell).run(), name="webhooks")
        try:
            yield
        finally:
            if deliveries is not None:
                deliveries.cancel()
                await asyncio.gather(deliveries, return_exceptions=True)
            await forwarder.close()

    # The documents answer without a key: limited per client address.
    public = APIRouter(dependencies=[Depends(limit_by_address)])
    public.include_router(aggregate.router)
    app = create_service_app(
        settings,
        title="sihub API",
        description="One REST API for the social innovation ecosystem: registry, indicators and "
        "more, behind API keys. Events: /asyncapi.json.",
        routers=routers,
        subscriptions=queue_subscriptions(settings, bell),
        public_routers=[public],
        authenticate=None,
        extra_lifespan=gateway_lifespan,
        max_body_bytes_under={f"/api/v1/{name}/": settings.forwarded_max_body_bytes for name in settings.upstreams},
        # Its /openapi.json is the merged one (aggregate.py), which /docs shows.
        openapi_url=None,
    )
    app.state.rate_limits = RateLimits(settings)
    app.state.webhook_bell = bell  # deliveries sent again, subscriptions resumed: their lanes wake
    app.state.identity_tokens = IdentityTokens(
        settings.identity_secret.get_secret_value(), settings.identity_ttl_s
    )
    app.router.routes += [forward_route, service_root_route]
    return app
