"""One delivery attempt: a Standard Webhooks POST (standardwebhooks signs it) to a checked address.

No redirects are followed (a 3xx is a failure), at most `max_response_bytes` of the answer are read,
and every phase has a short time-out. The outcome names what went wrong in our own words.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook as Signer

from sihub_gateway.webhooks.targets import TargetRefused, resolve

USER_AGENT = "sihub-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: float
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def signature(secrets: list[str], event_id: str, at: datetime, body: bytes) -> str:
    """`v1,<base64>` per secret, space-separated: during a rotation's grace period both sign."""
    return " ".join(Signer(secret).sign(event_id, at, body.decode()) for secret in secrets)


class WebhookSender:
    def __init__(self, *, timeout_s: float, max_response_bytes: int, allow_local: bool) -> None:
        self.max_response_bytes = max_response_bytes
        self.allow_local = allow_local
        # trust_env=False: no proxy from the environment may carry a request past the address check.
        self.client = httpx.AsyncClient(
            follow_redirects=False, trust_env=False, timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0)),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def send(self, url: str, secrets: list[str], event_id: str, body: bytes) -> Outcome:
        started = time.perf_counter()

        def outcome(status: int | None, error: str | None) -> Outcome:
            return Outcome(status, round((time.perf_counter() - started) * 1000, 3), error)

        try:
            target = await resolve(url, allow_local=self.allow_local)  # again, at connect time
        except TargetRefused as exc:
            return outcome(None, f"refused: {exc}")
        now = datetime.now(UTC)
        headers = {
            "host": urlsplit(url).netloc,
            "content-type": "application/cloudevents+json",
            "user-agent": USER_AGENT,
            "webhook-id": event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature(secrets, event_id, now, body),
        }
        try:
            async with self.client.stream(
                "POST", target.pinned_url, content=body, headers=headers,
                extensions={"sni_hostname": target.host},
            ) as response:
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read >= self.max_response_bytes:
                        break  # the rest of the answer is not ours to wait for
        except httpx.TimeoutException:
            return outcome(None, "timed out")
        except httpx.HTTPError:
            return outcome(None, "connection failed")
        if 200 <= response.status_code < 300:
            return outcome(response.status_code, None)
        if 300 <= response.status_code < 400:
            return outcome(response.status_code, "redirect not followed")
        return outcome(response.status_code, f"answered {response.status_code}")
