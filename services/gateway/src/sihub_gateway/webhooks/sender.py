"""One delivery attempt: a Standard Webhooks POST (standardwebhooks signs it) to a checked address.

No redirects are followed (a 3xx is a failure), at most `max_response_bytes` of the answer are read,
and every phase has a short time-out (client.py). The outcome names what went wrong in our own words.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from standardwebhooks import Webhook as Signer

from sihub_gateway.webhooks.client import ConnectionFailed, DeliveryClient
from sihub_gateway.webhooks.targets import Target, TargetRefused, resolve

USER_AGENT = "sihub-webhooks/1"


ERROR_LENGTH = 300  # the columns that keep an attempt's error and a subscription's reason


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: float
    error: str | None

    def __post_init__(self) -> None:
        # What an outcome says must fit where it is kept (a refusal quotes a host of up to 253 characters).
        if self.error is not None and len(self.error) > ERROR_LENGTH:
            object.__setattr__(self, "error", self.error[: ERROR_LENGTH - 1] + "…")

    @property
    def ok(self) -> bool:
        return self.error is None


def signature(signers: list[Signer], event_id: str, at: datetime, body: bytes) -> str:
    """`v1,<base64>` per secret, space-separated: during a rotation's grace period both sign."""
    return " ".join(signer.sign(event_id, at, body.decode()) for signer in signers)


def _request_head(target: Target) -> bytes:
    """The part of the request line and headers that is the same for every delivery to `target`.
    The path is percent-encoded where it is not plain ASCII (no byte of it can end a line); the
    host header is the URL's, in IDNA form when it is not ASCII."""
    parts = urlsplit(target.url)
    path = quote(parts.path or "/", safe="!$&'()*+,/:;=@~%") + (
        "?" + quote(parts.query, safe="!$&'()*+,/:;=?@~%") if parts.query else "")
    host = target.host.encode("idna").decode() if not target.host.isascii() else target.host
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return (f"POST {path} HTTP/1.1\r\nhost: {host}\r\nuser-agent: {USER_AGENT}\r\n"
            "content-type: application/cloudevents+json\r\n").encode()


class WebhookSender:
    def __init__(self, *, timeout_s: float, max_response_bytes: int, allow_local: bool, connections: int = 50) -> None:
        self.allow_local = allow_local
        # A lane has one request in flight (its order), so `connections` (the lanes in flight) are
        # all kept alive: no lane pays a new connection per request. No proxy is ever used: nothing
        # may carry a request past the address check.
        self.client = DeliveryClient(timeout_s=timeout_s, max_response_bytes=max_response_bytes, keep=connections)

    @property
    def longest_request_s(self) -> float:
        return self.client.longest_s

    async def close(self) -> None:
        await self.client.close()

    async def send(self, url: str, secrets: list[str], event_id: str, body: bytes) -> Outcome:
        return (await self.send_in_order(url, secrets, [(event_id, body)]))[0]

    async def send_in_order(
        self, url: str, secrets: list[str], items: list[tuple[str, bytes]], *, until: float | None = None
    ) -> list[Outcome]:
        """Each (event id, body) in turn until the first failure, whose outcome is the last: what
        follows waits behind its retry. No request but the first starts after `until` (a
        `time.monotonic()` instant: the lane's lease must outlast what it sends); what was not
        sent is not in the outcomes. The target is resolved and checked once for the batch (not a
        thread's DNS look-up per request), and every request goes to that checked address."""
        started = time.perf_counter()
        try:
            target = await resolve(url, allow_local=self.allow_local)  # again, at connect time
        except TargetRefused as exc:
            return [Outcome(None, round((time.perf_counter() - started) * 1000, 3), f"refused: {exc}")]
        signers = [Signer(secret) for secret in secrets]
        head = _request_head(target)
        server_name = target.host if urlsplit(url).scheme == "https" else None
        outcomes: list[Outcome] = []
        for event_id, body in items:
            if outcomes and until is not None and time.monotonic() > until:
                break
            outcome = await self._post(target.address, target.port, server_name, head, signers, event_id, body)
            outcomes.append(outcome)
            if not outcome.ok:
                break
        return outcomes

    async def _post(self, address: str, port: int, server_name: str | None, head: bytes, signers: list[Signer],
                    event_id: str, body: bytes) -> Outcome:
        started = time.perf_counter()

        def outcome(status: int | None, error: str | None) -> Outcome:
            return Outcome(status, round((time.perf_counter() - started) * 1000, 3), error)

        now = datetime.now(UTC)
        request = b"".join((
            head,
            f"content-length: {len(body)}\r\nwebhook-id: {event_id}\r\n"
            f"webhook-timestamp: {int(now.timestamp())}\r\n"
            f"webhook-signature: {signature(signers, event_id, now, body)}\r\n\r\n".encode(),
            body,
        ))
        try:
            answer = await self.client.post(address, port, server_name, request)
        except TimeoutError:
            return outcome(None, "timed out")
        except ConnectionFailed:
            return outcome(None, "connection failed")
        status = answer.status_code
        if 200 <= status < 300:
            return outcome(status, None)
        if 300 <= status < 400:
            return outcome(status, "redirect not followed")
        return outcome(status, f"answered {status}")
