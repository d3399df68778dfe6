"""Forwarding `/api/v1/<service>/...` to the service, with the caller's identity signed in.

One long-lived connection pool for the life of the process: connection set-up per request is
what makes a naive proxy slow (see bench/bench_gateway.py for the measured difference). Forwarded
requests go through `upstream.py`'s small HTTP/1.1 client, not httpx or httpcore: their layers were
most of the gateway's CPU per request (bench/README.md), and a client-wide cookie jar would hand
one caller's upstream cookies to the next caller. The caller's raw path and headers go out as sent.
"""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import structlog
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from sihub_gateway.proxy.upstream import (
    BrokenAnswer,
    ClosedBeforeAnswering,
    ConnectFailed,
    Exchange,
    NoFreeSlot,
    Origin,
    UpstreamPool,
)
from sihub_gateway.ratelimit import refused_for_key
from sihub_shared.errors import ProblemError, retry_after
from sihub_shared.identity import IDENTITY_HEADER, Identity, sign_identity
from sihub_shared.settings import for_path

# Never passed on: hop-by-hop headers, the caller's key, and anything claiming an identity.
_DROPPED_REQUEST_HEADERS = frozenset(
    {b"host", b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
     b"trailer", b"transfer-encoding", b"upgrade", b"authorization", b"content-length",
     b"forwarded", b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto", b"x-real-ip",
     b"x-forwarded-user", b"x-remote-user", b"x-user", b"x-user-id", b"x-account-id", b"x-roles",
     # The gateway has the whole body before it forwards: nothing for the service to continue.
     b"expect"}
)
# `date` and `server` are the gateway's own server's to send: passed on, every answer had two.
_DROPPED_RESPONSE_HEADERS = frozenset(
    {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade",
     b"x-request-id", b"date", b"server"}
)
# A 204 or 304 has no body whatever its Content-Length says; passed on, the server would wait for one.
_NO_BODY_STATUSES = frozenset({204, 304})
_DROPPED_WITHOUT_BODY = _DROPPED_RESPONSE_HEADERS | {b"content-length"}
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
# Sent a second time when the service closed the connection before answering (RFC 9110 §9.2.2: the
# same effect however often they are sent). Never POST or PATCH, even with an Idempotency-Key: the
# gateway cannot know which routes honour that header, and a second send may do the work twice.
_RETRIED_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Answers up to this size are read whole and sent in one piece: streaming one costs a task group and
# a background task per request, more than copying a page of JSON. Larger answers (exports) stream.
_WHOLE_BODY_BYTES = 256 * 1024


class UpstreamUnavailable(ProblemError):
    status, title = 503, "Service unavailable"


class UpstreamTimeout(ProblemError):
    status, title = 504, "Gateway timeout"


class GatewayBusy(ProblemError):
    status, title = 503, "Gateway busy"


log = structlog.get_logger(__name__)


class IdentityTokens:
    """Signs identity tokens, reusing one until half its lifetime has passed."""

    def __init__(self, secret: str, ttl_s: int) -> None:
        self.secret = secret
        self.ttl_s = ttl_s
        self._tokens: dict[tuple[str, str | None], tuple[str, float]] = {}

    def token_for(self, identity: Identity) -> str:
        key = (identity.account_id, identity.key_prefix)
        now = time.monotonic()
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        token = sign_identity(identity, self.secret, self.ttl_s)
        self._tokens[key] = (token, now + self.ttl_s / 2)
        return token


class _CallerNotReading(Exception):
    pass


class _StreamedAnswer(StreamingResponse):
    """A large or chunked answer, passed on as it arrives. Its connection is given back however the
    sending ends (done, the caller gone, an error), even if the body was never started.

    The server's `send` waits while the caller's socket is full, with no limit of its own: a caller
    that stops reading would hold the exchange's slots for as long as it keeps the connection open.
    So each send has `send_timeout_s`; past it the stream is cut (the server closes the connection)."""

    def __init__(self, answer: Exchange, send_timeout_s: float) -> None:
        super().__init__(answer.chunks(), status_code=answer.status)
        self.answer = answer
        self.send_timeout_s = send_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_in_time(message: Message) -> None:
            try:
                async with asyncio.timeout(self.send_timeout_s):
                    await send(message)
            except TimeoutError as exc:
                raise _CallerNotReading from exc

        try:
            await super().__call__(scope, receive, send_in_time)
        except _CallerNotReading:
            # Returning without the end of the body: the server closes the connection.
            log.warning("streamed answer cut: the caller read nothing for the send time-out",
                        path=scope.get("path"), send_timeout_s=self.send_timeout_s)
        finally:
            self.answer.release()


# A host name (an IDN in its A-label form) or address, and an optional port: without a public URL
# set, links (HSDS `uri`, a report's evidence) are made on the caller's Host, so no other text may
# reach them (a Markdown or HTML link is then the caller's own address, never markup).
_HOST = re.compile(rb"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-]+)(?::[0-9]{1,5})?")


def _caller_host(request: Request) -> bytes:
    host = request.headers.get("host", "").encode("latin-1")
    if host and not _HOST.fullmatch(host):
        raise ProblemError.for_header("Host", "the Host header is not a host name or address with an optional port",
                                      "write a host and an optional port, e.g. api.example.org or 127.0.0.1:8000")
    return host


class Forwarder:
    def __init__(self, upstreams: dict[str, str], *, timeout_s: float, max_connections: int,
                 timeout_s_under: dict[str, float] | None = None,
                 max_per_key: int | None = None, slot_wait_s: float | None = None,
                 stream_send_timeout_s: float | None = None, public_url: str | None = None) -> None:
        """`timeout_s_under`: path prefixes whose answers are waited for longer (or shorter); the
        longest that a path starts with decides."""
        self.upstreams = {name: url.rstrip("/") for name, url in upstreams.items()}
        self.timeout_s_under = dict(timeout_s_under or {})
        self.public = httpx.URL(public_url) if public_url else None
        self._origins = {name: Origin.from_url(url) for name, url in self.upstreams.items()}
        self.pool = UpstreamPool(timeout_s=timeout_s, max_connections=max_connections,
                                 max_per_holder=max_per_key, slot_wait_s=slot_wait_s)
        self.stream_send_timeout_s = timeout_s if stream_send_timeout_s is None else stream_send_timeout_s
        # Seconds a caller refused a slot is asked to wait: about what it would have waited for one.
        self._retry_after = retry_after(self.pool.slot_wait_s)
        # The gateway's own calls to the services (their documents, their readiness).
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=3.0))

    async def forward(self, request: Request, service: str, identity_token: str,
                      holder: str | None = None) -> Response:
        """`holder` (the caller's key) is held to its share of the exchange slots."""
        origin = self._origins[service]
        # The path exactly as the caller encoded it, after the upstream's own path, if any.
        target = origin.path + request.scope.get("raw_path", request.url.path.encode())
        if query := request.scope.get("query_string"):
            target += b"?" + query
        # Read whole before a slot is taken, as nginx buffers request bodies: a slow sender then holds
        # no exchange slot and no service connection. Bounded by `forwarded_max_body_bytes`.
        body = await request.body()
        lines = [b"%s %s HTTP/1.1" % (request.method.encode(), target)]
        lines += [
            name + b": " + value for name, value in request.headers.raw
            if name.lower() not in _DROPPED_REQUEST_HEADERS and not name.lower().startswith(b"x-sihub-")
        ]
        client_host = request.client.host if request.client else ""
        lines += [
            b"host: " + origin.host_header,
            IDENTITY_HEADER.encode() + b": " + identity_token.encode(),
            b"x-request-id: " + request.state.request_id.encode("latin-1"),
            b"x-forwarded-for: " + client_host.encode(),
            b"x-forwarded-proto: " + (self.public.scheme if self.public else request.url.scheme).encode(),
            b"x-forwarded-host: " + (self.public.netloc if self.public else _caller_host(request)),
        ]
        if body or request.method not in _BODYLESS_METHODS:
            lines.append(b"content-length: %d" % len(body))
        head = b"\r\n".join(lines) + b"\r\n\r\n"
        timeout_s = for_path(self.timeout_s_under, request.url.path, self.pool.timeout_s)
        try:
            answer = await self.pool.send(origin, head, body=body, retry=request.method in _RETRIED_METHODS,
                                          holder=holder, timeout_s=timeout_s)
            length = answer.content_length
            whole_body = await answer.read() if length is not None and length <= _WHOLE_BODY_BYTES else None
        except NoFreeSlot as exc:  # the gateway's own queue: not the service's fault, and not a 504
            if exc.whose == "key":
                raise refused_for_key("this API key already has as many requests in progress as one key "
                                      "may; retry after the seconds in Retry-After",
                                      "as many requests in progress as one key may have", self.pool.slot_wait_s) from exc
            raise GatewayBusy("the gateway is busy: every connection to the services is in use; retry "
                              "after the seconds in Retry-After", headers=self._retry_after) from exc
        except ConnectFailed as exc:  # refused, unreachable, no answer to the connection
            raise UpstreamUnavailable(f"the {service} service does not answer", service=service) from exc
        except TimeoutError as exc:
            raise UpstreamTimeout(f"the {service} service took too long to answer", service=service) from exc
        except (ClosedBeforeAnswering, BrokenAnswer) as exc:  # closed or reset mid-request
            raise UpstreamUnavailable(f"the {service} service is unavailable", service=service) from exc
        forwarded: Response
        if whole_body is not None:
            forwarded = Response(whole_body, status_code=answer.status)
        else:
            forwarded = _StreamedAnswer(answer, self.stream_send_timeout_s)
        # Raw pairs, so that repeated headers (Set-Cookie, Link) all come through.
        dropped = _DROPPED_RESPONSE_HEADERS if answer.status not in _NO_BODY_STATUSES else _DROPPED_WITHOUT_BODY
        forwarded.raw_headers = [
            (name.lower(), value) for name, value in answer.headers if name.lower() not in dropped
        ]
        return forwarded

    async def close(self) -> None:
        await self.pool.close()
        await self.client.aclose()

