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


def signature(signers: list[Signer], event_id: str, at: datetime, body: bytes) -> str:
    """`v1,<base64>` per secret, space-separated: during a rotation's grace period both sign."""
    return " ".join(signer.sign(event_id, at, body.decode()) for signer in signers)


class WebhookSender:
    def __init__(self, *, timeout_s: float, max_response_bytes: int, allow_local: bool, connections: int = 50) -> None:
        self.max_response_bytes = max_response_bytes
        self.allow_local = allow_local
        # trust_env=False: no proxy from the environment may carry a request past the address check.
        # A lane has one request in flight (its order), so `connections` (the lanes in flight) are
        # all kept alive: no lane pays a new connection per request.
        self.client = httpx.AsyncClient(
            follow_redirects=False, trust_env=False, timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0)),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def send(self, url: str, secrets: list[str], event_id: str, body: bytes) -> Outcome:
        return (await self.send_in_order(url, secrets, [(event_id, body)]))[0]

    async def send_in_order(self, url: str, secrets: list[str], items: list[tuple[str, bytes]]) -> list[Outcome]:
        """Each (event id, body) in turn until the first failure, whose outcome is the last: what
        follows waits behind its retry. The target is resolved and checked once for the batch (not
        a thread's DNS look-up per request), and every request goes to that checked address."""
        started = time.perf_counter()
        try:
            target = await resolve(url, allow_local=self.allow_local)  # again, at connect time
        except TargetRefused as exc:
            return [Outcome(None, round((time.perf_counter() - started) * 1000, 3), f"refused: {exc}")]
        signers = [Signer(secret) for secret in secrets]
        pinned_url, host_header = target.pinned_url, urlsplit(url).netloc
        outcomes: list[Outcome] = []
        for event_id, body in items:
            outcome = await self._post(target.host, pinned_url, host_header, signers, event_id, body)
            outcomes.append(outcome)
            if not outcome.ok:
                break
        return outcomes

    async def _post(
        self, host: str, pinned_url: str, host_header: str, signers: list[Signer], event_id: str, body: bytes
    ) -> Outcome:
        started = time.perf_counter()

        def outcome(status: int | None, error: str | None) -> Outcome:
            return Outcome(status, round((time.perf_counter() - started) * 1000, 3), error)

        now = datetime.now(UTC)
        headers = {
            "host": host_header,
            "content-type": "application/cloudevents+json",
            "user-agent": USER_AGENT,
            "webhook-id": event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature(signers, event_id, now, body),
        }
        try:
            async with self.client.stream(
                "POST", pinned_url, content=body, headers=headers, extensions={"sni_hostname": host},
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
