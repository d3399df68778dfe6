"""The strict base every body uses, the text types, and how their errors reach a caller: 422
naming the field, `body` with line and column for JSON that does not parse, no exception text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Form, Query
from pydantic import TypeAdapter, ValidationError

from sihub_shared.errors import install_problem_handlers
from sihub_shared.openapi import install_openapi
from sihub_shared.strict import CountryCode, Distinct, GeographyCode, Line, RegionCode, StrictBody, Text
from sihub_shared.timestamps import UtcDatetime


class Inner(StrictBody):
    label: Line


class Body(StrictBody):
    name: Line
    notes: Text | None = None
    ratio: float | None = None
    inner: Inner | None = None


@pytest.fixture
async def client():
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def create(body: Body) -> Body:
        return body

    @app.post("/forms")
    async def fill(name: Annotated[str, Form(max_length=10)]) -> str:
        return name

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http


async def _refused(client: httpx.AsyncClient, content: str) -> list[dict]:
    response = await client.post("/things", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()["errors"]


async def test_unknown_fields_are_refused_naming_them_at_any_depth(client):
    errors = await _refused(client, '{"name": "a", "colour": "red", "inner": {"label": "b", "size": 2}}')
    assert sorted(e["field"] for e in errors) == ["colour", "inner.size"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinities_are_refused_naming_the_field(client, number):
    errors = await _refused(client, f'{{"name": "a", "ratio": {number}}}')
    assert [e["field"] for e in errors] == ["ratio"]


@pytest.mark.parametrize("text", ["a\\u0000b", "a\\u001bb", "a\\u007f", "line\\nbreak", "tab\\there"])
async def test_a_line_refuses_every_control_character(client, text):
    errors = await _refused(client, f'{{"name": "{text}"}}')
    assert errors == [{"field": "name", "in": "body",
                       "message": "control characters (U+0000-U+001F, U+007F) are not allowed"}]


async def test_text_keeps_tab_and_line_breaks_but_not_other_controls(client):
    response = await client.post("/things", json={"name": "a", "notes": "one\ttwo\r\nthree\n"})
    assert response.status_code == 200
    assert response.json()["notes"] == "one\ttwo\r\nthree\n"
    errors = await _refused(client, '{"name": "a", "notes": "nul \\u0000 here"}')
    assert [e["field"] for e in errors] == ["notes"]


async def test_a_lone_surrogate_is_refused_naming_the_field(client):
    # Valid JSON, but no UTF-8 encoding exists for it: a database would fail on it.
    errors = await _refused(client, '{"name": "a\\ud800"}')
    assert [e["field"] for e in errors] == ["name"]


async def test_unparseable_json_names_the_body_with_line_and_column(client):
    errors = await _refused(client, '{\n  "name": "a",\n  "ratio": ,\n}')
    assert errors == [{"field": "body", "in": "body", "line": 3, "column": 12,
                       "message": "not valid JSON: line 3, column 12"}]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/csv; charset=utf-8"])
async def test_a_json_body_sent_as_another_type_is_415_naming_the_content_type(client, content_type):
    response = await client.post("/things", content='{"name": "a"}', headers={"content-type": content_type})
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "Content-Type", "in": "header", "message": "send application/json"}]
    # The type of a JSON document, or one of its kind (+json), is read as JSON.
    for json_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        assert (await client.post("/things", content='{"name": "a"}', headers={"content-type": json_type})).status_code == 200
    # A form's own fields are still checked as fields (422), not refused by type.
    refused = await client.post("/forms", data={"name": "x" * 11})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "name"


async def test_no_exception_text_reaches_the_caller(client):
    response = await client.post("/things", content='{"name": tru}', headers={"content-type": "application/json"})
    problem = response.json()
    # json's own words ("Expecting value") and its exception's name stay on the server.
    assert "Expecting" not in response.text and "JSONDecodeError" not in response.text
    assert problem["detail"] == "body: not valid JSON: line 1, column 10"


def test_the_openapi_schema_says_the_rules():
    schema = Body.model_json_schema()
    assert schema["additionalProperties"] is False
    assert "pattern" in schema["properties"]["name"]
    assert schema["$defs"]["Inner"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0001-01-01T00:00:00+14:00", datetime.min.replace(tzinfo=UTC)),
        ("9999-12-31T23:59:59-14:00", datetime.max.replace(tzinfo=UTC)),
        ("2026-12-02T09:00:00+09:00", datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),
        ("2026-12-02T00:00:00", datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),
    ],
)
def test_every_rfc3339_time_becomes_a_utc_datetime(given, expected):
    assert TypeAdapter(UtcDatetime).validate_python(given) == expected


def test_a_time_just_inside_the_range_keeps_its_instant():
    given = datetime(1, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=14)))
    assert TypeAdapter(UtcDatetime).validate_python(given) == datetime.min.replace(tzinfo=UTC)
    with pytest.raises(ValidationError):
        TypeAdapter(UtcDatetime).validate_python("not a time")


@pytest.mark.parametrize("blank", ["", "   ", "\u3000", "\u00a0 \u2003", "\x85"])
def test_filled_text_is_not_blank_in_the_code_and_in_the_schema(blank):
    import re

    from sihub_shared.strict import FilledLine, FilledText

    for kind in (FilledLine, FilledText):
        adapter = TypeAdapter(kind)
        with pytest.raises(ValidationError):
            adapter.validate_python(blank)
        # What the code refuses, the published pattern refuses too (a schema-valid request passes).
        assert not re.fullmatch(adapter.json_schema()["pattern"], blank)
        assert adapter.validate_python(f" {blank}Busan{blank} ") == "Busan"
        assert re.fullmatch(adapter.json_schema()["pattern"], f" {blank}Busan{blank} ")


async def test_a_json_body_that_is_not_utf8_names_the_body(client):
    response = await client.post("/things", content='{"name": "Café"}'.encode("latin-1"),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "body", "in": "body", "message": "not UTF-8 at byte offset 13"}]


async def test_a_json_body_nested_too_deeply_to_read_names_the_body(client):
    response = await client.post("/things", content=b"[" * 5000 + b"]" * 5000,
                                 headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "body", "in": "body", "message": "JSON nested too deeply to read"}]


@pytest.mark.parametrize(("kind", "code"), [(CountryCode, "KR"), (CountryCode, "AQ"), (RegionCode, "KR-26"),
                                            (RegionCode, "GB-ENG"), (GeographyCode, "TH"), (GeographyCode, "JP-13")])
def test_an_assigned_iso_code_is_taken_even_an_unusual_one(kind, code):
    assert TypeAdapter(kind).validate_python(code) == code


@pytest.mark.parametrize(("kind", "code"), [(CountryCode, "AA"), (CountryCode, "XK"), (RegionCode, "KR-9X"),
                                            (RegionCode, "AA-1"), (GeographyCode, "KOR"), (GeographyCode, "KR-9X")])
def test_a_code_that_only_looks_like_an_iso_code_is_refused(kind, code):
    with pytest.raises(ValidationError, match="not an assigned"):
        TypeAdapter(kind).validate_python(code)


class Place(StrictBody):
    country: CountryCode
    regions: Distinct[RegionCode] = []


def test_the_openapi_lists_the_iso_codes_once_and_refers_to_them():
    app = FastAPI()
    install_openapi(app)

    @app.post("/places")
    async def create(body: Place, near: CountryCode | None = None,
                     within: Annotated[list[GeographyCode], Query()] = []) -> Place:  # noqa: B006
        return body

    document = app.openapi()
    schemas = document["components"]["schemas"]
    assert "KR" in schemas["CountryCode"]["enum"] and "AA" not in schemas["CountryCode"]["enum"]
    assert "KR-26" in schemas["RegionCode"]["enum"] and "KR-9X" not in schemas["RegionCode"]["enum"]
    assert schemas["GeographyCode"]["anyOf"] == [{"$ref": "#/components/schemas/CountryCode"},
                                                 {"$ref": "#/components/schemas/RegionCode"}]
    place = schemas["Place"]["properties"]
    assert place["country"] == {"$ref": "#/components/schemas/CountryCode"}
    # A list that refuses repeats says so.
    assert place["regions"]["items"] == {"$ref": "#/components/schemas/RegionCode"} and place["regions"]["uniqueItems"]
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/places"]["post"]["parameters"]}
    assert parameters["near"]["$ref"] == "#/components/schemas/CountryCode"  # left out when absent, never null
    assert parameters["within"]["items"] == {"$ref": "#/components/schemas/GeographyCode"}
    # Stated once: the 5,000 region codes appear in one place only.
    assert str(document).count("'KR-26'") == 1
