from __future__ import annotations

import re

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlmodel import SQLModel

from sihub_indicators.catalogue.models import IndicatorBase
from sihub_indicators.indices.method import Direction
from sihub_indicators.themes import Theme
from sihub_shared.timestamps import UtcDatetime
from sihub_indicators.units import UNITS, Unit, effective_bounds, finite_or_none

CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_.\-]{0,79}$"
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_SDG_TARGET = re.compile(r"(\d{1,2})\.([0-9]{1,2}|[a-c])")


class IndicatorSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    publisher: str = Field(min_length=1, max_length=300, description="Who publishes the figures")
    link: AnyHttpUrl | None = Field(default=None, description="Where they are published")
    licence: str | None = Field(default=None, max_length=200, description="e.g. CC BY 4.0, KOGL Type 1")


def _check_names(names: dict[str, str]) -> dict[str, str]:
    if "en" not in names:
        raise ValueError("an English name ('en') is required; add others by language tag (ko, ja, zh, th)")
    for tag, name in names.items():
        if not _LANGUAGE_TAG.fullmatch(tag):
            raise ValueError(f"{tag!r} is not a language tag such as 'en', 'ko' or 'zh-Hans'")
        if not name.strip() or len(name) > 300:
            raise ValueError(f"the {tag!r} name must have 1–300 characters")
    return names


def _check_sdg_targets(targets: list[str]) -> list[str]:
    for target in targets:
        match = _SDG_TARGET.fullmatch(target)
        if not match or not 1 <= int(match.group(1)) <= 17:
            raise ValueError(f"{target!r} is not an SDG target such as '1.2', '10.4' or '4.c'")
    if len(set(targets)) != len(targets):
        raise ValueError("SDG targets are listed twice")
    return targets


def check_bounds(unit: Unit, minimum: float | None, maximum: float | None) -> None:
    """The bounds an indicator may set: within its unit's, and the lower below the upper."""
    info = UNITS[Unit(unit)]
    if minimum is not None and minimum < info.minimum:
        raise ValueError(f"min_value {minimum:g} is below what the unit {unit} allows ({info.minimum:g})")
    if maximum is not None and maximum > info.maximum:
        raise ValueError(f"max_value {maximum:g} is above what the unit {unit} allows ({info.maximum:g})")
    low, high = effective_bounds(unit, minimum, maximum)
    if low >= high:
        raise ValueError(f"the bounds are empty: min_value {low:g} is not below max_value {high:g}")


class IndicatorCreate(IndicatorBase):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE_PATTERN, description="Stable identifier, e.g. relative_poverty_rate")
    names: dict[str, str] = Field(description="Name per language tag; 'en' is required")
    sdg_targets: list[str] = Field(default_factory=list, description="e.g. ['1.2', '10.1']")
    source: IndicatorSource

    _names = field_validator("names")(_check_names)
    _targets = field_validator("sdg_targets")(_check_sdg_targets)

    @model_validator(mode="after")
    def _bounds(self) -> IndicatorCreate:
        check_bounds(self.unit, self.min_value, self.max_value)
        return self


class IndicatorUpdate(SQLModel):
    """Only the fields sent change. The code never changes (it is the indicator's identity)."""

    model_config = ConfigDict(extra="forbid")

    names: dict[str, str] | None = None
    theme: Theme | None = None
    unit: Unit | None = None
    direction: Direction | None = None
    min_value: float | None = None
    max_value: float | None = None
    sdg_targets: list[str] | None = None
    source: IndicatorSource | None = None
    notes: str | None = Field(default=None, max_length=4000)

    @field_validator("names")
    @classmethod
    def _names(cls, names: dict[str, str] | None) -> dict[str, str] | None:
        return None if names is None else _check_names(names)

    @field_validator("sdg_targets")
    @classmethod
    def _targets(cls, targets: list[str] | None) -> list[str] | None:
        return None if targets is None else _check_sdg_targets(targets)


class Bounds(BaseModel):
    min: float | None = Field(description="Lowest value accepted; null = unbounded")
    max: float | None = Field(description="Highest value accepted; null = unbounded")


class IndicatorPublic(IndicatorBase):
    code: str
    names: dict[str, str]
    sdg_targets: list[str]
    source: IndicatorSource
    version: int
    created_at: UtcDatetime
    updated_at: UtcDatetime
    bounds: Bounds

    @model_validator(mode="before")
    @classmethod
    def _effective_bounds(cls, data: object) -> object:
        if not isinstance(data, dict):
            data = {name: getattr(data, name) for name in (
                "code", "names", "theme", "unit", "direction", "min_value", "max_value", "notes",
                "sdg_targets", "source", "version", "created_at", "updated_at")}
        low, high = effective_bounds(data["unit"], data.get("min_value"), data.get("max_value"))
        return {**data, "bounds": {"min": finite_or_none(low), "max": finite_or_none(high)}}


class UnitPublic(BaseModel):
    code: Unit
    label: str
    min: float | None
    max: float | None


class ThemePublic(BaseModel):
    code: str
    label: str
