"""Schemathesis checks of our own, loaded by test_contract.py (SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import json

import jsonschema
import schemathesis
from schemathesis.core.failures import Failure

from sihub_shared.openapi import RULES_EXTENSION, names_a_declared_rule


class UndeclaredRejection(Failure):
    """A 422 for schema-valid input that names a field no declared rule names."""

    kind_title = "Schema-valid input refused for no declared rule"

    @property
    def _unique_key(self) -> str:
        # One finding per operation (as Schemathesis' own RejectedPositiveData), so that a
        # baseline entry stays stable while the fields differ from example to example.
        return "422"


def schema_refuses_the_body(case) -> bool:  # noqa: ANN001 - Schemathesis' Case
    """Whether the request body breaks its own schema. Schemathesis fills the items of a list bound
    to a dictionary (real ids) one by one, so a "valid" body can repeat an id where the schema says
    `uniqueItems`: such a case is not schema-valid input, and a 422 for it is right."""
    body = getattr(case, "body", None)
    content = (case.operation.definition.raw.get("requestBody") or {}).get("content") or {}
    schema = (content.get(case.media_type or "application/json") or {}).get("schema")
    if schema is None or not isinstance(body, (dict, list)):
        return False
    document = case.operation.schema.raw_schema
    validator = jsonschema.Draft202012Validator({**schema, "components": document.get("components", {})})
    return not validator.is_valid(body)


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
    if schema_refuses_the_body(case):
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
