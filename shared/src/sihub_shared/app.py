"""create_service_app(): the one app factory, so that knowing one service is knowing all.

It wires settings, the database, the NATS connection, the outbox relay and the consumers into
the lifespan; problem+json errors, request ids, metrics and the body limit into the middleware;
and `/healthz`, `/readyz`, `/metrics` and `/asyncapi.json` into the routes. Every API router is
mounted under `/api/v1` behind the identity check; the OpenAPI document declares every status
each route can answer (`sihub_shared.openapi`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from sihub_shared.db import Database
from sihub_shared.docs import serve_docs
from sihub_shared.errors import ConcretePathsMiddleware, install_problem_handlers, problem_response
from sihub_shared.events.asyncapi import asyncapi_document
from sihub_shared.events.bus import EventBus
from sihub_shared.events.consumer import ConsumerRunner, Subscription
from sihub_shared.events.contracts import contracts_of
from sihub_shared.events.relay import OutboxRelay
from sihub_shared.events.streams import ensure_stream
from sihub_shared.identity import current_identity
from sihub_shared.observability import (
    BodySizeLimitMiddleware,
    HeadAsGetMiddleware,
    RequestContextMiddleware,
    configure_logging,
    metrics_response,
)
from sihub_shared.openapi import install_openapi
from sihub_shared.settings import ServiceSettings
from sihub_shared.workers import trimming_the_heap


class Workers:
    """The background side of a service process: relay, consumers and the heap's trim."""

    def __init__(self, settings: ServiceSettings, database: Database, bus: EventBus,
                 subscriptions: Sequence[Subscription]) -> None:
        self.settings = settings
        self.relay = OutboxRelay(database, bus, service=settings.service_name,
                                 batch_size=settings.relay_batch_size)
        self.consumers = [ConsumerRunner(database, bus, s) for s in subscriptions]
        self.bus = bus
        self.tasks: list[asyncio.Task[Any]] = []

    async def _start_when_connected(self) -> None:
        await self.bus.wait_connected()
        await ensure_stream(self.bus.jetstream, self.settings.service_name,
                            duplicate_window_s=self.settings.stream_duplicate_window_s,
                            replicas=self.settings.stream_replicas)
        self.tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        for consumer in self.consumers:
            self.tasks.append(asyncio.create_task(consumer.run(), name=consumer.subscription.name))

    def start(self) -> None:
        self.tasks.append(asyncio.create_task(self._start_when_connected(), name="workers-start"))
        self.tasks.append(asyncio.create_task(trimming_the_heap(self.settings.heap_trim_interval_s),
                                              name="heap-trim"))

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    subscriptions: Sequence[Subscription] = (),
    public_routers: Sequence[APIRouter] = (),
    version: str = "0.1.0",
    authenticate: Callable[..., Any] | None = current_identity,
    extra_lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    max_body_bytes_under: Mapping[str, int] | None = None,
    **fastapi_options: Any,
) -> FastAPI:
    """`authenticate` guards every API router (the gateway passes None: its routes take API keys);
    `extra_lifespan` runs inside the shared one, after the database and the bus exist;
    `max_body_bytes_under`: path prefixes whose bodies have a limit other than the settings' one."""
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings.database_url, write_wait_s=settings.sqlite_write_wait_s)
        bus = EventBus(
            settings.nats_url,
            name=settings.service_name,
            user=settings.nats_user,
            password=settings.nats_password.get_secret_value() if settings.nats_password else None,
        )
        app.state.database, app.state.bus = database, bus
        bus.start()
        workers = Workers(settings, database, bus, subscriptions)
        app.state.workers = workers
        if settings.run_workers:
            workers.start()
        try:
            if extra_lifespan is None:
                yield
            else:
                async with extra_lifespan(app):
                    yield
        finally:
            try:
                await workers.stop()
                await bus.close()
            finally:  # whatever went wrong above, the database closes (a SQLite WAL is truncated)
                await database.dispose()

    # FastAPI's own /docs and /redoc load their scripts from a CDN: /docs is served from a package instead.
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  docs_url=None, redoc_url=None, **fastapi_options)
    serve_docs(app, openapi_url="/openapi.json", title=title)
    app.state.settings = settings
    install_problem_handlers(app)
    app.add_middleware(ConcretePathsMiddleware, service=app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes, max_bytes_under=max_body_bytes_under)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)

    guard = [Depends(authenticate)] if authenticate is not None else []
    for router in routers:
        app.include_router(router, prefix="/api/v1", dependencies=guard)
    for router in public_routers:
        app.include_router(router)
    app.include_router(operations_router(settings))
    install_openapi(app)
    return app


def operations_router(settings: ServiceSettings) -> APIRouter:
    router = APIRouter(tags=["operations"], include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @router.get("/readyz")
    async def readyz(request: Request) -> Response:
        checks = await readiness_checks(request.app)
        if all(check["ok"] for check in checks.values()):
            return JSONResponse({"status": "ready", "service": settings.service_name, "checks": checks})
        return problem_response(request, status=503, title="Service unavailable",
                                detail="not ready: " + ", ".join(k for k, v in checks.items() if not v["ok"]),
                                service=settings.service_name, checks=checks)

    @router.get("/metrics")
    async def metrics() -> Response:
        return metrics_response()

    @router.get("/asyncapi.json")
    async def asyncapi() -> dict[str, Any]:
        return asyncapi_document(contracts_of(settings.service_name), title=f"sihub {settings.service_name} events",
                                 version="1.0.0", nats_url=settings.nats_url)

    return router


async def readiness_checks(app: FastAPI) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}
    try:
        await asyncio.wait_for(app.state.database.ping(), 2.0)
        checks["database"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported as is
        checks["database"] = {"ok": False, "error": repr(exc)}
    checks["nats"] = {"ok": app.state.bus.is_connected}
    return checks
