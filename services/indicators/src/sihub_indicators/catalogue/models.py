from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sihub_indicators.indices.method import Direction
from sihub_indicators.themes import Theme
from sihub_indicators.units import Unit
from sihub_shared.strict import Text


def now() -> datetime:
    return datetime.now(UTC)


class IndicatorBase(SQLModel):
    theme: Theme = Field(sa_type=sa.String(40), description="Issue-area code (the registry's taxonomy)")
    unit: Unit = Field(sa_type=sa.String(40), description="Unit of measure; it implies bounds (see /units)")
    direction: Direction = Field(sa_type=sa.String(20), description="Is a higher value better or worse?")
    min_value: float | None = Field(default=None, description="Narrows the unit's lower bound")
    max_value: float | None = Field(default=None, description="Narrows the unit's upper bound")
    notes: Text | None = Field(default=None, max_length=4000)


class Indicator(IndicatorBase, table=True):
    __table_args__ = (sa.Index("ix_indicator_theme", "theme"),)

    code: str = Field(primary_key=True, max_length=80)
    names: dict[str, str] = Field(sa_type=sa.JSON)
    sdg_targets: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    source: dict[str, Any] = Field(sa_type=sa.JSON)
    version: int = 1
    created_at: datetime = Field(default_factory=now, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=now, sa_type=sa.DateTime(timezone=True))
