"""What clients send and read about builds."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

import pycountry
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sihub_shared.strict import CountryCode, StrictBody
from sihub_shared.timestamps import UtcDatetime


class Format(StrEnum):
    JSON = "json"
    HTML = "html"
    MD = "md"
    PDF = "pdf"


# The codes the service accepts (builds/service.check_countries), said in the schema too, so that
# a client (or a fuzzer) knows "AA" is refused before sending it.
ISO_COUNTRIES = sorted(country.alpha_2 for country in pycountry.countries)


class BuildRequest(StrictBody):
    # A country report is about exactly one country, a comparative one about two or more: the schema
    # says so, as the service does.
    model_config = ConfigDict(json_schema_extra={
        "if": {"properties": {"kind": {"const": "country"}}},
        "then": {"properties": {"countries": {"maxItems": 1}}},
        "else": {"properties": {"countries": {"minItems": 2}}},
    })

    kind: Literal["country", "comparative"]
    countries: list[Annotated[CountryCode, Field(json_schema_extra={"enum": ISO_COUNTRIES})]] = Field(
        min_length=1, max_length=20, json_schema_extra={"uniqueItems": True},
        description="ISO 3166-1 alpha-2, each once: one for a country report, two or more for a comparative one")

    @field_validator("countries")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a country is named twice")
        return value


class BuildPublic(BaseModel):
    id: str
    kind: str
    countries: list[str]
    created_at: UtcDatetime
    positions: dict[str, int]
    status: str
    progress: float
    illustrative: bool
    empty: bool
    json_sha256: str | None
    links: dict[str, str]


class BuildPage(BaseModel):
    items: list[BuildPublic]
    next_cursor: str | None = None


class RebuildResult(BaseModel):
    id: str
    positions: dict[str, int]
    identical: bool = Field(description="the rebuilt JSON, HTML and Markdown are byte-identical to the stored build's")
    json_identical: bool
    html_identical: bool
    md_identical: bool
    json_sha256: str
    rebuilt_json_sha256: str
    schema_: str = Field(alias="schema", description="the document schema the stored build was made with")
    rebuilt_schema: str = Field(description="the schema of the rebuild (this version's): where it differs from "
                                "`schema`, the bytes differ by what the schema changed, not only by the data")
