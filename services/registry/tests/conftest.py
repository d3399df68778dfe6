"""The registry app on a real database (SQLite and PostgreSQL through `database_url`), called
in-process with identities as the gateway would sign them, and its outbox read back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from sihub_registry.main import create_app
from sihub_registry.settings import RegistrySettings
from sihub_shared.identity import Role
from sihub_shared.migrations import upgrade
from sihub_shared.testing import TEST_IDENTITY_SECRET, identity_headers
from sihub_shared.testing.calls import HttpVerbs, outbox_events
from sihub_shared.testing.servers import app_client

MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_registry" / "migrations"
API = "/api/v1/registry"


class Caller(HttpVerbs):
    """One account with its roles, calling the registry API (paths are relative to /api/v1/registry)."""

    def __init__(self, client: httpx.AsyncClient, *roles: Role, account_id: str | None = None) -> None:
        self.client = client
        self.roles = roles
        self.account_id = account_id or str(uuid.uuid4())

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        # Signed per call: the identity token lives 60 s, as the gateway's does.
        return identity_headers(*self.roles, account_id=self.account_id) | (extra or {})

    async def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, API + path, headers=self._headers(headers), **kwargs)

    async def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.post(path, json=body)
        assert response.status_code == 201, response.text
        return response.json()

    async def change(self, path: str, body: dict[str, Any], etag: str | None = None) -> httpx.Response:
        """PATCH with If-Match: the ETag given, or the one a GET reads now."""
        if etag is None:
            etag = (await self.get(path)).headers["ETag"]
        return await self.patch(path, json=body, headers={"If-Match": etag})

    async def remove(self, path: str) -> httpx.Response:
        etag = (await self.get(path)).headers["ETag"]
        return await self.delete(path, headers={"If-Match": etag})


class Registry:
    def __init__(self, client: httpx.AsyncClient, app: Any) -> None:
        self.client = client
        self.app = app
        self.admin = Caller(client, Role.admin)

    def partner(self) -> Caller:
        return Caller(self.client, Role.partner)

    def caller(self, *roles: Role) -> Caller:
        return Caller(self.client, *roles)

    async def events(self, subject_prefix: str = "sihub.registry.") -> list[dict[str, Any]]:
        """Every outbox event so far (CloudEvents as dicts), in the order they were written."""
        async with self.app.state.database.session() as session:
            return await outbox_events(session, subject_prefix)


@asynccontextmanager
async def running_registry(database_url: str, nats_url: str, *, run_workers: bool) -> AsyncIterator[Registry]:
    await upgrade(MIGRATIONS, database_url)
    settings = RegistrySettings(database_url=database_url, nats_url=nats_url, identity_secret=TEST_IDENTITY_SECRET,
                                run_workers=run_workers, log_json=False, log_level="WARNING")
    app = create_app(settings)
    async with app_client(app) as client:
        yield Registry(client, app)


@pytest.fixture
async def registry(database_url: str, nats_server: Any) -> AsyncIterator[Registry]:
    """The registry without its relay: events stay in the outbox, where tests read them."""
    async with running_registry(database_url, nats_server.url, run_workers=False) as running:
        yield running


@pytest.fixture
async def relayed_registry(database_url: str, fresh_nats_server: Any) -> AsyncIterator[Registry]:
    """The registry with its relay publishing to a nats-server of the test's own."""
    async with running_registry(database_url, fresh_nats_server.url, run_workers=True) as running:
        yield running


def actor_body(name: str, **fields: Any) -> dict[str, Any]:
    """A valid actor: a Korean social enterprise in Seoul unless `fields` say otherwise."""
    return {"names": [{"value": name, "lang": "en"}], "kind": "social_enterprise", "country": "KR",
            "region": "KR-11"} | fields


@pytest.fixture
def new_actor() -> Any:
    return actor_body
