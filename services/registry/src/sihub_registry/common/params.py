"""Query parameters several listings share, checked the way bodies are (422 naming the field)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header, Path, Query
from pydantic import AfterValidator, WithJsonSchema

from sihub_registry.geography import FieldError, validate_country, validate_region
from sihub_shared.errors import UnprocessableContent
from sihub_shared.strict import CountryCode, RegionCode
from sihub_shared.timestamps import UtcDatetime

IfMatch = Annotated[str | None, Header(alias="If-Match", description="the ETag you read")]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200, description="makes a re-sent request do nothing twice")
]


def _record_id(value: str) -> str:
    try:  # a filter reads any spelling of a UUID, as the canonical id it names
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("not an id this registry gave out") from None


# An id in a filter: a malformed one is a 422 naming the parameter, not a database error.
RecordId = Annotated[str, AfterValidator(_record_id), WithJsonSchema({"type": "string", "format": "uuid"})]
# An id in a path: anything but a UUID names nothing, a 404 before the database (`require_id`).
PathId = Annotated[str, Path(json_schema_extra={"format": "uuid"})]


# A change is stamped before its transaction commits, so one committing late can carry an earlier
# time than rows a sync already read: clients start the next sync a little before the last time seen.
ModifiedAfter = Annotated[
    UtcDatetime | None,
    Query(description="changed after this time (UTC unless an offset is given); lists by (updated_at, id) for "
                      "a sync. Start the next sync a minute before the last `updated_at` you read: a change "
                      "committed late can carry an earlier time. Rows are keyed by id and version."),
]
Countries = Annotated[list[CountryCode], Query(description="ISO 3166-1 alpha-2; repeat for any of several")]
Regions = Annotated[list[RegionCode], Query(description="ISO 3166-2; repeat for any of several")]


def checked_places(countries: list[str], regions: list[str]) -> None:
    errors = []
    for index, country in enumerate(countries):
        try:
            validate_country(country)
        except FieldError as error:
            errors.append({"field": "country", "in": "query", "message": error.message, "index": index})
    for index, region in enumerate(regions):
        try:
            validate_region(region[:2], region)
        except FieldError as error:
            errors.append({"field": "region", "in": "query", "message": error.message, "index": index})
    if errors:
        raise UnprocessableContent("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)
