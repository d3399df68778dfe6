from __future__ import annotations

from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, Field, Strict, StringConstraints, ValidationInfo, field_validator, model_validator
from sqlmodel import SQLModel

from sihub_indicators.catalogue.models import IndicatorBase
from sihub_indicators.indices.method import Direction
from sihub_indicators.themes import Theme
from sihub_shared.openapi import Rule, rules
from sihub_shared.strict import Distinct, FilledLine, LanguageTag, Line, Omittable, StrictBody, Text
from sihub_shared.timestamps import UtcDatetime
from sihub_indicators.units import UNITS, Unit, effective_bounds, finite_or_none

CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_.\-]{0,79}$"
# Goals 1-17; targets numbered (1.2, 10.4) or lettered for means of implementation (4.c).
SdgTarget = Annotated[str, StringConstraints(pattern=r"^(1[0-7]|[1-9])\.([0-9]{1,2}|[a-c])$")]
Names = Annotated[
    dict[LanguageTag, Annotated[FilledLine, StringConstraints(max_length=300)]],
    Field(min_length=1, max_length=20, description="Name per language tag; 'en' is required",
          json_schema_extra={"required": ["en"], "additionalProperties": False}),
]
SdgTargets = Annotated[Distinct[SdgTarget], Field(max_length=50, description="e.g. ['1.2', '10.1']")]


class IndicatorSource(StrictBody):
    publisher: Line = Field(min_length=1, max_length=300, description="Who publishes the figures")
    link: AnyHttpUrl | None = Field(default=None, description="Where they are published")
    licence: Line | None = Field(default=None, max_length=200, description="e.g. CC BY 4.0, KOGL Type 1")


def _check_names(names: dict[str, str]) -> dict[str, str]:
    if "en" not in names:
        raise ValueError("an English name ('en') is required; add others by language tag (ko, ja, zh, th)")
    return names


def _check_sdg_targets(targets: list[str]) -> list[str]:
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


# A number, not `false` or "1" read as one (JSON Schema says number; pydantic's lax mode took both).
Bound = Annotated[float | None, Strict()]


# An update meets it against the indicator's stored unit and bounds.
BOUNDS_RULE = Rule(("min_value", "max_value"),
                   "min_value, max_value: within the unit's range, min_value below max_value")


@rules(BOUNDS_RULE)
class IndicatorCreate(IndicatorBase, StrictBody):
    code: str = Field(pattern=CODE_PATTERN, description="Stable identifier, e.g. relative_poverty_rate")
    min_value: Bound = Field(default=None, description="Narrows the unit's lower bound")
    max_value: Bound = Field(default=None, description="Narrows the unit's upper bound")
    names: Names
    sdg_targets: SdgTargets = Field(default_factory=list)
    source: IndicatorSource

    _names = field_validator("names")(_check_names)
    _targets = field_validator("sdg_targets")(_check_sdg_targets)

    @field_validator("min_value", "max_value")
    @classmethod
    def _bounds(cls, value: float | None, info: ValidationInfo) -> float | None:
        # Per field, so that the error names it; the unit and min_value are validated before.
        if "unit" in info.data:
            if info.field_name == "min_value":
                check_bounds(info.data["unit"], value, None)
            else:
                check_bounds(info.data["unit"], info.data.get("min_value"), value)
        return value


@rules(BOUNDS_RULE)
class IndicatorUpdate(SQLModel, StrictBody):
    """Only the fields sent change. The code never changes (it is the indicator's identity)."""

    names: Omittable[Names] = None
    theme: Omittable[Theme] = None
    unit: Omittable[Unit] = None
    direction: Omittable[Direction] = None
    min_value: Bound = None
    max_value: Bound = None
    sdg_targets: Omittable[SdgTargets] = None
    source: Omittable[IndicatorSource] = None
    notes: Text | None = Field(default=None, max_length=4000)

    _names = field_validator("names")(_check_names)
    _targets = field_validator("sdg_targets")(_check_sdg_targets)


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
