"""What every service's test client does the same way: the HTTP verbs over one signing `request`,
and the events its outbox holds."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_shared.events.outbox import OutboxMessage


class HttpVerbs:
    """get/post/put/patch/delete; a subclass's `request` prefixes the path and signs the call."""

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        raise NotImplementedError

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)


async def outbox_events(session: AsyncSession, subject_prefix: str = "") -> list[dict[str, Any]]:
    """The CloudEvents written so far whose subject starts with `subject_prefix`, oldest first."""
    query = select(OutboxMessage).order_by(col(OutboxMessage.position))
    if subject_prefix:
        query = query.where(col(OutboxMessage.subject).startswith(subject_prefix, autoescape=True))
    return [json.loads(row.body) for row in (await session.exec(query)).all()]
