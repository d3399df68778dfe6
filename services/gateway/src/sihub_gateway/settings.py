from __future__ import annotations

from pydantic import AnyHttpUrl, Field

from sihub_shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    # Service name → base URL; `/api/v1/<service>/...` is forwarded there, path unchanged.
    upstreams: dict[str, AnyHttpUrl] = Field(default_factory=dict)
    upstream_timeout_s: float = Field(default=30.0, gt=0)
    upstream_connections: int = Field(default=200, ge=1)
    # Per API key, on every request it authenticates (forwarded or to the gateway's own endpoints).
    rate_limit_per_s: float = Field(default=50.0, gt=0)
    rate_limit_burst: int = Field(default=200, ge=1)
    # Per client address, on requests without a valid key (none, unknown, revoked) and the public
    # documents; see ratelimit.py.
    address_rate_limit_per_s: float = Field(default=2.0, gt=0)
    address_rate_limit_burst: int = Field(default=60, ge=1)
    # How long an authenticated key is trusted without a database look-up (revocation delay).
    key_cache_ttl_s: float = Field(default=5.0, ge=0)
    # The address callers use (https://api.sihub.example): services build the links they hand out
    # (an HSDS `uri`) from it. Unset, the Host and scheme the gateway was called with are passed on.
    public_url: AnyHttpUrl | None = None
