"""Schemathesis checks of our own, loaded by test_contract.py (SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import json

import schemathesis


def _root(field: str) -> str:
    """`cohorts[0].ends_on` → `cohorts`: the body field a rule names."""
    return field.split("[", 1)[0].split(".", 1)[0]


@schemathesis.check
def rejection_names_a_declared_rule(ctx, response, case):  # noqa: ARG001 (the signature of a check)
    """On an operation that declares rules across fields (`x-sihub-rules`), the contract test lets
    positive_data_acceptance take a 422 for schema-valid input; this check holds that 422 to the
    rules: every field it names belongs to a declared rule. A 422 for anything else (a constraint
    the schema could state) is still a finding."""
    meta = case.meta
    rules = case.operation.definition.raw.get("x-sihub-rules")
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422 or not rules:
        return None
    declared = {field for rule in rules for field in rule["fields"]}
    try:
        errors = json.loads(response.content).get("errors") or []
    except ValueError:
        errors = []
    named = {_root(str(error.get("field", ""))) for error in errors}
    if not named or not named <= declared:
        raise AssertionError(
            f"422 for schema-valid input naming {sorted(named)}, not only fields of the declared rules "
            f"({sorted(declared)}): state the constraint in the schema, or declare the rule"
        )
    return None
