"""Stored results of the last recompute of each comparison set (per frequency)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class ThemeIndexRow(SQLModel, table=True):
    """A theme index of one geography and period; `value` is null where the missing-data rule
    withheld it (coverage says how much was there)."""

    __tablename__ = "theme_index"
    __table_args__ = (sa.Index("ix_theme_index_comparison_set", "comparison_set", "frequency"),)

    geography: str = Field(primary_key=True, max_length=12)
    theme: str = Field(primary_key=True, max_length=40)
    period: str = Field(primary_key=True, max_length=7)
    comparison_set: str = Field(max_length=24)
    frequency: str = Field(max_length=10)
    value: float | None = None
    coverage: float
    inputs: int
    rank: int | None = None
    rank_best: int | None = None
    rank_worst: int | None = None
    ranked_among: int
    illustrative: bool
    method_version: str = Field(max_length=20)
    computed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class SeverityRow(SQLModel, table=True):
    """How severe a theme is in a geography: from its latest theme index, with the trend."""

    __tablename__ = "severity"
    __table_args__ = (sa.Index("ix_severity_comparison_set", "comparison_set", "frequency"),)

    geography: str = Field(primary_key=True, max_length=12)
    theme: str = Field(primary_key=True, max_length=40)
    frequency: str = Field(primary_key=True, max_length=10)
    comparison_set: str = Field(max_length=24)
    period: str = Field(max_length=7)
    index: float
    severity: float
    band: str = Field(max_length=10)
    trend_per_year: float | None = None
    coverage: float
    inputs: int
    illustrative: bool
    method_version: str = Field(max_length=20)
    computed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


THEME_INDEX_COLUMNS = (
    "geography",
    "theme",
    "period",
    "comparison_set",
    "frequency",
    "value",
    "coverage",
    "inputs",
    "rank",
    "rank_best",
    "rank_worst",
    "ranked_among",
    "illustrative",
    "method_version",
    "computed_at",
)
SEVERITY_COLUMNS = (
    "geography",
    "theme",
    "frequency",
    "comparison_set",
    "period",
    "index",
    "severity",
    "band",
    "trend_per_year",
    "coverage",
    "inputs",
    "illustrative",
    "method_version",
    "computed_at",
)


class IndexSetRow(SQLModel, table=True):
    """What the last recompute of a comparison set and frequency covered, and a digest of its
    results, so that recomputing unchanged data is recognised without reading every index back."""

    __tablename__ = "index_set"

    comparison_set: str = Field(primary_key=True, max_length=24)
    frequency: str = Field(primary_key=True, max_length=10)
    geographies: int
    indicators: int
    themes: int
    first_period: str = Field(max_length=7)
    last_period: str = Field(max_length=7)
    method_version: str = Field(max_length=20)
    digest: str = Field(max_length=64, description="SHA-256 of the stored theme indices")
    computed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
