"""What every service's demo loader shares: it writes through the public API (the gateway, an admin
key) as any partner would, and waits out the gateway's rate limit instead of failing on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import httpx

RATE_LIMIT_RETRIES = 20


class DemoLoadError(Exception):
    """The API refused part of the demo data (its answer is in the message)."""


class DemoCounts(Protocol):
    @property
    def created(self) -> int: ...


# (gateway URL, admin API key, echo) -> what was loaded: each service's `load_demo`.
LoadDemo = Callable[[str, str, Callable[[str], None]], Awaitable[DemoCounts]]


class PublicApi:
    """One service's part of the public API (`/api/v1/<service>`), as a demo loader calls it."""

    def __init__(self, client: httpx.AsyncClient, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    async def send(self, method: str, path: str, *, conflict_ok: bool = False, **options: Any) -> dict[str, Any]:
        """The JSON answer. With `conflict_ok`, a 409 naming an `existing_id` (the record is already
        there) is an answer too: `{"existing_id": ...}`."""
        for _ in range(RATE_LIMIT_RETRIES):
            response = await self.client.request(method, self.prefix + path, **options)
            if response.status_code != 429:
                break
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
        try:
            answer = response.json()
        except ValueError:  # not JSON: a proxy's error page, say
            raise DemoLoadError(f"{method} {path}: {response.status_code} {response.text[:2000]}") from None
        if response.status_code == 409 and conflict_ok and "existing_id" in answer:
            return {"existing_id": answer["existing_id"]}
        if response.status_code >= 400:
            raise DemoLoadError(f"{method} {path}: {response.status_code} {response.text[:2000]}")
        return answer


@asynccontextmanager
async def public_api(gateway_url: str, api_key: str, service: str, *, timeout_s: float) -> AsyncIterator[PublicApi]:
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=gateway_url.rstrip("/"), headers=headers, timeout=timeout_s) as client:
        yield PublicApi(client, f"/api/v1/{service}")
