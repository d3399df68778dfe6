"""Forwarding `/api/v1/<service>/...` to the service, with the caller's identity signed in.

One long-lived pooled httpx client for the life of the process: connection set-up per request
is what makes a naive proxy slow (see bench/bench_gateway.py for the measured difference).
"""

from __future__ import annotations

import time

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import StreamingResponse

from sihub_shared.errors import ProblemError
from sihub_shared.identity import IDENTITY_HEADER, Identity, sign_identity

# Never passed on: hop-by-hop headers, the caller's key, and anything claiming an identity.
_DROPPED_REQUEST_HEADERS = frozenset(
    {"host", "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
     "trailer", "transfer-encoding", "upgrade", "authorization", "content-length",
     "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip",
     "x-forwarded-user", "x-remote-user", "x-user", "x-user-id", "x-account-id", "x-roles"}
)
_DROPPED_RESPONSE_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "x-request-id"}
)


class UpstreamUnavailable(ProblemError):
    status, title = 503, "Service unavailable"


class UpstreamTimeout(ProblemError):
    status, title = 504, "Gateway timeout"


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


class Forwarder:
    def __init__(self, upstreams: dict[str, str], *, timeout_s: float, max_connections: int) -> None:
        self.upstreams = {name: url.rstrip("/") for name, url in upstreams.items()}
        self.client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            timeout=httpx.Timeout(timeout_s, connect=3.0),
        )

    async def forward(self, request: Request, service: str, identity_token: str) -> StreamingResponse:
        base = self.upstreams[service]
        url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = [
            (name, value) for name, value in request.headers.items()
            if name not in _DROPPED_REQUEST_HEADERS and not name.startswith("x-sihub-")
        ]
        client_host = request.client.host if request.client else ""
        headers += [
            (IDENTITY_HEADER, identity_token),
            ("x-request-id", request.state.request_id),
            ("x-forwarded-for", client_host),
            ("x-forwarded-proto", request.url.scheme),
        ]
        upstream_request = self.client.build_request(
            request.method, url, headers=headers, content=await request.body()
        )
        try:
            response = await self.client.send(upstream_request, stream=True)
        except httpx.ConnectTimeout as exc:
            raise UpstreamUnavailable(f"the {service} service does not answer", service=service) from exc
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(f"the {service} service took too long to answer", service=service) from exc
        except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
            raise UpstreamUnavailable(f"the {service} service is unavailable", service=service) from exc
        return StreamingResponse(
            response.aiter_raw(),
            status_code=response.status_code,
            headers={k: v for k, v in response.headers.items() if k not in _DROPPED_RESPONSE_HEADERS},
            background=BackgroundTask(response.aclose),
        )

    async def close(self) -> None:
        await self.client.aclose()
