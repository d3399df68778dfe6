"""Every timestamp every service answers or publishes is an RFC 3339 date-time with its offset, on
SQLite (which gives timestamps back without a zone) as on PostgreSQL (issue 11: the gateway's
`"created_at": "2026-12-02T03:17:53.000338"`). The gateway's accounts and keys are checked in its
own tests; here the registry's and the indicators' answers and events."""

from __future__ import annotations

from pathlib import Path

from sihub_indicators.main import create_app as create_indicators
from sihub_indicators.settings import IndicatorsSettings
from sihub_registry.main import create_app as create_registry
from sihub_registry.settings import RegistrySettings
from sihub_shared.identity import Role
from sihub_shared.migrations import upgrade
from sihub_shared.testing import TEST_IDENTITY_SECRET, identity_headers
from sihub_shared.testing.calls import outbox_events
from sihub_shared.testing.servers import app_client
from sihub_shared.testing.timestamps import timestamps_found, timestamps_without_offset

SERVICES = Path(__file__).parents[1] / "services"


async def answers_and_events(app, calls) -> tuple[list, list]:  # noqa: ANN001
    """The JSON answers to `calls` (method, path or a function of the answers so far, options),
    made as an admin, and the events the service recorded meanwhile."""
    admin = identity_headers(Role.admin)
    answers: list = []
    async with app_client(app) as client:
        for method, path, options in calls:
            path = path if isinstance(path, str) else path(answers)
            response = await client.request(method, path, headers=admin | options.pop("headers", {}), **options)
            assert response.status_code < 300, f"{method} {path}: {response.text}"
            answers.append(response.json())
        async with app.state.database.session() as session:
            events = await outbox_events(session)
    return answers, events


async def test_registry_timestamps_carry_their_offset(database_url, nats_server):
    await upgrade(SERVICES / "registry" / "src" / "sihub_registry" / "migrations", database_url)
    app = create_registry(RegistrySettings(database_url=database_url, nats_url=nats_server.url,
                                           identity_secret=TEST_IDENTITY_SECRET, run_workers=False))
    actor = {"names": [{"value": "Gangwon Care Cooperative", "lang": "en"}], "kind": "social_enterprise",
             "country": "KR", "region": "KR-42"}
    answers, events = await answers_and_events(app, [
        ("POST", "/api/v1/registry/actors", {"json": actor}),
        ("GET", "/api/v1/registry/actors", {}),
        ("GET", "/api/v1/registry/actors", {"params": {"modified_after": "2000-01-01T00:00:00+09:00"}}),
        ("GET", "/api/v1/registry/actors/export", {"params": {"format": "json"}}),
        ("GET", lambda answers: f"/api/v1/registry/actors/{answers[0]['id']}", {}),
    ])
    assert timestamps_found(answers) >= 8 and timestamps_found(events) >= 2, (answers, events)
    assert timestamps_without_offset(answers) == [] and timestamps_without_offset(events) == []


async def test_indicators_timestamps_carry_their_offset(database_url, nats_server):
    await upgrade(SERVICES / "indicators" / "src" / "sihub_indicators" / "migrations", database_url)
    app = create_indicators(IndicatorsSettings(database_url=database_url, nats_url=nats_server.url,
                                               identity_secret=TEST_IDENTITY_SECRET, run_workers=False))
    indicator = {"code": "elderly_living_alone_share", "names": {"en": "Elderly living alone"},
                 "theme": "ageing_care", "unit": "percent", "direction": "lower_is_better", "sdg_targets": ["1.2"],
                 "source": {"publisher": "Statistics Korea", "link": "https://kosis.kr", "licence": "KOGL Type 1"}}
    rows = "indicator,geography,period,value,illustrative\n" + "".join(
        f"elderly_living_alone_share,{region},2024,{value},true\n"
        for region, value in (("KR-11", 20.5), ("KR-26", 23.5), ("KR-42", 27.0)))
    answers, events = await answers_and_events(app, [
        ("POST", "/api/v1/indicators/indicators", {"json": indicator}),
        ("POST", "/api/v1/indicators/observations/ingest", {"content": rows, "headers": {"content-type": "text/csv"}}),
        ("GET", "/api/v1/indicators/indicators", {}),
        ("GET", "/api/v1/indicators/observations", {"params": {"indicator": "elderly_living_alone_share"}}),
        ("GET", "/api/v1/indicators/ingests", {}),
        ("GET", "/api/v1/indicators/indices", {}),
        ("GET", "/api/v1/indicators/severities", {}),
    ])
    assert timestamps_found(answers) >= 8 and timestamps_found(events) >= 3, (answers, events)
    assert timestamps_without_offset(answers) == [] and timestamps_without_offset(events) == []
