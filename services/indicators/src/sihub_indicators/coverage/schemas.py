from __future__ import annotations

from pydantic import BaseModel, Field


class CoverageGap(BaseModel):
    geography: str
    name: str
    indicator: str
    theme: str
    missing_periods: list[str] = Field(description="Periods of the set without a current observation")


class WithheldIndex(BaseModel):
    geography: str
    theme: str
    period: str
    coverage: float = Field(description="Share of the theme's indicators with a value (below 80%)")
    inputs: int


class SetCoverage(BaseModel):
    comparison_set: str
    frequency: str
    periods: list[str] = Field(description="Every period the set has an observation for")
    indicators: int = Field(description="Indicators expected: those observed anywhere in the set")
    geographies: int = Field(description="Geographies expected: ISO 3166-2's members of a regions set, "
                             "or the countries with data of their own or of their regions")
    expected: int = Field(description="geographies × indicators × periods")
    observed: int
    share: float = Field(description="observed / expected")
    gaps: list[CoverageGap]
    withheld_indices: list[WithheldIndex] = Field(
        description="Theme indices not computed because over 20% of the theme's inputs are missing"
    )
