"""Checks that need reference data or more than one field, collected per field so that one
answer names every problem (and, in an import, every row)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from sihub_registry.geography import FieldError, validate_country, validate_region
from sihub_registry.identifiers import validate_identifier
from sihub_registry.names import LocalizedText, Name, fold
from sihub_registry.taxonomy.terms import CERTIFICATION_SCHEMES
from sihub_shared.errors import Problems as SharedProblems
from sihub_shared.errors import UnprocessableContent, error_message, field_path
from sihub_shared.openapi import Rule

from sihub_registry.common.values import CapabilityClaim, Certification, Contact, IdentifierValue


# The rules across fields the checks below enforce, as the bodies declare them (`x-sihub-rules`).
NAMES_RULE = Rule(("names",), "names: no name twice in one language")
PLACE_RULE = Rule(("region",), "region: a subdivision (ISO 3166-2) of country")
DATES_RULE = Rule(("ends_on",), "ends_on: not before starts_on")


def texts_rule(field: str) -> Rule:
    return Rule((field,), f"{field}: at most one text per language")


class Problems(SharedProblems):
    """Field errors gathered while checking one record (also from the importer's FieldErrors)."""

    def add_field_error(self, error: FieldError) -> None:
        self.add(error.field, error.message)


def validation_problems(exc: ValidationError) -> list[dict[str, Any]]:
    """A pydantic ValidationError as problem+json `errors`."""
    return [
        {"field": field_path(e["loc"]) or "body", "message": error_message(e)}
        for e in exc.errors(include_url=False)
    ]


def check_place(problems: Problems, country: str | None, region: str | None) -> None:
    if country is None:
        return
    try:
        validate_country(country)
        if region is not None:
            validate_region(country, region)
    except FieldError as error:
        problems.add_field_error(error)


def check_names(problems: Problems, names: Sequence[Name | LocalizedText], field: str = "names", *, required: bool = True) -> None:
    """At least one (when required); the same text twice in one language is an error."""
    if not names:
        if required:
            problems.add(field, f"at least one {'name' if field == 'names' else 'text'} is required")
        return
    seen: dict[tuple[str, str], int] = {}
    for index, name in enumerate(names):
        key = (name.lang, fold(name.value))
        if key in seen:
            problems.add(f"{field}[{index}]", f"{name.value!r} ({name.lang}) is given twice")
        seen[key] = index


def check_texts(problems: Problems, texts: Sequence[LocalizedText], field: str) -> None:
    """At most one text per language."""
    seen: set[str] = set()
    for index, text in enumerate(texts):
        if text.lang in seen:
            problems.add(f"{field}[{index}].lang", f"a second text in {text.lang}")
        seen.add(text.lang)


def check_unique(problems: Problems, values: Iterable[Any], field: str) -> None:
    seen: set[Any] = set()
    for index, value in enumerate(values):
        if value in seen:
            problems.add(f"{field}[{index}]", f"{value} is listed twice")
        seen.add(value)


def check_claims(problems: Problems, claims: Sequence[CapabilityClaim], field: str) -> None:
    check_unique(problems, (c.capability.value for c in claims), field)


def normalise_identifiers(problems: Problems, identifiers: Sequence[IdentifierValue]) -> list[IdentifierValue]:
    """Format-checked identifiers in their normalised form (KR-BRN 123-45-67890 → 1234567890)."""
    normalised: list[IdentifierValue] = []
    seen: set[tuple[str, str]] = set()
    for index, identifier in enumerate(identifiers):
        try:
            scheme, value = validate_identifier(identifier.scheme, identifier.value, field=f"identifiers[{index}]")
        except FieldError as error:
            problems.add_field_error(error)
            continue
        if (scheme, value) in seen:
            problems.add(f"identifiers[{index}]", f"{scheme} {value} is listed twice")
        seen.add((scheme, value))
        normalised.append(IdentifierValue(scheme=scheme, value=value))
    return normalised


def check_certifications(problems: Problems, certifications: Sequence[Certification], country: str | None) -> None:
    for index, certification in enumerate(certifications):
        field = f"certifications[{index}]"
        scheme = CERTIFICATION_SCHEMES.get(certification.scheme)
        if scheme is None:
            problems.add(f"{field}.scheme", f"unknown scheme {certification.scheme!r}; known: {sorted(CERTIFICATION_SCHEMES)}")
            continue
        if certification.level not in scheme.level_codes():
            problems.add(f"{field}.level", f"{certification.level!r} is not a level of {scheme.code}; levels: {sorted(scheme.level_codes())}")
        if scheme.country is not None and country is not None and scheme.country != country:
            problems.add(f"{field}.scheme", f"{scheme.code} certifies organisations in {scheme.country}, not in {country}")
        if certification.valid_from and certification.valid_to and certification.valid_to < certification.valid_from:
            problems.add(f"{field}.valid_to", "ends before it starts")


def check_contacts(problems: Problems, contacts: Sequence[Contact]) -> None:
    for index, contact in enumerate(contacts):
        if not contact.email and not contact.phone:
            problems.add(f"contacts[{index}]", "give an email or a phone number")


def check_dates(problems: Problems, start: Any, end: Any, start_field: str = "starts_on", end_field: str = "ends_on") -> None:
    if start is not None and end is not None and end < start:
        problems.add(end_field, f"{end} is before {start_field} {start}")


def revalidated(model: type[Any], current: dict[str, Any], changes: dict[str, Any], what: str) -> Any:
    """`current` with `changes` applied, validated whole as `model` (a Create schema): an update
    meets exactly the rules a creation does. A field sent as null that may not be null is a 422."""
    try:
        return model.model_validate(current | changes)
    except ValidationError as exc:
        errors = validation_problems(exc)
        raise UnprocessableContent(f"{what}: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors) from exc
