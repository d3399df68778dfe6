"""Every service's published contract is strict as a class, so that a new endpoint (or service)
cannot slip back: request bodies refuse unknown fields, every text a caller sends (body, query or
path) carries a pattern, enum or format that keeps control characters out, and every query
integer is bounded. The rules themselves are tested in shared/tests/test_strict_input.py. And the
README's tour calls only operations the contract has."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sihub_devstack.stack import DEFAULT_SERVICES
from sihub_gateway.event_types import EventTypes
from sihub_gateway.proxy.aggregate import merge_openapi
from sihub_shared.events.contracts import CATALOGUE
from sihub_shared.strict import COUNTRY_PATTERN, REGION_PATTERN
from sihub_shared.testing import TEST_IDENTITY_SECRET

SERVICES = ["gateway", *(spec.name for spec in DEFAULT_SERVICES)]
# Formats whose values cannot hold a control character once they parse.
SAFE_FORMATS = {"date", "date-time", "uri", "uuid", "binary"}


def openapi(service: str) -> dict[str, Any]:
    main = importlib.import_module(f"sihub_{service}.main")
    settings = importlib.import_module(f"sihub_{service}.settings")
    settings_class = next(v for k, v in vars(settings).items() if k.endswith("Settings") and k != "ServiceSettings")
    app = main.create_app(settings_class(database_url="sqlite:///unused.db", identity_secret=TEST_IDENTITY_SECRET))
    return app.openapi()


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def leaks(document: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]) -> Iterator[str]:
    """Where a schema lets unknown fields or unchecked text through."""
    if "$ref" in schema:
        name = schema["$ref"]
        if name in seen:
            return
        seen.add(name)
        yield from leaks(document, resolve(document, schema), where, seen)
        return
    for option in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from leaks(document, option, where, seen)
    kind = schema.get("type")
    if kind == "object":
        if "properties" in schema and schema.get("additionalProperties") is not False:
            yield f"{where}: unknown fields are not refused"
        for name, child in schema.get("properties", {}).items():
            yield from leaks(document, child, f"{where}.{name}", seen)
        for child in schema.get("patternProperties", {}).values():
            yield from leaks(document, child, f"{where}.*", seen)
        if isinstance(schema.get("additionalProperties"), dict):
            yield from leaks(document, schema["additionalProperties"], f"{where}.*", seen)
    elif kind == "array":
        yield from leaks(document, schema.get("items", {}), f"{where}[]", seen)
    elif kind == "string" and not ({"enum", "const", "pattern"} & schema.keys() or schema.get("format") in SAFE_FORMATS):
        yield f"{where}: text without a pattern"
    elif kind == "integer" and where.startswith("query") and not {"minimum", "maximum"} <= schema.keys():
        yield f"{where}: an unbounded integer"


@pytest.mark.parametrize("service", SERVICES)
def test_every_input_of_every_operation_is_strict(service):
    document = openapi(service)
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            inputs = [(f"{p['in']} {p['name']}", p["schema"]) for p in operation.get("parameters", [])
                      if p["in"] in ("query", "path")]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                inputs.append(("body", body["schema"]))
            found += [f"{method.upper()} {path} {leak}" for where, schema in inputs
                      for leak in leaks(document, schema, where, set())]
    assert found == []


@pytest.mark.parametrize("service", SERVICES)
def test_no_iso_code_is_only_a_shape(service):
    """A country or region a caller names is one of the assigned codes in the schema, as in the
    code: two letters that are no country ('AA') are not valid input."""
    text = json.dumps(openapi(service))
    assert COUNTRY_PATTERN not in text and REGION_PATTERN not in text


def test_the_merged_openapi_states_the_iso_codes_once():
    documents = {service: openapi(service) for service in SERVICES}
    merged = merge_openapi(documents.pop("gateway"), documents, EventTypes(frozenset(CATALOGUE), frozenset()))
    schemas = merged["components"]["schemas"]
    # The services' copies are the same: merged as one, not renamed per service.
    assert [name for name in schemas if name.endswith(("CountryCode", "RegionCode"))] == ["CountryCode", "RegionCode"]
    text = json.dumps(merged)
    assert text.count('"KR-26"') == 1
    assert text.count('"#/components/schemas/RegionCode"') > 5


def readme_calls() -> list[tuple[str, str]]:
    """(method, path) of every `curl` in the README that calls the API, as a reader would send it:
    a command's continued lines joined, the query left off, the method from -X, or POST when it
    sends a body (-d, --data-binary) unless -G makes that body the query."""
    text = (Path(__file__).parents[1] / "README.md").read_text().replace("\\\n", " ")
    calls = []
    for command in (part for line in text.splitlines() for part in line.split("|")):  # a pipe's jq or cut is not curl's
        for path in re.findall(r"localhost:8000(/api/v1/[^\s'\"?|)]+)", command):
            method = re.search(r"-X (\w+)", command)
            sends = re.search(r"\s(-d|--data-binary|--data)\s", command) and not re.search(r"\s-G\s", command)
            calls.append((method.group(1) if method else "POST" if sends else "GET", path))
    return calls


def test_every_api_call_in_the_readme_is_an_operation_of_the_merged_openapi():
    """The README's tour is what a new user runs first: each call it shows names a path and method
    the API has (a variable such as `$id` stands for a path parameter)."""
    documents = {service: openapi(service) for service in SERVICES}
    merged = merge_openapi(documents.pop("gateway"), documents, EventTypes(frozenset(CATALOGUE), frozenset()))
    operations = [(method.upper(), re.compile("^" + re.sub(r"\{[^/}]+\}", "[^/]+", path) + "$"))
                  for path, item in merged["paths"].items() for method in item if method != "parameters"]
    calls = readme_calls()
    assert len(calls) > 40, calls  # the tour is there and was read
    unknown = [(method, path) for method, path in calls
               if not any(method == known and template.match(path) for known, template in operations)]
    assert unknown == []


def test_every_evidence_link_of_a_report_names_an_operation_and_its_query_parameters():
    """A figure's evidence is a link a reader follows to the records behind it. The API ignores a
    query parameter it does not have, so a link naming a wrong one would list every record, not
    the evidence: each link names a GET operation and only query parameters it has."""
    from urllib.parse import parse_qs, urlsplit

    from sihub_reports.content import figures

    documents = {service: openapi(service) for service in SERVICES}
    merged = merge_openapi(documents.pop("gateway"), documents, EventTypes(frozenset(CATALOGUE), frozenset()))
    links = [
        *(figures.record_link(entity, "a0000000-0000-4000-8000-000000000001") for entity in figures.REGISTRY_PATHS),
        figures.index_link("regions:KR", "KR-26", "ageing_care"),
        figures.severity_link("KR-26", "ageing_care"),
        figures.severity_link("KR", "ageing_care"),
        figures.observations_link("KR-26"),
        figures.coverage_link("KR"),
        figures.round_link("a0000000-0000-4000-8000-000000000002"),
    ]
    for link in links:
        url = urlsplit(link)
        [(path, item)] = [(path, item) for path, item in merged["paths"].items()
                          if re.fullmatch(re.sub(r"\{[^/}]+\}", "[^/]+", path), url.path) and "get" in item]
        known = {p["name"] for p in item["get"].get("parameters", []) if p["in"] == "query"}
        assert set(parse_qs(url.query)) <= known, (link, path, known)
