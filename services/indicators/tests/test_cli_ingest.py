"""`sihub-indicators migrate` and `ingest FILE`: the same ingest as the API, in-process."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import text
from typer.testing import CliRunner

from sihub_indicators.catalogue.schemas import IndicatorCreate
from sihub_indicators.catalogue.service import CatalogueService
from sihub_indicators.cli import app
from sihub_shared.db import Database
from sihub_shared.settings import async_database_url
from sihub_shared.testing import TEST_IDENTITY_SECRET

DATA = Path(__file__).parent / "data"


async def _in_database(url: str, sql: str | None = None, indicator: dict[str, Any] | None = None) -> int | None:
    """Add an indicator (the poverty rate unless `indicator` says otherwise), or read one number."""
    database = Database(async_database_url(url))
    try:
        async with database.session() as session:
            if sql is not None:
                return (await session.exec(text(sql))).scalar_one()
            await CatalogueService(session).create(IndicatorCreate.model_validate({
                "code": "relative_poverty_rate", "names": {"en": "Relative poverty rate"}, "theme": "income_disparity",
                "unit": "percent", "direction": "lower_is_better", "source": {"publisher": "OECD"},
                **(indicator or {})}))
            return None
    finally:
        await database.dispose()


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SIHUB_DATABASE_URL", database_url)
    monkeypatch.setenv("SIHUB_IDENTITY_SECRET", TEST_IDENTITY_SECRET)
    runner = CliRunner()
    migrated = runner.invoke(app, ["migrate"])
    assert migrated.exit_code == 0, migrated.output
    asyncio.run(_in_database(database_url))
    return runner


def test_the_cli_ingests_a_file_lists_bad_rows_and_writes_nothing_then(cli, database_url, tmp_path):
    def count() -> int:
        return asyncio.run(_in_database(database_url, "SELECT COUNT(*) FROM observation"))

    good = tmp_path / "good.csv"
    good.write_text("indicator,geography,period,value\nrelative_poverty_rate,KR,2021,15.1\n"
                    "relative_poverty_rate,KR-26,2021,16.0\nrelative_poverty_rate,JP,2021-Q4,15.4\n")
    first = cli.invoke(app, ["ingest", str(good)])
    assert first.exit_code == 0, first.output
    assert "3 rows, 3 inserted, 0 revised, 0 unchanged, 0 skipped" in first.output
    again = cli.invoke(app, ["ingest", str(good), "--format", "csv"])
    assert again.exit_code == 0 and "nothing changed: all 3 rows are already held" in again.output

    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,geography,period,value\nrelative_poverty_rate,KR,2022,14.9\n"
                   "relative_poverty_rate,KR-26,2022,lots\nrelative_poverty_rate,XX,2022,1\n")
    refused = cli.invoke(app, ["ingest", str(bad)])
    assert refused.exit_code == 1
    assert "2 problem(s) in 3 rows; nothing was written" in refused.output
    assert "row 2, value: 'lots' is not a number" in refused.output
    assert "row 3, geography: 'XX' is not an assigned ISO 3166-1 country code" in refused.output
    assert count() == 3

    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"indicator": {"dimension": "MEASURE", "codes": {"POV_RATE": "relative_poverty_rate"}},
                                   "filters": {"SEX": "_T"}}))
    sdmx = cli.invoke(app, ["ingest", str(DATA / "poverty_generic.xml"), "--format", "sdmx-ml", "--mapping", str(mapping)])
    assert sdmx.exit_code == 0, sdmx.output
    assert "2 rows, 1 inserted, 0 revised, 1 unchanged, 1 skipped" in sdmx.output  # KR 2021 is held already
    assert count() == 4

    malformed = cli.invoke(app, ["ingest", str(DATA / "poverty_generic.xml"), "--format", "sdmx-csv"])
    assert malformed.exit_code == 1 and "SDMX-CSV starts with STRUCTURE" in malformed.output
    assert count() == 4


def test_the_cli_reads_a_structure_specific_message_with_its_structure(cli, database_url, tmp_path):
    asyncio.run(_in_database(database_url, indicator={
        "code": "resident_population_male", "names": {"en": "Resident population, male"}, "theme": "ageing_care",
        "unit": "count", "direction": "higher_is_better", "source": {"publisher": "ISTAT"}}))
    data, structure = DATA / "sdmx" / "ISTAT" / "22_289.xml", DATA / "sdmx" / "ISTAT" / "22_289-structure.xml"
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"indicator": {"dimension": "SEX", "codes": {"1": "resident_population_male"}},
                                   "filters": {"SEX": "1"}, "estimated": ["e"]}))
    command = ["ingest", str(data), "--format", "sdmx-ml", "--mapping", str(mapping)]
    without = cli.invoke(app, command)
    assert without.exit_code == 1 and "structure:" in without.output and "--structure FILE" in without.output

    ingested = cli.invoke(app, [*command, "--structure", str(structure)])
    assert ingested.exit_code == 0, ingested.output
    assert "4 rows, 4 inserted" in ingested.output
    published = sum(float(obs.get("OBS_VALUE")) for series in etree.parse(str(data)).getroot().iter("{*}Series")
                    if series.get("SEX") == "1" for obs in series.iterfind("{*}Obs"))
    assert asyncio.run(_in_database(database_url, "SELECT SUM(value) FROM observation")) == published
