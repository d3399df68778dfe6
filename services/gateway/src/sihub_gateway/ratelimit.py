"""The gateway's rate limits: token buckets, `rate` requests a second on average, bursts up to `burst`.

- Per API key: every request a key authenticates, forwarded or to the gateway's own endpoints.
- Per client address: every request without a valid key, that is one without a key, one with an
  unknown or revoked key, and the public documents (`/openapi.json`, `/asyncapi.json`; `/docs` and
  its files are static and not counted).
  An address that has used up its allowance is refused before a new key is even looked up; a key
  that has authenticated before is still looked up, so that one caller's failures never lock out
  another's working key at the same address.
  `/healthz`, `/readyz` and `/metrics` are never limited: an orchestrator's probe answered 429
  would take the gateway out of service.

In memory, per gateway process: with N replicas a caller may get up to N times the rate. That is
the usual trade for a limiter that costs nothing on the hot path; a shared limiter would need
a shared store. The address is the one uvicorn reports (it trusts X-Forwarded-For only from the
proxies in its `--forwarded-allow-ips`).
"""

from __future__ import annotations

import time

from fastapi import Request

from sihub_gateway.settings import GatewaySettings
from sihub_shared.errors import ProblemError, retry_after
from sihub_shared.identity import KEY_HEADER, Identity


class TooManyRequests(ProblemError):
    status, title = 429, "Too many requests"


class TokenBuckets:
    # Buckets that have filled up again are forgotten (a full bucket is what a new caller gets), so
    # that callers from ever new addresses cannot grow the table without bound.
    _FIRST_SWEEP = 1024

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate = rate_per_s
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._sweep_at = self._FIRST_SWEEP

    def _tokens(self, key: str, now: float) -> float:
        tokens, updated = self._buckets.get(key, (float(self.burst), now))
        return min(self.burst, tokens + (now - updated) * self.rate)

    def wait_s(self, key: str) -> float:
        """0 when a token is there (none is taken), else the seconds until there is one."""
        tokens = self._tokens(key, time.monotonic())
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def take(self, key: str) -> float:
        """Take one token; returns 0 when allowed, else the seconds to wait before retrying."""
        now = time.monotonic()
        tokens = self._tokens(key, now)
        if key not in self._buckets and len(self._buckets) >= self._sweep_at:
            self._sweep(now)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        return 0.0 if allowed else (1 - tokens) / self.rate

    def _sweep(self, now: float) -> None:
        self._buckets = {key: (tokens, updated) for key, (tokens, updated) in self._buckets.items()
                         if tokens + (now - updated) * self.rate < self.burst}
        self._sweep_at = max(self._FIRST_SWEEP, 2 * len(self._buckets))


def refused_for_key(detail: str, message: str, wait_s: float) -> ProblemError:
    """A 429 naming the API key (Authorization) whose allowance is used up, with Retry-After."""
    return TooManyRequests.for_header(KEY_HEADER, detail, message, headers=retry_after(wait_s))


def _refused(wait_s: float, whose: str) -> ProblemError:
    return refused_for_key(f"rate limit exceeded for {whose}; retry after the seconds in Retry-After",
                           f"over the rate limit of {whose}", wait_s)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class RateLimits:
    def __init__(self, settings: GatewaySettings) -> None:
        self.keys = TokenBuckets(settings.rate_limit_per_s, settings.rate_limit_burst)
        self.addresses = TokenBuckets(settings.address_rate_limit_per_s, settings.address_rate_limit_burst)

    def take_for_key(self, identity: Identity) -> None:
        if wait_s := self.keys.take(identity.key_prefix or identity.account_id):
            raise _refused(wait_s, "this API key")

    def take_for_address(self, address: str) -> None:
        """A request without a valid key: counted, refused once the address has used its allowance."""
        if wait_s := self.addresses.take(address):
            raise _refused(wait_s, "requests without a valid API key from this address")

    def check_address(self, address: str) -> None:
        """Refused when the address has used its allowance; nothing is counted."""
        if wait_s := self.addresses.wait_s(address):
            raise _refused(wait_s, "requests without a valid API key from this address")


# Probes: answered 429, the gateway would be taken out of service.
_NEVER_LIMITED = frozenset({"/readyz"})


async def limit_by_address(request: Request) -> None:
    """The dependency of the documents that answer without a key."""
    if request.url.path not in _NEVER_LIMITED:
        request.app.state.rate_limits.take_for_address(client_address(request))
