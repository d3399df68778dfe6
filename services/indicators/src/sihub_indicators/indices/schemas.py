from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sihub_indicators.geography import ComparisonSet
from sihub_indicators.periods import Frequency
from sihub_shared.strict import StrictBody
from sihub_shared.timestamps import UtcDatetime


class ThemeIndexPoint(BaseModel):
    period: str
    index: float | None = Field(description="0–100, 100 the best; null where over 20% of the theme's inputs are missing")
    coverage: float = Field(description="Share of the theme's indicators with a value")
    inputs: int
    rank: int | None
    rank_best: int | None
    rank_worst: int | None
    ranked_among: int
    illustrative: bool = Field(description="An illustrative observation fed this index")
    rank_illustrative: bool = Field(description="The ranks rest on an illustrative index of a peer (or this one)")


class ThemeIndexSeries(BaseModel):
    geography: str
    theme: str
    comparison_set: str
    frequency: str
    trend_per_year: float | None = Field(description="OLS slope of the index, in points per year")
    illustrative: bool = Field(description="Any point of the series is illustrative")
    method_version: str
    computed_at: UtcDatetime
    points: list[ThemeIndexPoint]


class SeverityPublic(BaseModel):
    geography: str
    theme: str
    frequency: str
    comparison_set: str
    period: str = Field(description="The latest period with a theme index")
    index: float
    severity: float = Field(description="(100 − latest index) / 100: 0 the least severe, 1 the most")
    band: str = Field(description="low < 0.25 ≤ medium < 0.5 ≤ high < 0.75 ≤ critical")
    trend_per_year: float | None
    coverage: float
    inputs: int
    illustrative: bool
    method_version: str
    computed_at: UtcDatetime


class RankEntry(BaseModel):
    geography: str
    name: str
    index: float | None
    rank: int | None
    rank_best: int | None = Field(description="Best rank met when normalisation, aggregation and weights vary")
    rank_worst: int | None = Field(description="Worst rank met when they vary")
    illustrative: bool


class RankTable(BaseModel):
    comparison_set: str
    frequency: str
    theme: str
    period: str
    ranked_among: int
    rank_illustrative: bool = Field(description="A ranked geography's index is illustrative: every rank rests on it")
    method_version: str
    variations: str
    ranks: list[RankEntry]


class ComparisonSetPublic(BaseModel):
    comparison_set: str
    frequency: str
    geographies: int
    themes: int
    first_period: str
    last_period: str
    method_version: str
    computed_at: UtcDatetime


class RecomputeRequest(StrictBody):
    comparison_set: ComparisonSet | None = Field(default=None, description="Only this set (e.g. regions:KR); all sets if absent")
    frequency: Frequency | None = Field(default=None, description="Only this frequency; all if absent")


class RecomputeSummary(BaseModel):
    comparison_set: str
    frequency: str
    geographies: int
    indicators: int
    periods: int
    theme_indices: int
    severities: int
    severity_changes: int
    illustrative_results: int
    seconds: float


class MethodDocument(BaseModel):
    model_config = {"extra": "allow"}

    version: str
    title: str
    steps: list[dict[str, Any]]
