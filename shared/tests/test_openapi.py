"""The OpenAPI document every service publishes declares what each route can answer, and the
405 and problem details it answers match that document."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Header, Query
from pydantic import BaseModel

from sihub_shared.app import create_service_app
from sihub_shared.concurrency import check_if_match
from sihub_shared.errors import PROBLEM_JSON, Problems, ReferenceConflict, UnprocessableContent
from sihub_shared.openapi import Rule, names_a_declared_rule, parameter_rules, problems, rules
from sihub_shared.pagination import Cursor
from sihub_shared.settings import ServiceSettings
from sihub_shared.strict import CountryCode
from sihub_shared.testing import TEST_IDENTITY_SECRET, identity_headers
from sihub_shared.testing.servers import app_client

class Thing(BaseModel):
    name: str


def thing_app(tmp_path):
    router = APIRouter(prefix="/things")

    @router.get("")
    async def list_things(limit: int = 10, cursor: Cursor = None) -> list[Thing]:
        return []

    @router.post("", status_code=201, responses=problems(409))
    async def create_thing(data: Thing,
                           idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Thing:
        return data

    @router.post("/import")
    async def import_things() -> list[Thing]:
        return []

    @router.get("/{thing_id}")
    async def get_thing(thing_id: str) -> Thing:
        return Thing(name=thing_id)

    @router.patch("/{thing_id}")
    async def change_thing(thing_id: str, data: Thing,
                           if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> Thing:
        check_if_match(if_match, 1)
        return data

    settings = ServiceSettings(service_name="things", database_url=f"sqlite:///{tmp_path / 'x.db'}",
                               identity_secret=TEST_IDENTITY_SECRET, run_workers=False, log_json=False)
    return create_service_app(settings, title="things", description="", routers=[router])


def statuses(document, path, method):
    return sorted(int(code) for code in document["paths"][path][method]["responses"])


def test_every_status_a_route_can_answer_is_declared_as_a_problem(tmp_path):
    document = thing_app(tmp_path).openapi()
    base = "/api/v1/things"
    assert statuses(document, base, "get") == [200, 400, 401, 403, 422, 500, 503]
    assert statuses(document, base, "post") == [201, 400, 401, 403, 409, 413, 415, 422, 500, 503]
    assert statuses(document, base + "/{thing_id}", "get") == [200, 400, 401, 403, 404, 422, 500, 503]
    assert statuses(document, base + "/{thing_id}", "patch") == [
        200, 400, 401, 403, 404, 412, 413, 415, 422, 428, 500, 503]
    for item in document["paths"].values():
        for operation in item.values():
            for code, answer in operation["responses"].items():
                if int(code) >= 400:
                    assert answer["content"] == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "detail"}
    assert {"errors", "request_id", "instance"} <= set(schemas["Problem"]["properties"])
    assert schemas["ProblemFieldError"]["required"] == ["field", "message"]


def test_if_match_is_a_required_entity_tag_header(tmp_path):
    document = thing_app(tmp_path).openapi()
    [if_match] = [p for p in document["paths"]["/api/v1/things/{thing_id}"]["patch"]["parameters"]
                  if p["name"] == "If-Match"]
    assert if_match["in"] == "header" and if_match["required"] is True
    assert if_match["schema"]["type"] == "string" and if_match["schema"]["pattern"]
    # From reading or creating a record to changing it, with the ETag it was sent.
    change = {"operationId": document["paths"]["/api/v1/things/{thing_id}"]["patch"]["operationId"],
              "parameters": {"path.thing_id": "$request.path.thing_id", "header.If-Match": "$response.header.ETag"}}
    read = document["paths"]["/api/v1/things/{thing_id}"]["get"]["responses"]["200"]
    assert read["links"] == {"patch_thing_id": change}
    created = document["paths"]["/api/v1/things"]["post"]["responses"]["201"]["links"]["patch_thing_id"]
    assert created["parameters"]["path.thing_id"] == "$response.body#/id"


BELOW = Rule(("low", "high"), "low: below high")


@rules(BELOW)
class Range(BaseModel):
    low: int
    high: int


class NamedRange(Range):
    """Declares no rules of its own: a model's rules are its own, not inherited."""

    name: str


def test_rules_across_fields_are_declared_on_the_operations_taking_the_body(tmp_path):
    router = APIRouter(prefix="/ranges")

    @router.post("", summary="Add a range", description="A range of values.")
    async def add_range(data: Range) -> Range:
        return data

    @router.put("/named")
    async def put_named(data: NamedRange) -> NamedRange:
        return data

    settings = ServiceSettings(service_name="ranges", database_url=f"sqlite:///{tmp_path / 'x.db'}",
                               identity_secret=TEST_IDENTITY_SECRET, run_workers=False, log_json=False)
    document = create_service_app(settings, title="ranges", description="", routers=[router]).openapi()
    added = document["paths"]["/api/v1/ranges"]["post"]
    assert added["x-sihub-rules"] == [{"fields": ["low", "high"], "rule": "low: below high"}]
    assert added["description"] == "A range of values.\n\nRules the schema cannot state, each refused with 422 naming a field: low: below high."
    assert "422" in added["responses"]
    assert "x-sihub-rules" not in document["paths"]["/api/v1/ranges/named"]["put"]
    # A refusal names a rule's field, or a field within it, wherever in a list.
    declared = [{"fields": ["cohorts.ends_on", "names"], "rule": "..."}]
    assert names_a_declared_rule("cohorts[2].ends_on", declared) and names_a_declared_rule("names[1].value", declared)
    assert not names_a_declared_rule("cohorts[2].starts_on", declared) and not names_a_declared_rule("namesake", declared)


def test_rules_on_parameters_are_declared_with_those_of_the_body(tmp_path):
    router = APIRouter(prefix="/ranges")
    twice = Rule(("after",), "after: each stream named once")

    @router.post("", openapi_extra=parameter_rules(twice))
    async def add_range(data: Range, after: str | None = None) -> Range:
        return data

    @router.get("", openapi_extra=parameter_rules(twice))
    async def list_ranges(after: str | None = None) -> list[Range]:
        return []

    settings = ServiceSettings(service_name="ranges", database_url=f"sqlite:///{tmp_path / 'x.db'}",
                               identity_secret=TEST_IDENTITY_SECRET, run_workers=False, log_json=False)
    document = create_service_app(settings, title="ranges", description="", routers=[router]).openapi()
    added, listed = document["paths"]["/api/v1/ranges"]["post"], document["paths"]["/api/v1/ranges"]["get"]
    assert added["x-sihub-rules"] == [{"fields": ["after"], "rule": "after: each stream named once"},
                                      {"fields": ["low", "high"], "rule": "low: below high"}]
    assert listed["x-sihub-rules"] == [{"fields": ["after"], "rule": "after: each stream named once"}]
    assert listed["description"].endswith("each refused with 422 naming a field: after: each stream named once.")


def test_an_optional_parameter_is_left_out_never_null(tmp_path):
    """A query string or a header has no null: `X | None` is published as X, not required."""
    router = APIRouter(prefix="/things")

    @router.get("")
    async def list_things(kinds: Annotated[list[str] | None, Query(max_length=3)] = None,
                          after: Annotated[str | None, Header(pattern="^[a-z]+$")] = None) -> list[Thing]:
        return []

    settings = ServiceSettings(service_name="things", database_url=f"sqlite:///{tmp_path / 'x.db'}",
                               identity_secret=TEST_IDENTITY_SECRET, run_workers=False, log_json=False)
    document = create_service_app(settings, title="things", description="", routers=[router]).openapi()
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/things"]["get"]["parameters"]}
    assert parameters["kinds"]["required"] is False and parameters["after"]["required"] is False
    assert parameters["kinds"]["schema"]["type"] == "array" and parameters["kinds"]["schema"]["maxItems"] == 3
    assert parameters["after"]["schema"]["type"] == "string" and parameters["after"]["schema"]["pattern"] == "^[a-z]+$"
    assert all("anyOf" not in p["schema"] for p in parameters.values())


def test_an_optional_parameter_of_a_named_type_is_its_reference_alone(tmp_path):
    router = APIRouter(prefix="/things")

    @router.get("")
    async def list_things(country: CountryCode | None = None) -> list[Thing]:
        return []

    settings = ServiceSettings(service_name="things", database_url=f"sqlite:///{tmp_path / 'x.db'}",
                               identity_secret=TEST_IDENTITY_SECRET, run_workers=False, log_json=False)
    document = create_service_app(settings, title="things", description="", routers=[router]).openapi()
    [country] = document["paths"]["/api/v1/things"]["get"]["parameters"]
    assert country["schema"] == {"$ref": "#/components/schemas/CountryCode"} and country["required"] is False


def test_references_to_records_not_there_are_refused_together_as_409():
    missing = Problems()
    missing.add("actor_ids[1]", "no actor x")
    missing.add("cohort_id", "no cohort y")
    with pytest.raises(ReferenceConflict) as refused:
        missing.raise_if_any("not there", ReferenceConflict)
    assert (refused.value.status, refused.value.title) == (409, "Conflict")
    assert [e["field"] for e in refused.value.errors] == ["actor_ids[1]", "cohort_id"]


@pytest.mark.parametrize("sent", ["1", "null", '"1', "W/1"])
def test_a_malformed_if_match_is_422_naming_the_header(sent):
    with pytest.raises(UnprocessableContent) as refused:
        check_if_match(sent, 1)
    assert refused.value.errors == [{"field": "If-Match", "in": "header", "message": "not an entity tag"}]


async def test_405_names_every_method_of_the_path_and_a_concrete_path_is_itself(tmp_path):
    async with app_client(thing_app(tmp_path)) as client:
        # Routing answers 405 before any dependency runs: no identity needed.
        item = await client.request("OPTIONS", "/api/v1/things/42")
        concrete = await client.request("OPTIONS", "/api/v1/things/import")
    assert item.status_code == 405 and item.headers["content-type"] == PROBLEM_JSON
    assert item.headers["allow"] == "GET, HEAD, PATCH"
    assert concrete.status_code == 405 and concrete.headers["allow"] == "POST"


async def test_a_concrete_path_is_not_a_value_of_a_templated_one(tmp_path):
    # PATCH /things/import was routed to PATCH /things/{thing_id} with thing_id "import".
    async with app_client(thing_app(tmp_path)) as client:
        answer = await client.patch("/api/v1/things/import", json={"name": "x"},
                                    headers=identity_headers() | {"If-Match": "*"})
    assert answer.status_code == 405 and answer.headers["content-type"] == PROBLEM_JSON
    assert answer.headers["allow"] == "POST"
    assert answer.json()["request_id"]


async def test_a_problem_instance_is_the_path_as_a_uri_reference(tmp_path):
    async with app_client(thing_app(tmp_path)) as client:
        answer = await client.get("/api/v1/nothing/%C3%9F%20x")
    assert answer.status_code == 404
    assert answer.json()["instance"] == "/api/v1/nothing/%C3%9F%20x"


async def test_an_empty_cursor_is_refused_by_the_schema(tmp_path):
    async with app_client(thing_app(tmp_path)) as client:
        answer = await client.get("/api/v1/things", params={"cursor": ""}, headers=identity_headers())
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "cursor"
