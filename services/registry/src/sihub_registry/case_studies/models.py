from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sihub_registry.common.lifecycle import Lifecycle
from sihub_registry.common.types import UUID
from sihub_shared.strict import CountryCode, RegionCode, WebAddress


class CaseStudyBase(SQLModel):
    country: CountryCode = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    region: RegionCode | None = Field(default=None, min_length=4, max_length=6, description="ISO 3166-2 under `country`")
    year: int | None = Field(default=None, ge=1900, le=2100)
    source_url: WebAddress | None = Field(default=None, min_length=4, max_length=500)
    illustrative: bool = False


class CaseStudy(CaseStudyBase, Lifecycle, table=True):
    __tablename__ = "case_study"
    __table_args__ = (sa.Index("ix_case_study_updated_at_id", "updated_at", "id"),)

    id: str = Field(primary_key=True, sa_type=UUID)
    ref: str | None = Field(default=None, sa_type=sa.String(200), unique=True)
    owner_account_id: str = Field(sa_type=sa.String(64))
    title: list[dict[str, Any]] = Field(sa_type=sa.JSON)
    summary: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    issue_areas: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    actor_ids: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    confirmations: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    country: str = Field(sa_type=sa.String(2), index=True)
    region: str | None = Field(default=None, sa_type=sa.String(6), index=True)
    source_url: str | None = Field(default=None, sa_type=sa.String(500))
