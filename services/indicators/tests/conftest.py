"""The indicators app on a real database (SQLite and PostgreSQL through `database_url`), called
in-process with identities as the gateway would sign them, and its outbox read back.

Tests get the `indicators` fixture: an `IndicatorsApi` with the helpers (under
`--import-mode=importlib` a test module cannot import this file)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sihub_indicators.main import create_app
from sihub_indicators.settings import IndicatorsSettings
from sihub_shared.db import Database
from sihub_shared.migrations import upgrade
from sihub_shared.settings import async_database_url
from sihub_shared.testing import TEST_IDENTITY_SECRET, identity_headers
from sihub_shared.testing.calls import HttpVerbs, outbox_events
from sihub_shared.testing.servers import app_client

MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_indicators" / "migrations"
API = "/api/v1/indicators"


class IndicatorsApi(HttpVerbs):
    """Paths are relative to /api/v1/indicators; calls are made as an admin unless `role` says otherwise."""

    api = API

    def __init__(self, client: httpx.AsyncClient, database_url: str, app: FastAPI | None = None) -> None:
        self.client = client
        self.database_url = database_url
        self.app = app  # its database, for a test that holds a transaction open beside requests

    @staticmethod
    def headers(role: str | None = "admin") -> dict[str, str]:
        if role is None:
            return {}
        return identity_headers(role, account_id=str(uuid.uuid4()), organisation=f"a {role}")  # type: ignore[arg-type]

    async def request(self, method: str, path: str, *, role: str | None = "admin",
                      headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, API + path, headers=self.headers(role) | (headers or {}), **kwargs)

    async def ingest(self, content: Any, *, expect: int | None = None, role: str = "admin",
                     **params: Any) -> httpx.Response:
        """POST a file as the raw body (query parameters as keywords); with `expect`, assert that status."""
        response = await self.post("/observations/ingest", content=content, params=params, role=role)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    @staticmethod
    def indicator_body(code: str, **fields: Any) -> dict[str, Any]:
        return {
            "code": code,
            "names": {"en": code.replace("_", " ").capitalize(), "ko": "지표"},
            "theme": "income_disparity",
            "unit": "percent",
            "direction": "lower_is_better",
            "sdg_targets": ["1.2"],
            "source": {"publisher": "Statistics Korea", "link": "https://kosis.kr", "licence": "KOGL Type 1"},
            **fields,
        }

    async def add_indicators(self, *bodies: dict[str, Any]) -> None:
        for body in bodies:
            response = await self.post("/indicators", json=body)
            assert response.status_code == 201, response.text

    @staticmethod
    def problem(response: httpx.Response, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        return response.json()

    async def outbox(self, subject: str | None = None) -> list[dict[str, Any]]:
        """The CloudEvents written so far (optionally of one subject), oldest first."""
        database = Database(async_database_url(self.database_url))
        try:
            async with database.session() as session:
                return await outbox_events(session, subject or "")
        finally:
            await database.dispose()

    async def scalar(self, sql: str) -> Any:
        """One value straight from the database (to see what was, or was not, written)."""
        from sqlalchemy import text

        database = Database(async_database_url(self.database_url))
        try:
            async with database.session() as session:
                return (await session.exec(text(sql))).scalar_one()
        finally:
            await database.dispose()


async def indicators_app(database_url: str, nats_url: str, **settings: Any) -> FastAPI:
    """A migrated database and the app on it (no relay: events stay in the outbox to be read)."""
    await upgrade(MIGRATIONS, database_url)
    return create_app(IndicatorsSettings(database_url=database_url, nats_url=nats_url,
                                         identity_secret=TEST_IDENTITY_SECRET, run_workers=False, **settings))


@pytest.fixture
def indicators_settings() -> dict[str, Any]:
    """Overrides of IndicatorsSettings for the `indicators` fixture (a test may override this fixture)."""
    return {}


@pytest.fixture
async def indicators(database_url: str, nats_server: Any, indicators_settings: dict[str, Any]) -> AsyncIterator[IndicatorsApi]:
    app = await indicators_app(database_url, nats_server.url, **indicators_settings)
    async with app_client(app) as client:
        yield IndicatorsApi(client, database_url, app)
