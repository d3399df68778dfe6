"""Hostile and careless input to the indicators: a 422 naming the field, never a 500, never a
bound silently lost; and a change that changes nothing keeps the version and is no event."""

from __future__ import annotations

import json
import re

import pytest

from sihub_indicators.geography import GeographyError, validate_comparison_set
from sihub_indicators.main import create_app
from sihub_indicators.periods import PeriodError, frequency_of
from sihub_indicators.settings import IndicatorsSettings
from sihub_shared.testing import TEST_IDENTITY_SECRET

HEADER = "indicator,geography,period,value\n"


def fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(("number", "field"), [("NaN", "min_value"), ("Infinity", "min_value"),
                                               ("-Infinity", "max_value"), ("NaN", "max_value"),
                                               # schemathesis: `"min_value": false` was stored as 0.0
                                               ("false", "min_value"), ('"5"', "max_value")])
async def test_nan_and_infinities_are_refused_naming_the_field(indicators, number, field):
    body = json.dumps(indicators.indicator_body("poverty_rate")).removesuffix("}") + f', "{field}": {number}}}'
    assert fields(await indicators.post("/indicators", content=body, headers={"content-type": "application/json"})) == [field]
    await indicators.add_indicators(indicators.indicator_body("poverty_rate", min_value=1.0))
    changed = await indicators.patch("/indicators/poverty_rate", content=f'{{"{field}": {number}}}',
                                     headers={"If-Match": '"1"', "content-type": "application/json"})
    assert fields(changed) == [field]
    stored = (await indicators.get("/indicators/poverty_rate")).json()
    assert (stored["min_value"], stored["version"]) == (1.0, 1)  # the bound is kept, not turned into null


async def test_bounds_outside_the_unit_name_their_field(indicators):
    for extra, field in (({"min_value": -5}, "min_value"), ({"max_value": 120}, "max_value"),
                         ({"min_value": 50, "max_value": 40}, "max_value")):
        assert fields(await indicators.post("/indicators", json=indicators.indicator_body("a", **extra))) == [field]


async def test_unknown_fields_control_characters_and_nulls_are_refused_naming_them(indicators):
    body = indicators.indicator_body("poverty_rate")
    assert fields(await indicators.post("/indicators", json=body | {"colour": "red"})) == ["colour"]
    assert fields(await indicators.post("/indicators", json=body | {"notes": "a\x00b"})) == ["notes"]
    assert fields(await indicators.post("/indicators", json=body | {"names": {"en": "Poverty\x1b"}})) == ["names.en"]
    assert fields(await indicators.post("/indicators", json=body | {"names": {"ko": "빈곤"}})) == ["names"]
    await indicators.add_indicators(body)
    for change, field in (({"nmaes": {"en": "x"}}, "nmaes"), ({"unit": None}, "unit"),
                          ({"source": {"publisher": "KOSIS", "year": 2024}}, "source.year")):
        assert fields(await indicators.patch("/indicators/poverty_rate", json=change, headers={"If-Match": '"1"'})) == [field]
    assert fields(await indicators.post("/indices/recompute", json={"frequency": "annual", "all": True})) == ["all"]


@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
async def test_as_of_at_the_ends_of_time_is_an_answer_not_a_500(indicators, as_of):
    await indicators.add_indicators(indicators.indicator_body("relative_poverty_rate"))
    await indicators.ingest(HEADER + "relative_poverty_rate,KR-26,2022,16.2\n", expect=201)
    response = await indicators.get("/observations", params={"indicator": "relative_poverty_rate", "as_of": as_of})
    assert response.status_code == 200, response.text
    expected = [] if as_of.startswith("0001") else [16.2]
    assert [o["value"] for o in response.json()["items"]] == expected


async def test_control_characters_in_query_text_are_a_422_not_a_database_error(indicators):
    for path, params, field in (("/observations", {"indicator": "a\x00"}, "indicator"),
                                ("/observations", {"period_from": "\x00"}, "period_from"),
                                ("/coverage", {"indicator": "x\x00"}, "indicator"),
                                ("/indices", {"geography": "KR\x00"}, "geography")):
        assert fields(await indicators.get(path, params=params)) == [field], (path, params)


async def test_unparseable_json_names_the_body_with_line_and_column(indicators):
    response = await indicators.post("/indicators", content=b'{\n\n  "code": "x",,\n}',
                                     headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "in": "body", "line": 3, "column": 15,
                                          "message": "not valid JSON: line 3, column 15"}]


async def test_a_patch_that_changes_nothing_keeps_the_version_and_emits_nothing(indicators):
    body = indicators.indicator_body("poverty_rate", min_value=1.0, notes="per household")
    await indicators.add_indicators(body)
    for change in ({}, {"names": body["names"], "min_value": 1.0, "notes": "per household"},
                   {"source": body["source"] | {"link": "https://kosis.kr/"}, "sdg_targets": ["1.2"]}):
        response = await indicators.patch("/indicators/poverty_rate", json=change, headers={"If-Match": '"1"'})
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == '"1"' and response.json()["version"] == 1, change
    assert len(await indicators.outbox("sihub.indicators.indicator.updated")) == 0


async def test_the_schema_says_what_the_code_checks(indicators):
    document = (await indicators.client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    create = schemas["IndicatorCreate"]
    assert create["additionalProperties"] is False
    assert create["properties"]["names"]["required"] == ["en"]
    assert len(create["properties"]["names"]["patternProperties"]) == 1
    assert create["properties"]["names"]["additionalProperties"] is False
    assert "pattern" in create["properties"]["sdg_targets"]["items"]
    assert "anyOf" not in schemas["IndicatorUpdate"]["properties"]["unit"]
    [as_of] = [p for p in document["paths"]["/api/v1/indicators/observations"]["get"]["parameters"] if p["name"] == "as_of"]
    # Optional: left out, never null (a query string has no null).
    assert as_of["schema"]["type"] == "string" and as_of["schema"]["format"] == "date-time" and not as_of["required"]


async def test_control_characters_in_a_path_are_a_422_not_a_database_error(indicators):
    for path in ("/indicators/a%00b", "/observations/a%00/KR/2022/revisions", "/ingests/%00"):
        response = await indicators.get(path)
        assert response.status_code == 422, (path, response.text)


async def test_a_control_character_in_an_ingested_row_is_refused_naming_row_and_field(indicators):
    await indicators.add_indicators(indicators.indicator_body("relative_poverty_rate"))
    body = "indicator,geography,period,value,source\nrelative_poverty_rate,KR-26,2022,16.2,KOSIS\x00 2023\n"
    problem = indicators.problem(await indicators.ingest(body), 422)
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(1, "source")]
    assert await indicators.scalar("SELECT count(*) FROM observation") == 0


def test_comparison_sets_and_periods_in_the_schema_are_what_the_code_takes():
    document = create_app(IndicatorsSettings(database_url="sqlite:///unused.db",
                                             identity_secret=TEST_IDENTITY_SECRET)).openapi()
    schemas = document["components"]["schemas"]
    assert all(validate_comparison_set(value) for value in schemas["ComparisonSet"]["enum"])
    assert {"countries", "regions:KR", "regions:GB-ENG"} <= set(schemas["ComparisonSet"]["enum"])
    for refused in ("regions:AQ", "regions:AA", "regions:KR-26", "regions:"):  # AQ, KR-26: no subdivisions
        assert refused not in schemas["ComparisonSet"]["enum"]
        with pytest.raises(GeographyError):
            validate_comparison_set(refused)

    def parameter(path: str, name: str) -> dict:
        [found] = [p["schema"] for p in document["paths"][f"/api/v1/indicators{path}"]["get"]["parameters"]
                   if p["name"] == name]
        return found

    for path in ("/indices", "/robustness", "/coverage"):
        assert "#/components/schemas/ComparisonSet" in json.dumps(parameter(path, "comparison_set"))
    for name in ("period_from", "period_to"):
        pattern = parameter("/observations", name)["pattern"]
        for period in ("2023", "2023-Q2", "2023-05", "1900", "2100-12", "1899", "2101", "2023-Q5", "2023-13",
                       "2023-5", "２０２３", "2023-A1", " 2023"):
            assert bool(re.fullmatch(pattern, period)) == _is_period(period), period
    assert "#/components/schemas/GeographyCode" in json.dumps(parameter("/observations", "geography"))
    assert schemas["IndicatorCreate"]["properties"]["sdg_targets"]["uniqueItems"] is True


def _is_period(text: str) -> bool:
    try:
        frequency_of(text)
    except PeriodError:
        return False
    return True
