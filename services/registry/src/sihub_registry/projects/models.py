from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sihub_registry.common.lifecycle import Lifecycle
from sihub_registry.common.types import UUID
from sihub_shared.strict import CountryCode, RegionCode


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ProjectBase(SQLModel):
    country: CountryCode = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    region: RegionCode | None = Field(default=None, min_length=4, max_length=6, description="ISO 3166-2 under `country`")
    status: ProjectStatus = ProjectStatus.PLANNED
    starts_on: date | None = None
    ends_on: date | None = None
    illustrative: bool = False


class Project(ProjectBase, Lifecycle, table=True):
    __tablename__ = "project"
    __table_args__ = (
        sa.Index("ix_project_actor_id", "actor_id"),
        sa.Index("ix_project_updated_at_id", "updated_at", "id"),
    )

    id: str = Field(primary_key=True, sa_type=UUID)
    ref: str | None = Field(default=None, sa_type=sa.String(200), unique=True)
    actor_id: str = Field(sa_type=UUID)
    partner_ids: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    confirmations: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    title: list[dict[str, Any]] = Field(sa_type=sa.JSON)
    description: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    issue_areas: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    country: str = Field(sa_type=sa.String(2), index=True)
    region: str | None = Field(default=None, sa_type=sa.String(6), index=True)
    status: str = Field(sa_type=sa.String(20))  # type: ignore[assignment]
