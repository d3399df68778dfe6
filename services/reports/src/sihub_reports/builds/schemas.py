"""What clients send and read about builds."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from sihub_shared.strict import CountryCode, StrictBody
from sihub_shared.timestamps import UtcDatetime


class Format(StrEnum):
    JSON = "json"
    HTML = "html"
    MD = "md"
    PDF = "pdf"


class BuildRequest(StrictBody):
    kind: Literal["country", "comparative"]
    countries: list[CountryCode] = Field(
        min_length=1, max_length=20,
        description="ISO 3166-1 alpha-2: one for a country report, any set for a comparative one")

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
