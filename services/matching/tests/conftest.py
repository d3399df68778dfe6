"""The matching app on a real database (SQLite and PostgreSQL through `database_url`), called
in-process with identities as the gateway would sign them. Its read model is fed the way the
consumers feed it: CloudEvents shaped as the registry and the indicators publish them, applied by
sihub_shared's ConsumerRunner (tests of the streams themselves publish into a real nats-server).

Tests get the `matching` fixture: a `MatchingApi` with the helpers (under `--import-mode=importlib`
a test module cannot import this file)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from sihub_matching.events.handlers import indicators_subscription, registry_subscription
from sihub_matching.main import create_app
from sihub_matching.settings import MatchingSettings
from sihub_shared.db import Database
from sihub_shared.events.bus import EventBus
from sihub_shared.events.consumer import ConsumerRunner
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.migrations import upgrade
from sihub_shared.settings import async_database_url
from sihub_shared.testing import TEST_IDENTITY_SECRET, identity_headers
from sihub_shared.testing.calls import HttpVerbs, outbox_events
from sihub_shared.testing.servers import app_client

MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_matching" / "migrations"
API = "/api/v1/matching"
T0 = datetime(2026, 12, 1, tzinfo=UTC)


class Events:
    """CloudEvents as the registry and the indicators publish them (their contracts' JSON shape)."""

    @staticmethod
    def actor(
        actor_id: str,
        verb: str = "created",
        *,
        version: int = 1,
        owner: str = "owner-1",
        kind: str = "social_enterprise",
        sector: str = "social",
        country: str = "KR",
        region: str | None = "KR-42",
        issue_areas: list[str] | None = None,
        offers: list[str] | None = None,
        needs: list[str] | None = None,
        name: str | None = None,
        deleted: bool = False,
        illustrative: bool = True,
    ) -> CloudEvent:
        state = {
            "id": actor_id,
            "ref": None,
            "kind": kind,
            "sector": sector,
            "country": country,
            "region": region,
            "locality": None,
            "founded_year": None,
            "website": None,
            "illustrative": illustrative,
            "names": [{"value": name or f"Actor {actor_id[:8]}", "lang": "en"}],
            "descriptions": [],
            "issue_areas": issue_areas or [],
            "offers": [{"capability": c, "detail": None} for c in offers or []],
            "needs": [{"capability": c, "detail": None} for c in needs or []],
            "certifications": [],
            "identifiers": [],
            "owner_account_id": owner,
            "version": version,
            "created_at": T0.isoformat(),
            "updated_at": T0.isoformat(),
            "deleted_at": T0.isoformat() if deleted else None,
        }
        return CloudEvent(
            source="/sihub/registry",
            type=f"org.sihub.registry.actor.{verb}.v1",
            subject=actor_id,
            data={"actor": state},
        )

    @staticmethod
    def _stamps(version: int, deleted: bool) -> dict[str, Any]:
        return {
            "version": version,
            "created_at": T0.isoformat(),
            "updated_at": T0.isoformat(),
            "deleted_at": T0.isoformat() if deleted else None,
        }

    @staticmethod
    def hub_operators(hub_id: str, owner: str, accounts: list[str], *, version: int | None = None) -> CloudEvent:
        """The registry's event; without `version`, as it was published before lists had one."""
        hub = {
            "hub_id": hub_id,
            "owner_account_id": owner,
            **({"version": version} if version is not None else {}),
            "operators": [
                {"hub_id": hub_id, "account_id": a, "added_by": owner, "added_at": T0.isoformat()}
                for a in accounts
            ],
        }
        return CloudEvent(
            source="/sihub/registry",
            type="org.sihub.registry.hub_operators.changed.v1",
            subject=hub_id,
            data={"hub": hub},
        )

    @classmethod
    def programme(
        cls, programme_id: str, hub_id: str, *, verb: str = "created", version: int = 1
    ) -> CloudEvent:
        state = {
            "id": programme_id,
            "ref": None,
            "hub_id": hub_id,
            "names": [{"value": "Campus cohort", "lang": "en"}],
            "descriptions": [],
            "issue_areas": [],
            "starts_on": None,
            "ends_on": None,
            "illustrative": True,
            **cls._stamps(version, verb == "deleted"),
        }
        return CloudEvent(
            source="/sihub/registry",
            type=f"org.sihub.registry.programme.{verb}.v1",
            data={"programme": state},
        )

    @classmethod
    def cohort(
        cls,
        cohort_id: str,
        programme_id: str,
        hub_id: str,
        *,
        verb: str = "created",
        version: int = 1,
    ) -> CloudEvent:
        state = {
            "id": cohort_id,
            "ref": None,
            "programme_id": programme_id,
            "hub_id": hub_id,
            "name": "2026 spring",
            "starts_on": None,
            "ends_on": None,
            "illustrative": True,
            **cls._stamps(version, verb == "deleted"),
        }
        return CloudEvent(
            source="/sihub/registry",
            type=f"org.sihub.registry.cohort.{verb}.v1",
            data={"cohort": state},
        )

    @classmethod
    def membership(
        cls,
        membership_id: str,
        hub_id: str,
        programme_id: str,
        cohort_id: str | None,
        actor_id: str,
        *,
        verb: str = "created",
        version: int = 1,
        answer: str = "confirmed",
    ) -> CloudEvent:
        """`answer`: the member's owner's answer to being listed (pending, confirmed or declined)."""
        state = {
            "id": membership_id,
            "ref": None,
            "hub_id": hub_id,
            "programme_id": programme_id,
            "cohort_id": cohort_id,
            "actor_id": actor_id,
            "role": "participant",
            "starts_on": None,
            "ends_on": None,
            "illustrative": True,
            "programme": {"id": programme_id, "names": []},
            "cohort": None,
            "confirmations": [{"actor_id": actor_id, "state": answer, "decided_by": None, "decided_at": None}],
            "confirmed": answer == "confirmed",
            **cls._stamps(version, verb == "deleted"),
        }
        return CloudEvent(
            source="/sihub/registry",
            type=f"org.sihub.registry.membership.{verb}.v1",
            data={"membership": state},
        )

    @classmethod
    def partnership(
        cls,
        partnership_id: str,
        actor_ids: list[str],
        *,
        status: str = "active",
        verb: str = "created",
        version: int = 1,
    ) -> CloudEvent:
        state = {
            "id": partnership_id,
            "ref": None,
            "type": "co_delivery",
            "status": status,
            "origin": "manual",
            "match_ref": None,
            "starts_on": None,
            "ends_on": None,
            "illustrative": True,
            "created_by": "someone",
            "actor_ids": actor_ids,
            "description": [],
            **cls._stamps(version, verb == "deleted"),
        }
        return CloudEvent(
            source="/sihub/registry",
            type=f"org.sihub.registry.partnership.{verb}.v1",
            data={"partnership": state},
        )

    @staticmethod
    def severity(
        geography: str,
        theme: str,
        severity: float | None,
        *,
        band: str | None = "critical",
        computed_at: datetime = T0,
        frequency: str = "annual",
        illustrative: bool = True,
    ) -> CloudEvent:
        data = {
            "geography": geography,
            "theme": theme,
            "frequency": frequency,
            "comparison_set": "regions:KR",
            "period": "2024",
            "index": None if severity is None else 100 * (1 - severity),
            "severity": severity,
            "band": band,
            "trend_per_year": None,
            "coverage": 1.0,
            "illustrative": illustrative,
            "previous_severity": None,
            "previous_band": None,
            "method_version": "1.0",
            "computed_at": computed_at.isoformat(),
        }
        return CloudEvent(
            source="/sihub/indicators", type="org.sihub.indicators.severity.changed.v1", data=data
        )

    @staticmethod
    def indices(
        comparison_set: str, values: list[tuple[str, str, float]], *, computed_at: datetime = T0
    ) -> CloudEvent:
        data = {
            "comparison_set": comparison_set,
            "frequency": "annual",
            "method_version": "1.0",
            "cause": "ingest",
            "periods": ["2024"],
            "geographies": sorted({g for g, _, _ in values}),
            "themes": sorted({t for _, t, _ in values}),
            "part": 1,
            "parts": 1,
            "values": [
                {
                    "geography": g,
                    "theme": t,
                    "period": "2024",
                    "index": v,
                    "rank": None,
                    "rank_best": None,
                    "rank_worst": None,
                    "ranked_among": len(values),
                    "trend_per_year": None,
                    "coverage": 1.0,
                    "illustrative": True,
                }
                for g, t, v in values
            ],
            "computed_at": computed_at.isoformat(),
        }
        return CloudEvent(
            source="/sihub/indicators", type="org.sihub.indicators.index.recomputed.v1", data=data
        )


class MatchingApi(HttpVerbs):
    """Paths are relative to /api/v1/matching; calls are made as an admin unless `role` says otherwise."""

    api = API
    events = Events

    def __init__(self, client: httpx.AsyncClient, database_url: str, nats_url: str) -> None:
        self.client = client
        self.database_url = database_url
        self.nats_url = nats_url

    @staticmethod
    def headers(role: str | None = "admin", account_id: str | None = None) -> dict[str, str]:
        if role is None:
            return {}
        return identity_headers(
            role, account_id=account_id or str(uuid.uuid4()), organisation=f"a {role}"
        )  # type: ignore[arg-type]

    async def request(
        self,
        method: str,
        path: str,
        *,
        role: str | None = "admin",
        account: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        return await self.client.request(
            method, API + path, headers=self.headers(role, account) | (headers or {}), **kwargs
        )

    async def feed(self, *events: CloudEvent) -> None:
        """Apply events as the consumers do (each exactly once, by its subscription)."""
        database = Database(async_database_url(self.database_url))
        bus = EventBus(
            self.nats_url, name="matching-test-feed"
        )  # never connected: apply() needs no broker
        try:
            for event in events:
                subscription = (
                    registry_subscription
                    if event.source == "/sihub/registry"
                    else indicators_subscription
                )
                await ConsumerRunner(database, bus, subscription).apply(event)
        finally:
            await database.dispose()

    @staticmethod
    def problem(response: httpx.Response, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        return response.json()

    async def scalar(self, sql: str) -> Any:
        """One value straight from the database (to see what was, or was not, written)."""
        database = Database(async_database_url(self.database_url))
        try:
            async with database.session() as session:
                return (await session.exec(text(sql))).scalar_one()  # type: ignore[call-overload]
        finally:
            await database.dispose()

    async def outbox(self, subject: str | None = None) -> list[dict[str, Any]]:
        database = Database(async_database_url(self.database_url))
        try:
            async with database.session() as session:
                return await outbox_events(session, subject or "")
        finally:
            await database.dispose()


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def matching_settings() -> dict[str, Any]:
    """Overrides of MatchingSettings for the `matching` fixture (a test module may override this fixture)."""
    return {}


@pytest.fixture
async def matching(
    database_url: str, nats_server: Any, matching_settings: dict[str, Any]
) -> AsyncIterator[MatchingApi]:
    await upgrade(MIGRATIONS, database_url)
    app = create_app(
        MatchingSettings(
            database_url=database_url,
            nats_url=nats_server.url,
            identity_secret=TEST_IDENTITY_SECRET,
            run_workers=False,
            **matching_settings,
        )
    )
    async with app_client(app) as client:
        yield MatchingApi(client, database_url, nats_server.url)
