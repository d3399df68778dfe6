"""Hub tables: the accounts that operate a hub, its programmes and their cohorts, and the
memberships of actors in them. A hub is an actor of kind `hub_intermediary`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sihub_registry.common.lifecycle import Lifecycle
from sihub_registry.common.types import UUID, UTCDateTime
from sihub_shared.strict import Line


class HubOperator(SQLModel, table=True):
    """An account, besides the hub actor's owner, that manages the hub's programmes and members."""

    __tablename__ = "hub_operator"

    hub_id: str = Field(primary_key=True, sa_type=UUID)
    account_id: str = Field(primary_key=True, sa_type=sa.String(64))
    added_by: str = Field(sa_type=sa.String(64))
    added_at: datetime = Field(sa_type=UTCDateTime)


class HubOperatorList(SQLModel, table=True):
    """The version of a hub's operator list, moved on by each change: the list's events carry it
    so that a consumer keeps the newest list whatever order they come in. No row: version 0."""

    __tablename__ = "hub_operator_list"

    hub_id: str = Field(primary_key=True, sa_type=UUID)
    version: int


class ProgrammeBase(SQLModel):
    starts_on: date | None = None
    ends_on: date | None = None
    illustrative: bool = False


class Programme(ProgrammeBase, Lifecycle, table=True):
    __tablename__ = "programme"
    __table_args__ = (sa.Index("ix_programme_hub_id", "hub_id"),)

    id: str = Field(primary_key=True, sa_type=UUID)
    ref: str | None = Field(default=None, sa_type=sa.String(200), unique=True)
    hub_id: str = Field(sa_type=UUID)
    names: list[dict[str, Any]] = Field(sa_type=sa.JSON)
    descriptions: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    issue_areas: list[str] = Field(default_factory=list, sa_type=sa.JSON)


class CohortBase(SQLModel):
    name: Line = Field(min_length=1, max_length=200, description="e.g. '2026 spring'")
    starts_on: date | None = None
    ends_on: date | None = None
    illustrative: bool = False


class Cohort(CohortBase, Lifecycle, table=True):
    __tablename__ = "cohort"
    __table_args__ = (sa.Index("ix_cohort_programme_id", "programme_id"),)

    id: str = Field(primary_key=True, sa_type=UUID)
    ref: str | None = Field(default=None, sa_type=sa.String(200), unique=True)
    programme_id: str = Field(sa_type=UUID)
    hub_id: str = Field(sa_type=UUID)
    name: str = Field(sa_type=sa.String(200))


class MembershipBase(SQLModel):
    role: Line = Field(default="member", min_length=1, max_length=40, description="member, resident, alumnus, mentor, ...")
    starts_on: date | None = None
    ends_on: date | None = None
    illustrative: bool = False


class Membership(MembershipBase, Lifecycle, table=True):
    __tablename__ = "membership"
    __table_args__ = (
        sa.Index("ix_membership_hub_id_actor_id", "hub_id", "actor_id"),
        sa.Index("ix_membership_actor_id", "actor_id"),
        sa.Index("ix_membership_programme_id", "programme_id"),
        sa.Index("ix_membership_updated_at_id", "updated_at", "id"),
    )

    id: str = Field(primary_key=True, sa_type=UUID)
    ref: str | None = Field(default=None, sa_type=sa.String(200), unique=True)
    hub_id: str = Field(sa_type=UUID)
    programme_id: str = Field(sa_type=UUID)
    cohort_id: str | None = Field(default=None, sa_type=UUID)
    actor_id: str = Field(sa_type=UUID)
    confirmations: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    role: str = Field(default="member", sa_type=sa.String(40))
