from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sihub_registry.common.lifecycle import Lifecycle
from sihub_registry.common.types import UUID
from sihub_registry.taxonomy.terms import PartnershipStatus, PartnershipType
from sihub_shared.strict import Line


class PartnershipOrigin(StrEnum):
    MANUAL = "manual"
    MATCH = "match"


class PartnershipBase(SQLModel):
    type: PartnershipType
    status: PartnershipStatus = PartnershipStatus.PROPOSED
    origin: PartnershipOrigin = PartnershipOrigin.MANUAL
    match_ref: Line | None = Field(default=None, min_length=1, max_length=200, description="the match (proposal id) it came from, for origin=match")
    starts_on: date | None = None
    ends_on: date | None = None
    illustrative: bool = False


MATCHING_RECORDER = "matching:"  # `created_by` of the partnerships recorded from matching's events
_LIVE_PARTNER_MATCH = f"match_ref IS NOT NULL AND deleted_at IS NULL AND created_by NOT LIKE '{MATCHING_RECORDER}%'"


class Partnership(PartnershipBase, Lifecycle, table=True):
    __tablename__ = "partnership"
    __table_args__ = (
        sa.Index("ix_partnership_updated_at_id", "updated_at", "id"),
        # A match is one live partnership among those partners register (migration 0011); the
        # one recorded from matching's event may stand beside a partner's claim (service).
        sa.Index("ux_partnership_live_match_ref", "match_ref", unique=True,
                 postgresql_where=sa.text(_LIVE_PARTNER_MATCH), sqlite_where=sa.text(_LIVE_PARTNER_MATCH)),
    )

    id: str = Field(primary_key=True, sa_type=UUID)
    ref: str | None = Field(default=None, sa_type=sa.String(200), unique=True)
    created_by: str = Field(sa_type=sa.String(64))
    actor_ids: list[str] = Field(sa_type=sa.JSON)
    confirmations: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    description: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    type: str = Field(sa_type=sa.String(20))  # type: ignore[assignment]
    status: str = Field(sa_type=sa.String(20), index=True)  # type: ignore[assignment]
    origin: str = Field(sa_type=sa.String(20))  # type: ignore[assignment]
    match_ref: str | None = Field(default=None, sa_type=sa.String(200))
