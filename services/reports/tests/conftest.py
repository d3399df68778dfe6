"""The reports app on a real database (SQLite and PostgreSQL through `database_url`), called
in-process with identities as the gateway signs them. Its read model is fed the way the consumers
feed it: CloudEvents shaped as the registry, the indicators and matching publish them (their
contracts' JSON), applied by sihub_shared's ConsumerRunner; the stream tests publish them into a
real nats-server instead.

Tests get the `reports` fixture: a `ReportsApi` with the helpers and an `Events` factory (under
`--import-mode=importlib` a test module cannot import this file)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sihub_reports.events.handlers import subscriptions
from sihub_reports.main import create_app
from sihub_reports.settings import ReportsSettings
from sihub_shared.db import Database
from sihub_shared.events.bus import EventBus
from sihub_shared.events.consumer import ConsumerRunner
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.migrations import upgrade
from sihub_shared.settings import async_database_url
from sihub_shared.testing import TEST_IDENTITY_SECRET, identity_headers
from sihub_shared.testing.calls import HttpVerbs
from sihub_shared.testing.servers import app_client

MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_reports" / "migrations"
API = "/api/v1/reports"
T0 = datetime(2026, 12, 1, tzinfo=UTC).isoformat()


def _stamps(deleted: bool = False, version: int = 1) -> dict[str, Any]:
    return {"version": version, "created_at": T0, "updated_at": T0, "deleted_at": T0 if deleted else None}


def _consent(actor_ids: list[str], confirmed: bool) -> dict[str, Any]:
    state = "confirmed" if confirmed else "pending"
    return {"confirmations": [{"actor_id": a, "state": state, "decided_by": None, "decided_at": None}
                              for a in actor_ids], "confirmed": confirmed}


class Events:
    """CloudEvents as the registry, the indicators and matching publish them."""

    @staticmethod
    def registry(entity: str, state: dict[str, Any], verb: str = "created") -> CloudEvent:
        return CloudEvent(source="/sihub/registry", type=f"org.sihub.registry.{entity}.{verb}.v1",
                          subject=state["id"], data={entity: state})

    @classmethod
    def actor(cls, actor_id: str, *, kind: str = "social_enterprise", sector: str = "social", country: str = "KR",
              region: str | None = "KR-42", issue_areas: tuple[str, ...] = (), offers: tuple[str, ...] = (),
              needs: tuple[str, ...] = (), name: str | None = None, founded_year: int | None = 2015,
              certifications: tuple[str, ...] = (), illustrative: bool = True, verb: str = "created",
              version: int = 1) -> CloudEvent:
        state = {"id": actor_id, "ref": None, "kind": kind, "sector": sector, "country": country, "region": region,
                 "locality": None, "founded_year": founded_year, "website": None, "illustrative": illustrative,
                 "names": [{"value": name or f"Actor {actor_id}", "lang": "en"}], "descriptions": [],
                 "issue_areas": list(issue_areas), "offers": [{"capability": c, "detail": None} for c in offers],
                 "needs": [{"capability": c, "detail": None} for c in needs],
                 "certifications": [{"scheme": s, "level": "certified", "valid_from": None, "valid_to": None,
                                     "number": None} for s in certifications],
                 "identifiers": [], "owner_account_id": "owner-1", "some_future_field": {"ignored": True},
                 **_stamps(verb == "deleted", version)}
        return cls.registry("actor", state, verb)

    @classmethod
    def partnership(cls, partnership_id: str, actor_ids: list[str], *, type_: str = "co_delivery",
                    status: str = "active", confirmed: bool = True, match_ref: str | None = None,
                    illustrative: bool = True) -> CloudEvent:
        state = {"id": partnership_id, "ref": None, "type": type_, "status": status, "match_ref": match_ref,
                 "starts_on": None, "ends_on": None, "illustrative": illustrative, "created_by": "someone",
                 "actor_ids": actor_ids, "description": [], **_consent(actor_ids, confirmed), **_stamps()}
        return cls.registry("partnership", state)

    @classmethod
    def programme(cls, programme_id: str, hub_id: str) -> CloudEvent:
        return cls.registry("programme", {"id": programme_id, "ref": None, "hub_id": hub_id,
                                          "names": [{"value": f"Programme {programme_id}", "lang": "en"}],
                                          "descriptions": [], "issue_areas": [], "starts_on": None, "ends_on": None,
                                          "illustrative": True, **_stamps()})

    @classmethod
    def cohort(cls, cohort_id: str, programme_id: str, hub_id: str) -> CloudEvent:
        return cls.registry("cohort", {"id": cohort_id, "ref": None, "programme_id": programme_id, "hub_id": hub_id,
                                       "name": "2026 spring", "starts_on": None, "ends_on": None,
                                       "illustrative": True, **_stamps()})

    @classmethod
    def membership(cls, membership_id: str, hub_id: str, programme_id: str, actor_id: str,
                   confirmed: bool = True) -> CloudEvent:
        return cls.registry("membership", {
            "id": membership_id, "ref": None, "hub_id": hub_id, "programme_id": programme_id, "cohort_id": None,
            "actor_id": actor_id, "role": "participant", "starts_on": None, "ends_on": None, "illustrative": True,
            "programme": {"id": programme_id, "names": []}, "cohort": None,
            **_consent([actor_id], confirmed), **_stamps()})

    @classmethod
    def case_study(cls, case_id: str, actor_ids: list[str], *, country: str = "KR", title: str = "A case",
                   confirmed: bool = True) -> CloudEvent:
        return cls.registry("case_study", {
            "id": case_id, "ref": None, "owner_account_id": "owner-1", "title": [{"value": title, "lang": "en"}],
            "summary": [], "issue_areas": ["ageing_care"], "actor_ids": actor_ids, "country": country,
            "region": None, "year": 2024, "source_url": None, "illustrative": True,
            **_consent(actor_ids, confirmed), **_stamps()})

    @staticmethod
    def severity(geography: str, theme: str, severity: float | None, band: str | None = "critical",
                 illustrative: bool = True) -> CloudEvent:
        data = {"geography": geography, "theme": theme, "frequency": "annual",
                "comparison_set": f"regions:{geography[:2]}", "period": "2024",
                "index": None if severity is None else 100 * (1 - severity), "severity": severity, "band": band,
                "trend_per_year": -0.5, "coverage": 1.0, "illustrative": illustrative, "previous_severity": None,
                "previous_band": None, "method_version": "1.0", "computed_at": T0}
        return CloudEvent(source="/sihub/indicators", type="org.sihub.indicators.severity.changed.v1", data=data)

    @staticmethod
    def indices(comparison_set: str, values: list[tuple[str, str, float, float]],
                geographies: list[str] | None = None, illustrative: bool = True,
                rank_illustrative: bool = False) -> CloudEvent:
        """`values`: (geography, theme, index, coverage)."""
        data = {"comparison_set": comparison_set, "frequency": "annual", "method_version": "1.0", "cause": "ingest",
                "periods": ["2024"], "geographies": geographies or sorted({v[0] for v in values}),
                "themes": sorted({v[1] for v in values}), "part": 1, "parts": 1,
                "values": [{"geography": g, "theme": t, "period": "2024", "index": i, "rank": r + 1, "rank_best": r + 1,
                            "rank_worst": r + 2, "ranked_among": len(values), "trend_per_year": 0.25, "coverage": c,
                            "illustrative": illustrative, "rank_illustrative": rank_illustrative}
                           for r, (g, t, i, c) in enumerate(values)],
                "computed_at": T0}
        return CloudEvent(source="/sihub/indicators", type="org.sihub.indicators.index.recomputed.v1", data=data)

    @staticmethod
    def round_published(round_id: str, hub_id: str, pairs: list[tuple[str, str, str, float]], *,
                        publication: int = 1, illustrative: bool = True) -> CloudEvent:
        data = {"round_id": round_id, "hub_id": hub_id, "objective": "optimal", "profile_version": "1.0",
                "publication": publication, "illustrative": illustrative, "published_at": T0,
                "proposals": [{"proposal_id": p, "seeker_id": s, "provider_id": v, "score": sc}
                              for p, s, v, sc in pairs]}
        return CloudEvent(source="/sihub/matching", type="org.sihub.matching.round.published.v1", data=data)

    @staticmethod
    def match_accepted(match_ref: str, round_id: str, hub_id: str, seeker: str, provider: str, *,
                       illustrative: bool = True) -> CloudEvent:
        data = {"match_ref": match_ref, "round_id": round_id, "hub_id": hub_id, "seeker_id": seeker,
                "provider_id": provider, "actor_ids": [seeker, provider], "partnership_type": "funding",
                "score": 0.8, "illustrative": illustrative, "accepted_at": T0}
        return CloudEvent(source="/sihub/matching", type="org.sihub.matching.match.accepted.v1", data=data)

    @classmethod
    def korea(cls) -> list[CloudEvent]:
        """A small Korean ecosystem with one severe, unserved white space and one matched partnership."""
        return [
            cls.actor("hub", kind="hub_intermediary", sector="public", region="KR-11", name="Seoul Campus 캠퍼스",
                      issue_areas=("employment",), offers=("mentoring",)),
            cls.actor("se1", region="KR-42", issue_areas=("ageing_care",), needs=("funding",), certifications=("kr-se",)),
            cls.actor("se2", region="KR-11", issue_areas=("employment",), needs=("funding",), founded_year=2010),
            cls.actor("fund", kind="foundation", sector="philanthropic", region="KR-11", issue_areas=("employment",),
                      offers=("funding",), founded_year=None),
            cls.actor("jp1", country="JP", region="JP-13", issue_areas=("ageing_care",), offers=("funding",),
                      name="東京ケア財団"),
            cls.programme("prog", "hub"), cls.cohort("co", "prog", "hub"), cls.membership("mem", "hub", "prog", "se2"),
            cls.partnership("p1", ["se2", "fund"], type_="funding", match_ref="m1"),
            cls.partnership("p2", ["se1", "hub"], confirmed=False),
            cls.case_study("cs1", ["se1", "hub"], title="Gangwon care cooperative"),
            cls.indices("regions:KR", [("KR-11", "employment", 62.0, 1.0), ("KR-42", "ageing_care", 31.0, 0.7)],
                        geographies=["KR-11", "KR-26", "KR-42"]),
            cls.indices("countries", [("KR", "ageing_care", 40.0, 1.0), ("JP", "ageing_care", 45.0, 1.0)]),
            cls.severity("KR-42", "ageing_care", 0.8),
            cls.severity("KR-11", "employment", 0.3, band="low"),
            cls.round_published("r1", "hub", [("m1", "se2", "fund", 0.8), ("m2", "se1", "jp1", 0.7)]),
            cls.match_accepted("m1", "r1", "hub", "se2", "fund"),
        ]


class ReportsApi(HttpVerbs):
    """Paths are relative to /api/v1/reports; calls are made as a partner unless `role` says otherwise."""

    events = Events

    def __init__(self, client: httpx.AsyncClient, database_url: str, nats_url: str) -> None:
        self.client = client
        self.database_url = database_url
        self.nats_url = nats_url

    async def request(self, method: str, path: str, *, role: str | None = "partner",
                      headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        signed = identity_headers(role, account_id=str(uuid.uuid4())) if role else {}  # type: ignore[arg-type]
        return await self.client.request(method, API + path, headers=signed | (headers or {}), **kwargs)

    def app(self, **settings: Any) -> FastAPI:
        """Another app on the same database, with settings of its own."""
        return create_app(settings_for(self.database_url, self.nats_url, **settings))

    async def feed(self, *events: CloudEvent) -> None:
        """Apply events as the consumers do (each exactly once, by its stream's subscription)."""
        by_source = {f"/sihub/{s.stream.removeprefix('SIHUB_').lower()}": s for s in subscriptions}
        database = Database(async_database_url(self.database_url))
        bus = EventBus(self.nats_url, name="reports-test-feed")  # never connected: apply() needs no broker
        try:
            for event in events:
                await ConsumerRunner(database, bus, by_source[event.source]).apply(event)
        finally:
            await database.dispose()

    @staticmethod
    def problem(response: httpx.Response, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        return response.json()

    async def build(self, kind: str, *countries: str) -> dict[str, Any]:
        response = await self.post("/builds", json={"kind": kind, "countries": list(countries)})
        assert response.status_code == 201, response.text
        return response.json()


def settings_for(database_url: str, nats_url: str, **overrides: Any) -> ReportsSettings:
    return ReportsSettings(database_url=database_url, nats_url=nats_url, identity_secret=TEST_IDENTITY_SECRET,
                           run_workers=False, log_json=False, **overrides)


@pytest.fixture
async def reports(database_url: str, nats_server) -> AsyncIterator[ReportsApi]:
    await upgrade(MIGRATIONS, database_url)
    app = create_app(settings_for(database_url, nats_server.url))
    async with app_client(app) as client:
        yield ReportsApi(client, database_url, nats_server.url)
