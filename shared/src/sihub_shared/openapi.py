"""The OpenAPI document a client can trust: every status an operation can answer, each error as
`application/problem+json` with the one `Problem` schema, and the headers the code requires.

FastAPI documents only the success answer and a 422. `install_openapi` post-processes each app's
document once, deriving the rest from each route, so no route lists its errors by hand:

- a dependency marked with `answers(...)` (the identity guard: 401, 403) adds its statuses;
- a path parameter → 404; any parameter or body → 400 and 422; a body → 413 and 415;
- an `If-Match` header → required, 412 and 428; an `Idempotency-Key` header → 409 and 422;
- every operation → 500 and 503;
- a schema stated once (`sihub_shared.strict.component`: the ISO code lists) → a `$ref` to it.

A body a route reads itself (CSV or JSON, as an import takes it) is declared in its `openapi_extra`
with `body_schema(Model)`, which adds the model's schema to the components.

A status only one route answers (a 409 on a conflict) is declared on that route:
`@router.post(..., responses=problems(409))`.

A rule across fields that JSON Schema cannot state (a minimum below a maximum, a region within
its country) is declared on the body's model with `@rules(Rule(...))`: each operation taking that
body lists it as data, `x-sihub-rules: [{fields, rule}]` (broken: 422 naming a field), and says
it in its description. A reference to another record (409 when it is not there,
`errors.ReferenceConflict`) is a route's `problems(409)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from sihub_shared.concurrency import IF_MATCH_PATTERN
from sihub_shared.errors import PROBLEM_JSON
from sihub_shared.strict import drop_null, hoist_components

PROBLEM_REF = "#/components/schemas/Problem"
_METHODS = ("get", "put", "post", "patch", "delete", "options", "head", "trace")
_ANSWERS_ATTRIBUTE = "__sihub_answers__"
_RULES_ATTRIBUTE = "__sihub_rules__"
RULES_EXTENSION = "x-sihub-rules"
IF_MATCH_SCHEMA = {"type": "string", "pattern": IF_MATCH_PATTERN, "description": "the ETag you read (or `*`)"}

PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem",
        "description": "RFC 9457 problem details; `errors` names each offending field.",
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "instance": {"type": "string", "format": "uri-reference"},
            "request_id": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemFieldError"}},
        },
        "additionalProperties": True,
    },
    "ProblemFieldError": {
        "title": "ProblemFieldError",
        "type": "object",
        "required": ["field", "message"],
        "properties": {
            "field": {"type": "string", "description": "the field, e.g. `names[0].value`, `If-Match`, `body`"},
            "message": {"type": "string"},
            "in": {"type": "string", "description": "where the field was sent: body, query, path, header"},
            "row": {"type": "integer", "description": "the row of an import, from 1"},
        },
        "additionalProperties": True,
    },
}

_Call = TypeVar("_Call", bound=Callable[..., Any])
_COMPONENT_SCHEMA = "#/components/schemas/{model}"
# The models `body_schema` was asked for, by name: a document that refers to one gets its schema.
_BODY_MODELS: dict[str, type[BaseModel]] = {}


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A `$ref` to `model`'s schema for an `openapi_extra` request body, which FastAPI does not read."""
    _BODY_MODELS[model.__name__] = model
    return {"$ref": _COMPONENT_SCHEMA.format(model=model.__name__)}


def _add_body_models(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    text = json.dumps(document)
    models = [model for name, model in _BODY_MODELS.items()
              if f'"{_COMPONENT_SCHEMA.format(model=name)}"' in text and name not in schemas]
    if models:
        _, definitions = models_json_schema([(model, "validation") for model in models], ref_template=_COMPONENT_SCHEMA)
        for name, schema in definitions["$defs"].items():
            schemas.setdefault(name, schema)


def answers(*statuses: int) -> Callable[[_Call], _Call]:
    """Marks a dependency with the error statuses it can answer; every route using it declares them."""

    def mark(call: _Call) -> _Call:
        setattr(call, _ANSWERS_ATTRIBUTE, tuple(statuses))
        return call

    return mark


@dataclass(frozen=True)
class Rule:
    """A rule JSON Schema cannot state: across fields of one body (and, in a partial update, the
    record's stored values), or on what a value refers to outside the request (a URL's host). `fields`: the fields a body breaking it is refused naming (422),
    as paths without indices (`cohorts.ends_on` for `cohorts[2].ends_on`); a field names what it
    contains (`names` covers `names[1].value`)."""

    fields: tuple[str, ...]
    rule: str


def names_a_declared_rule(field: str, declared: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a refusal's field (`cohorts[0].ends_on`) is one a rule of `declared` (an operation's
    `x-sihub-rules`) names."""
    path = re.sub(r"\[\d+\]", "", field)
    return any(path == name or path.startswith(name + ".") for rule in declared for name in rule["fields"])


_Model = TypeVar("_Model", bound=type)


def rules(*declared: Rule) -> Callable[[_Model], _Model]:
    """Declares the rules across fields a request body's model must meet (its own, not inherited)."""

    def mark(model: _Model) -> _Model:
        setattr(model, _RULES_ATTRIBUTE, declared)
        return model

    return mark


def rules_of(dependant: Dependant) -> list[Rule]:
    """The rules declared on the models of a route's body."""
    models = [field.field_info.annotation for field in dependant.body_params]
    return [rule for model in models if isinstance(model, type) for rule in vars(model).get(_RULES_ATTRIBUTE, ())]


def parameter_rules(*declared: Rule) -> dict[str, Any]:
    """`openapi_extra=` of a route whose query or header parameters meet a rule the schema cannot
    state (each stream named once in a position); declared with its body's rules, if any."""
    return {RULES_EXTENSION: [{"fields": list(r.fields), "rule": r.rule} for r in declared]}


def declare_rules(operation: dict[str, Any], declared: list[Rule]) -> None:
    """The rules as data (`x-sihub-rules`) and as a sentence of the description."""
    declared = [*(Rule(tuple(r["fields"]), r["rule"]) for r in operation.get(RULES_EXTENSION, [])), *declared]
    if not declared:
        return
    operation[RULES_EXTENSION] = [{"fields": list(r.fields), "rule": r.rule} for r in declared]
    sentence = "Rules the schema cannot state, each refused with 422 naming a field: " + "; ".join(r.rule for r in declared) + "."
    operation["description"] = f"{operation['description']}\n\n{sentence}" if operation.get("description") else sentence


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that answers a status only it can (a 409 on a conflict)."""
    return {status: problem_response_object(status) for status in statuses}


def problem_response_object(status: int, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def declare_problems(operation: dict[str, Any], statuses: Iterable[int],
                     headers: dict[int, dict[str, Any]] | None = None) -> None:
    """Adds each status as a problem answer; an answer already there keeps its description."""
    responses = operation.setdefault("responses", {})
    for status in sorted(set(statuses)):
        wanted = problem_response_object(status, (headers or {}).get(status))
        existing = responses.get(str(status))
        if existing is None:
            responses[str(status)] = wanted
            continue
        existing["content"] = wanted["content"]
        existing.setdefault("description", wanted["description"])
        if "headers" in wanted:
            existing["headers"] = {**existing.get("headers", {}), **wanted["headers"]}
    operation["responses"] = dict(sorted(responses.items()))


def operations(document: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in _METHODS:
                yield path, method, operation


def drop_null_from_parameters(operation: dict[str, Any]) -> None:
    """An optional parameter (`X | None` in the code) is left out, never sent as null: a query
    string or a header has no null, and a generator taking the schema's `null` branch would send
    the text "null"."""
    for parameter in operation.get("parameters", []):
        if not parameter.get("required") and "schema" in parameter:
            drop_null(parameter["schema"])
            if "$ref" in parameter["schema"]:
                # The reference alone (the parameter has its own description): beside `$ref`, a
                # `title` that the target also has makes a generator drop the target's constraints.
                parameter["schema"] = {"$ref": parameter["schema"]["$ref"]}


def statuses_from_operation(operation: dict[str, Any]) -> set[int]:
    """What the shape of an operation says it can answer, besides what its dependencies add."""
    found = {500, 503}
    parameters = operation.get("parameters", [])
    if parameters or "requestBody" in operation:
        found |= {400, 422}
    if "requestBody" in operation:
        found |= {413, 415}
    for parameter in parameters:
        name = parameter["name"].lower()
        if parameter["in"] == "path":
            found.add(404)
        elif parameter["in"] == "header" and name == "if-match":
            # The code answers 428 without it: for a client it is required.
            parameter["required"] = True
            parameter["schema"] = IF_MATCH_SCHEMA
            found |= {412, 428}
        elif parameter["in"] == "header" and name == "idempotency-key":
            found |= {409, 422}
    return found


def statuses_from_dependencies(dependant: Dependant) -> set[int]:
    found = set(getattr(dependant.call, _ANSWERS_ATTRIBUTE, ()))
    for dependency in dependant.dependencies:
        found |= statuses_from_dependencies(dependency)
    return found


def _requires_if_match(operation: dict[str, Any]) -> bool:
    return any(p["in"] == "header" and p["name"].lower() == "if-match" for p in operation.get("parameters", []))


def add_etag_links(document: dict[str, Any]) -> None:
    """OpenAPI links from every answer that carries a record's ETag (its read, its creation, its
    change) to the changes of that record, with the ETag as If-Match: how a client (and the
    stateful fuzzer) goes from reading a record to changing it."""
    paths = document.get("paths", {})
    for path, item in paths.items():
        name = path.rsplit("/", 1)[-1]
        if not (name.startswith("{") and name.endswith("}")):
            continue
        parameter = name[1:-1]
        changes = {method: item[method] for method in ("patch", "delete")
                   if method in item and _requires_if_match(item[method]) and "operationId" in item[method]}
        if not changes:
            continue
        sources = [(item[method], "200", f"$request.path.{parameter}") for method in ("get", "patch") if method in item]
        collection = paths.get(path.rsplit("/", 1)[0], {})
        if "post" in collection:
            # The new record's key in its answer: `id` for `{thing_id}`, else the parameter's name (`code`).
            key = "id" if parameter.endswith("_id") else parameter
            sources.append((collection["post"], "201", f"$response.body#/{key}"))
        for source, status, record_id in sources:
            answer = source.get("responses", {}).get(status)
            if answer is None:
                continue
            links = answer.setdefault("links", {})
            for method, target in changes.items():
                links[f"{method}_{parameter}"] = {
                    "operationId": target["operationId"],
                    "parameters": {f"path.{parameter}": record_id, "header.If-Match": "$response.header.ETag"},
                }


def complete_document(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    by_operation: dict[tuple[str, str], set[int]] = {}
    declared: dict[tuple[str, str], list[Rule]] = {}
    # Each route as included (prefix and router dependencies applied), as FastAPI's get_openapi sees it.
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            for method in route.methods or ():
                by_operation[(route.path_format, method.lower())] = statuses_from_dependencies(route.dependant)
                declared[(route.path_format, method.lower())] = rules_of(route.dependant)
    for path, method, operation in operations(document):
        declare_rules(operation, declared.get((path, method), []))
        drop_null_from_parameters(operation)
        statuses = statuses_from_operation(operation) | by_operation.get((path, method), set())
        statuses |= {int(code) for code in operation.get("responses", {}) if code.isdigit() and int(code) >= 400}
        declare_problems(operation, statuses)
    add_etag_links(document)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    # FastAPI's own 422 shapes are no longer referenced: every error is a Problem.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(PROBLEM_SCHEMAS)
    _add_body_models(document, schemas)
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    return hoist_components(document)


def install_openapi(app: FastAPI) -> None:
    """Replaces `app.openapi` with the completed document (built once, like FastAPI's)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, openapi_version=app.openapi_version,
                summary=app.summary, description=app.description, routes=app.routes,
                tags=app.openapi_tags, servers=app.servers,
            )
            app.openapi_schema = complete_document(app, document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
