from __future__ import annotations

from pydantic import AnyHttpUrl, Field, PositiveFloat

from sihub_shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    # Service name → base URL; `/api/v1/<service>/...` is forwarded there, path unchanged.
    upstreams: dict[str, AnyHttpUrl] = Field(default_factory=dict)
    upstream_timeout_s: float = Field(default=30.0, gt=0)
    # Path prefix → seconds, for the requests that do a large job in one exchange: an indicators
    # ingest of the largest body forwarded takes some 16 s on the embedded SQLite of a 2-core
    # machine, several times that under load, and a 504 would only tell its caller that the ingest
    # went on unseen.
    upstream_timeout_s_under: dict[str, PositiveFloat] = Field(
        default_factory=lambda: {"/api/v1/indicators/observations/ingest": 300.0})
    # The largest body forwarded to a service; each service refuses what is over its own limit. The
    # gateway holds a forwarded body whole until the answer comes (one copy, and while sending what
    # the connection has not yet taken), so this bounds its memory per exchange slot. Its own
    # endpoints keep `max_body_bytes`.
    forwarded_max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    # Exchanges with the services at once (a streamed answer holds one until the caller has it all),
    # and at most this many for one API key, so that one key's callers cannot hold them all.
    upstream_connections: int = Field(default=200, ge=1)
    upstream_connections_per_key: int = Field(default=20, ge=1)
    # How long a request waits for a free slot before it is answered 503 (429 when its key holds its
    # share), with Retry-After.
    upstream_slot_wait_s: float = Field(default=2.0, gt=0)
    # A streamed answer (large or chunked) is cut when a caller has read nothing of it for this long.
    stream_send_timeout_s: float = Field(default=30.0, gt=0)
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
    # Webhooks (webhooks/). Production refuses plain http and every non-public address; the embedded
    # devstack sets this so a developer can point a webhook at a receiver on localhost.
    webhook_allow_local_targets: bool = False
    webhook_timeout_s: float = Field(default=5.0, gt=0, le=30)
    webhook_max_response_bytes: int = Field(default=16_384, ge=0, le=1_048_576)
    # Retry n waits base·2^(n-1) (capped), scaled by a random 50-100 %: 5 s … 1 h, about 9 h in all.
    webhook_retry_base_s: float = Field(default=5.0, gt=0)
    webhook_retry_max_s: float = Field(default=3600.0, gt=0)
    webhook_max_attempts: int = Field(default=15, ge=1, le=50)
    # After a rotation the previous secret still signs (a second signature) for this long.
    webhook_secret_grace_s: int = Field(default=86_400, ge=0)
    # Lanes (subscription × stream) sent to at once, and deliveries taken from each lane per round
    # (sent one after the other: the lane's order; a front also ends when its time is up, worker.py).
    webhook_concurrency: int = Field(default=50, ge=1, le=1000)
    webhook_lane_batch: int = Field(default=200, ge=1, le=500)
    webhook_poll_s: float = Field(default=0.2, gt=0)
    # How often a round reads every lane, idle and waiting ones too (lanes.py): what another gateway
    # process queued for a lane idle here is sent within this time.
    webhook_sweep_s: float = Field(default=5.0, gt=0)

    @property
    def streams(self) -> list[str]:
        """The event streams the gateway reads (replay, webhooks): its own and each upstream's."""
        return ["gateway", *self.upstreams]
