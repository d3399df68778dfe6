"""SDMX-ML messages as agencies publish them, with their structure messages (DSDs) sent beside
them: the multipart part `structure` and `--structure FILE`. The files are real messages from
sdmx1's public test data (tests/data/sdmx/README.md); the values expected are read from each
file with lxml alone, not through the service's reader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pycountry
import pytest
from lxml import etree

SDMX = Path(__file__).parent / "data" / "sdmx"
ISTAT = (SDMX / "ISTAT" / "22_289.xml", SDMX / "ISTAT" / "22_289-structure.xml")
ISTAT_MAPPING = {  # resident population on 1 January, by sex (SEX=1 male, 2 female)
    "indicator": {"dimension": "SEX", "codes": {"1": "resident_population_male", "2": "resident_population_female"}},
    "filters": {"DATA_TYPE": "JAN", "AGE": "TOTAL"},
    "estimated": ["e"],
    "source": "ISTAT, Resident population on 1st January (22_289)",
}
EXR_MAPPING = {  # ECB reference exchange rates, one indicator; the currency's country as geography
    "indicator": {"dimension": "EXR_TYPE", "codes": {"SP00": "euro_exchange_rate"}},
    "geography": {"dimension": "CURRENCY", "codes": {"CHF": "CH", "GBP": "GB", "JPY": "JP", "USD": "US", "CAD": "CA"}},
}
WEO_MAPPING = {"indicator": {"dimension": "INDICATOR", "codes": {"NGDP_R": "real_gdp"}},
               "geography": {"dimension": "COUNTRY"}}


def published(path: Path) -> list[dict[str, str]]:
    """Every observation of an SDMX-ML 2.1 or 3.0 data message, generic or structure-specific:
    its series' and its own components, with OBS_VALUE."""
    found = []
    for series in etree.parse(str(path)).getroot().iter("{*}Series"):
        generic = series.find("{*}SeriesKey") is not None
        if generic:
            base = {v.get("id"): v.get("value") for v in series.iterfind("{*}SeriesKey/{*}Value")}
        else:
            base = dict(series.attrib)
        for obs in series.iterfind("{*}Obs"):
            components = dict(base)
            if generic:
                components["TIME_PERIOD"] = obs.find("{*}ObsDimension").get("value")
                components["OBS_VALUE"] = obs.find("{*}ObsValue").get("value")
                components.update({v.get("id"): v.get("value") for v in obs.iterfind("{*}Attributes/{*}Value")})
            else:
                components.update(obs.attrib)
            found.append(components)
    assert found, path
    return found


def expected(path: Path, mapping: dict[str, Any]) -> dict[tuple[str, str, str], float]:
    """(indicator, geography, period) → value, by the mapping applied to the published components."""
    values = {}
    for obs in published(path):
        if any(obs.get(name) != code for name, code in mapping.get("filters", {}).items()):
            continue
        indicator = mapping["indicator"]["codes"][obs[mapping["indicator"]["dimension"]]]
        area = obs[mapping.get("geography", {}).get("dimension", "REF_AREA")]
        area = mapping.get("geography", {}).get("codes", {}).get(area, area)
        if len(area) == 3:
            area = pycountry.countries.get(alpha_3=area).alpha_2
        values[indicator, area, obs["TIME_PERIOD"]] = float(obs["OBS_VALUE"])
    return values


@pytest.fixture
async def api(indicators):
    body = indicators.indicator_body
    await indicators.add_indicators(
        body("resident_population_male", theme="ageing_care", unit="count", direction="higher_is_better"),
        body("resident_population_female", theme="ageing_care", unit="count", direction="higher_is_better"),
        body("euro_exchange_rate", theme="income_disparity", unit="ratio", direction="higher_is_better"),
        body("real_gdp", theme="income_disparity", unit="currency", direction="higher_is_better"),
    )
    return indicators


async def _ingest(api, data: Path, structure: Path | None, mapping: dict[str, Any]):
    files: dict[str, Any] = {"file": (data.name, data.read_bytes(), "application/xml"),
                             "mapping": (None, json.dumps(mapping))}
    if structure is not None:
        files["structure"] = (structure.name, structure.read_bytes(), "application/xml")
    return await api.post("/observations/ingest", params={"format": "sdmx-ml"}, files=files)


async def _held(api, *indicators: str) -> dict[tuple[str, str, str], float]:
    held = {}
    for indicator in indicators:
        for o in (await api.get("/observations", params={"indicator": indicator})).json()["items"]:
            held[o["indicator"], o["geography"], o["period"]] = o["value"]
    return held


async def test_a_structure_specific_message_from_an_nsi_web_service_ingests_with_its_structure(api):
    data, structure = ISTAT
    without = api.problem(await _ingest(api, data, None, ISTAT_MAPPING), 400)
    assert without["errors"][0]["field"] == "structure"
    assert "data structure (DSD)" in without["detail"] and "Error" not in without["detail"]
    assert await api.scalar("SELECT COUNT(*) FROM observation") == 0

    response = await _ingest(api, data, structure, ISTAT_MAPPING)
    assert response.status_code == 201, response.text
    want = expected(data, ISTAT_MAPPING)
    assert (response.json()["rows"], response.json()["inserted"]) == (len(want), len(want))
    assert await _held(api, "resident_population_male", "resident_population_female") == want
    # The agency's status flag (OBS_STATUS="e") marks its estimates.
    estimated = {(o["indicator"], o["period"]) for o in (await api.get("/observations", params={
        "geography": "IT"})).json()["items"] if o["estimated"]}
    assert estimated == {(ISTAT_MAPPING["indicator"]["codes"][o["SEX"]], o["TIME_PERIOD"])
                         for o in published(data) if o.get("OBS_STATUS") == "e"}


async def test_sdmx_2_1_generic_and_structure_specific_and_3_0_ingest_the_published_values(api):
    exr_structure = SDMX / "ECB_EXR" / "ng-structure.xml"
    specific = await _ingest(api, SDMX / "ECB_EXR" / "ng-ts-ss.xml", exr_structure, EXR_MAPPING)
    assert specific.status_code == 201, specific.text
    monthly = expected(SDMX / "ECB_EXR" / "ng-ts-ss.xml", EXR_MAPPING)
    assert await _held(api, "euro_exchange_rate") == monthly
    # The same figures as a generic message: with its structure or without (generic data names
    # its own components), nothing changes.
    for structure in (exr_structure, None):
        generic = await _ingest(api, SDMX / "ECB_EXR" / "ng-ts.xml", structure, EXR_MAPPING)
        assert generic.status_code == 200, generic.text
        assert generic.json()["unchanged"] == len(monthly)
    assert expected(SDMX / "ECB_EXR" / "ng-ts.xml", EXR_MAPPING) == monthly

    v3_data, v3_structure = SDMX / "v3" / "xml" / "ECB_EXR_CA.xml", SDMX / "v3" / "xml" / "ECB_EXR_CA_DSD.xml"
    api.problem(await _ingest(api, v3_data, None, EXR_MAPPING), 400)
    v3 = await _ingest(api, v3_data, v3_structure, EXR_MAPPING)
    assert v3.status_code == 201, v3.text
    assert await _held(api, "euro_exchange_rate") == monthly | expected(v3_data, EXR_MAPPING)

    weo_data, weo_structure = SDMX / "IMF_RES" / "WEO-data.xml", SDMX / "IMF_RES" / "WEO-structure.xml"
    weo = await _ingest(api, weo_data, weo_structure, WEO_MAPPING)
    assert weo.status_code == 201, weo.text
    assert await _held(api, "real_gdp") == expected(weo_data, WEO_MAPPING)


async def test_a_wrong_or_missing_structure_is_refused_naming_the_part_and_no_exception_text(api):
    data, structure = ISTAT
    mismatched = api.problem(await _ingest(api, data, SDMX / "ECB_EXR" / "ng-structure.xml", ISTAT_MAPPING), 400)
    assert "data structure ECB_EXR_NG" in mismatched["detail"]
    not_a_structure = api.problem(await _ingest(api, data, data, ISTAT_MAPPING), 400)
    assert not_a_structure["errors"][0] == {"field": "structure", "message":
                                            "<StructureSpecificData> is not an SDMX structure message"}
    name = b'<common:Name xml:lang="en">'
    entity = (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
              + structure.read_bytes().split(b"?>", 1)[1].replace(name, name + b"&x;", 1))
    assert b"&x;" in entity
    response = await api.post("/observations/ingest", params={"format": "sdmx-ml"}, files={
        "file": ("d.xml", data.read_bytes()), "structure": ("s.xml", entity),
        "mapping": (None, json.dumps(ISTAT_MAPPING))})
    # The entity is never resolved: the message is refused, and no file's content is shown.
    assert api.problem(response, 400)["errors"][0]["field"] == "structure"
    assert "root:" not in response.text
    for problem in (mismatched, not_a_structure):
        assert "Error(" not in problem["detail"]

    mapping_as_a_file = await api.post("/observations/ingest", params={"format": "sdmx-ml"}, files={
        "file": ("d.xml", data.read_bytes()), "structure": ("s.xml", structure.read_bytes()),
        "mapping": ("m.json", json.dumps(ISTAT_MAPPING).encode(), "application/json")})
    assert api.problem(mapping_as_a_file, 422)["errors"][0]["field"] == "mapping"

    csv_with_structure = await api.post("/observations/ingest", files={
        "file": ("o.csv", b"indicator,geography,period,value\n"), "structure": ("s.xml", structure.read_bytes())})
    assert api.problem(csv_with_structure, 400)["errors"][0]["field"] == "structure"
    urlencoded = await api.post("/observations/ingest", content=b"indicator,geography,period,value\n",
                                headers={"content-type": "application/x-www-form-urlencoded"})
    assert api.problem(urlencoded, 415)["errors"][0] | {"message": ""} == {
        "field": "Content-Type", "in": "header", "message": ""}


@pytest.mark.parametrize("indicators_settings", [{"max_structure_bytes": 4096}])
async def test_a_structure_over_its_limit_is_413(api):
    data, structure = ISTAT
    assert structure.stat().st_size > 4096
    too_large = api.problem(await _ingest(api, data, structure, ISTAT_MAPPING), 413)
    assert too_large["errors"][0]["field"] == "structure"
    assert await api.scalar("SELECT COUNT(*) FROM observation") == 0


def test_of_several_data_structures_the_one_the_data_names_is_used():
    from sdmx.model.v21 import DataStructureDefinition

    from sihub_indicators.observations.errors import MalformedFile
    from sihub_indicators.observations.readers import _structure_for

    header = etree.parse(str(ISTAT[0])).getroot().find("{*}Header")  # names 22_289 and DCIS_POPRES1
    istat, other = DataStructureDefinition(id="DCIS_POPRES1"), DataStructureDefinition(id="OTHER")
    assert _structure_for(header, {"OTHER": other, "DCIS_POPRES1": istat}) is istat
    assert _structure_for(header, {"OTHER": other, "22_289": istat, "ISTAT_DSD": istat}) is istat  # by dataflow
    assert _structure_for(header, {"OTHER": other}) is other  # the only one
    with pytest.raises(MalformedFile) as refused:
        _structure_for(header, {"OTHER": other, "ANOTHER": DataStructureDefinition(id="ANOTHER")})
    assert refused.value.errors == [{"field": "structure", "message": (
        "the structure message holds 2 data structures (ANOTHER, OTHER) and the data names none of them "
        "(it names DCIS_POPRES1, 22_289)")}]
