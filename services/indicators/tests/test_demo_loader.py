"""`load-demo` against a real gateway in front of a real indicators service (both over TCP): the
catalogue and observations arrive through the public API, a second load creates nothing, and the
demo's illustrative flags reach the indices and severities computed from it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sihub_gateway.accounts.schemas import AccountCreate, ApiKeyCreate
from sihub_gateway.accounts.service import AccountService
from sihub_gateway.main import create_app as create_gateway
from sihub_gateway.settings import GatewaySettings
from sihub_indicators.cli import app as cli
from sihub_indicators.demo.loader import load_demo
from sihub_indicators.demo.observations import PUBLISHED, demo_observations
from sihub_indicators.demo.themes import DEMO_INDICATORS
from sihub_indicators.main import create_app
from sihub_indicators.settings import IndicatorsSettings
from sihub_shared.db import Database
from sihub_shared.migrations import upgrade
from sihub_shared.settings import async_database_url
from sihub_shared.testing import TEST_IDENTITY_SECRET
from sihub_shared.testing.servers import serving

SERVICES = Path(__file__).parents[2]
GATEWAY_MIGRATIONS = SERVICES / "gateway" / "src" / "sihub_gateway" / "migrations"
INDICATORS_MIGRATIONS = SERVICES / "indicators" / "src" / "sihub_indicators" / "migrations"


async def admin_key(database_url: str) -> str:
    database = Database(async_database_url(database_url))
    try:
        async with database.session() as session:
            service = AccountService(session)
            account = await service.create_account(AccountCreate(name="admins", roles=["admin"]))
            await session.flush()
            return (await service.issue_key(account.id, ApiKeyCreate(label="demo"))).key
    finally:
        await database.dispose()


@pytest.fixture
async def stack(tmp_path, database_url, nats_server):
    """(gateway URL, admin key) with the indicators service behind the gateway."""
    await upgrade(INDICATORS_MIGRATIONS, database_url)
    indicators = create_app(IndicatorsSettings(
        database_url=database_url, nats_url=nats_server.url, identity_secret=TEST_IDENTITY_SECRET, run_workers=False,
    ))
    gateway_url = f"sqlite:///{tmp_path / 'gateway.db'}"
    await upgrade(GATEWAY_MIGRATIONS, gateway_url)
    async with serving(indicators) as indicators_url:
        gateway = create_gateway(GatewaySettings(
            database_url=gateway_url, nats_url=nats_server.url, identity_secret=TEST_IDENTITY_SECRET,
            upstreams={"indicators": indicators_url}, run_workers=False,
        ))
        async with serving(gateway) as url:
            yield url, await admin_key(gateway_url)


async def test_load_demo_through_the_gateway_twice(stack, tmp_path):
    url, key = stack
    rows = demo_observations()
    first = await load_demo(url, key)
    assert (first.indicators_created, first.files, first.inserted) == (len(DEMO_INDICATORS), 6, len(rows))
    assert 30 <= len(DEMO_INDICATORS) <= 50

    key_file = tmp_path / "admin.key"
    key_file.write_text(key + "\n")
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, ["load-demo", "--gateway", url, "--key-file", str(key_file)]
    )
    assert result.exit_code == 0, result.output
    assert "indicators demo data: 0 records created" in result.output
    assert f"indicators: 0 created, {len(DEMO_INDICATORS)} already there" in result.output

    async with httpx.AsyncClient(base_url=url + "/api/v1/indicators",
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        ingests = (await client.get("/ingests")).json()["items"]
        assert len(ingests) == 6  # the second load logged no ingest

        catalogue = (await client.get("/indicators", params={"limit": 500})).json()["items"]
        assert {i["theme"] for i in catalogue} == {
            "income_disparity", "environment_climate", "education", "employment", "ageing_care", "health",
            "housing", "gender", "local_economy_regeneration", "food", "digital_inclusion", "migration"}
        assert all({"en", "ko"} <= i["names"].keys() for i in catalogue)

        published = (await client.get("/observations", params={"indicator": "total_fertility_rate",
                                                               "geography": "KR"})).json()["items"]
        assert [(o["period"], o["value"], o["illustrative"]) for o in published] == [
            (str(year), value, False) for _, geography, year, value, _ in PUBLISHED if geography == "KR"]
        assert all("Statistics Korea" in o["source"] and o["period"] in o["source"] for o in published)
        made_up = (await client.get("/observations", params={"geography": "KR-26", "limit": 5})).json()["items"]
        assert made_up and all(o["illustrative"] and o["source"] is None for o in made_up)

        korea = (await client.get("/severities", params={"country": "KR", "limit": 1000})).json()["items"]
        regions = {s["geography"] for s in korea if s["comparison_set"] == "regions:KR"}
        assert len(regions) == 17
        # Every theme score rests on made-up figures somewhere: all are flagged illustrative.
        assert korea and all(s["illustrative"] for s in korea)
        severities = (await client.get("/severities", params={"limit": 1000})).json()["items"]
        assert {s["comparison_set"] for s in severities} == {
            "countries", "regions:CN", "regions:JP", "regions:KR", "regions:SG", "regions:TH"}

        coverage = {s["comparison_set"]: s for s in (await client.get("/coverage")).json()}
        assert coverage["regions:KR"]["geographies"] == 17 and coverage["regions:KR"]["gaps"]
        assert coverage["countries"]["geographies"] == 5
