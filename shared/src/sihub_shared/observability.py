"""JSON logs, request ids, Prometheus metrics and the request body limit.

The middlewares are plain ASGI (not BaseHTTPMiddleware) because they sit on every request and
the gateway's forwarding budget is about a millisecond.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sihub_shared.errors import problem_response
from sihub_shared.settings import for_path

REQUEST_ID_HEADER = "x-request-id"

HTTP_REQUESTS = Counter(
    "sihub_http_requests_total", "HTTP requests handled", ["service", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "sihub_http_request_seconds", "HTTP request duration", ["service", "method"]
)


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


class RequestContextMiddleware:
    """Gives each request an id (kept from `X-Request-ID` when sent), logs and counts it."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id") or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            HTTP_REQUESTS.labels(self.service, scope["method"], str(status)).inc()
            HTTP_LATENCY.labels(self.service, scope["method"]).observe(elapsed)
            structlog.contextvars.unbind_contextvars("request_id")


class BodySizeLimitMiddleware:
    """Refuses a body over `max_bytes` with 413, by Content-Length or by counting the stream.
    `max_bytes_under`: path prefixes with a limit of their own, the longest a path starts with
    deciding (the gateway's forwarded paths, whose services each refuse what is over their own)."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_bytes_under: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_bytes_under = dict(max_bytes_under or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = for_path(self.max_bytes_under, scope["path"], self.max_bytes)
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _BodyTooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            Request(scope, receive),
            status=413,
            title="Payload too large",
            detail=f"the request body is over the limit of {limit} bytes",
            errors=[{"field": "body", "in": "body", "message": f"over {limit} bytes"}],
            max_bytes=limit,
        )
        await response(scope, receive, send)


class HeadAsGetMiddleware:
    """Answers HEAD as GET without the body (RFC 9110 §9.3.2): FastAPI routes only the methods a
    route declares, so `curl -I` and ETag checks met 405. The server sends no body for HEAD; the
    GET's headers (Content-Length, ETag) are kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class _BodyTooLarge(Exception):
    pass


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
