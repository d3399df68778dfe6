"""Schemathesis checks of our own, loaded by test_contract.py (SCHEMATHESIS_HOOKS) into the
Schemathesis process."""

from __future__ import annotations

import ast
import json
import threading

import jsonschema
import schemathesis
from schemathesis.core.failures import Failure

from sihub_shared.openapi import RULES_EXTENSION, names_a_declared_rule


def _one_parse_at_a_time() -> None:
    """CPython 3.11 keeps the AST constructor's recursion depth in state the threads share, so two
    threads parsing at once can fail with `SystemError: AST constructor recursion depth mismatch`
    (python/cpython#106905). Hypothesis parses lambdas' source to describe filtered strategies,
    and Schemathesis' two workers are threads: seen once as a runtime error of the coverage phase.
    One parse at a time in this process."""
    parse, lock = ast.parse, threading.Lock()

    def parse_alone(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - ast.parse's own signature
        with lock:
            return parse(*args, **kwargs)

    ast.parse = parse_alone


_one_parse_at_a_time()


class UndeclaredRejection(Failure):
    """A 422 for schema-valid input that names a field no declared rule names."""

    kind_title = "Schema-valid input refused for no declared rule"

    @property
    def _unique_key(self) -> str:
        # One finding per operation (as Schemathesis' own RejectedPositiveData), not one per
        # example: the fields named differ from example to example.
        return "422"


def schema_refuses_the_request(case) -> bool:  # noqa: ANN001 - Schemathesis' Case
    """Whether the request body or a header breaks its own schema, though generated as valid:
    - Schemathesis fills the items of a list bound to a dictionary (real ids) one by one, so a
      "valid" body can repeat an id where the schema says `uniqueItems`;
    - its coverage phase draws no value for a header whose schema has a `pattern` and sends a
      boundary string instead (`Last-Event-ID: 0` for a stream position).
    Such a case is not schema-valid input, and a 422 for it is right."""
    components = case.operation.schema.raw_schema.get("components", {})

    def refuses(schema: dict, value: object) -> bool:
        return not jsonschema.Draft202012Validator({**schema, "components": components}).is_valid(value)

    body = getattr(case, "body", None)
    content = (case.operation.definition.raw.get("requestBody") or {}).get("content") or {}
    schema = (content.get(case.media_type or "application/json") or {}).get("schema")
    if schema is not None and isinstance(body, (dict, list)) and refuses(schema, body):
        return True
    sent = {name.lower(): value for name, value in (case.headers or {}).items()}
    return any(refuses(parameter["schema"], sent[parameter["name"].lower()])
               for parameter in case.operation.definition.raw.get("parameters", [])
               if parameter["in"] == "header" and "schema" in parameter and parameter["name"].lower() in sent)


@schemathesis.check
def rejection_names_a_declared_rule(ctx, response, case):  # noqa: ARG001 (the signature of a check)
    """On an operation that declares rules across fields (`x-sihub-rules`), the contract test lets
    positive_data_acceptance take a 422 for schema-valid input; this check holds that 422 to the
    rules: every field it names is one a declared rule names. A 422 for anything else (a
    constraint the schema could state) is still a finding."""
    meta = case.meta
    declared = case.operation.definition.raw.get(RULES_EXTENSION)
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422 or not declared:
        return None
    if schema_refuses_the_request(case):
        return None
    try:
        errors = json.loads(response.content).get("errors") or []
    except ValueError:
        errors = []
    named = sorted(str(error.get("field", "")) for error in errors)
    if not named or not all(names_a_declared_rule(field, declared) for field in named):
        raise UndeclaredRejection(
            operation=case.operation.label,
            message=f"422 for schema-valid input naming {named}, not only fields of the declared rules "
                    f"({sorted({f for rule in declared for f in rule['fields']})}): state the constraint in the "
                    "schema, or declare the rule",
        )
    return None
