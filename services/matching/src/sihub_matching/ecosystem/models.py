"""The read model: the registry's actors, hubs and partnerships and the indicators' severities as
matching needs them, kept from events alone (events/handlers.py). Every row carries the version
(or computation time) of the event that wrote it, so an older event never overwrites a newer one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

UTC_DATETIME = sa.DateTime(timezone=True)


class EcoActor(SQLModel, table=True):
    __tablename__ = "eco_actor"
    __table_args__ = (sa.Index("ix_eco_actor_owner", "owner_account_id"),)

    id: str = Field(primary_key=True, sa_type=sa.String(36))
    owner_account_id: str = Field(sa_type=sa.String(64))
    name: str = Field(sa_type=sa.String(500))
    kind: str = Field(sa_type=sa.String(40))
    sector: str = Field(sa_type=sa.String(20))
    country: str = Field(sa_type=sa.String(2))
    region: str | None = Field(default=None, sa_type=sa.String(6))
    issue_areas: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    offers: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    needs: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    illustrative: bool = False
    deleted: bool = False
    version: int
    updated_at: datetime = Field(sa_type=UTC_DATETIME)
    # The read model's revision when this row last changed: a process's scoring snapshot reloads
    # only the rows changed since the revision it holds.
    revision: int = Field(default=0, index=True)


class EcoProgramme(SQLModel, table=True):
    __tablename__ = "eco_programme"

    id: str = Field(primary_key=True, sa_type=sa.String(36))
    hub_id: str = Field(sa_type=sa.String(36), index=True)
    name: str = Field(sa_type=sa.String(500))
    deleted: bool = False
    version: int


class EcoCohort(SQLModel, table=True):
    __tablename__ = "eco_cohort"

    id: str = Field(primary_key=True, sa_type=sa.String(36))
    programme_id: str = Field(sa_type=sa.String(36))
    hub_id: str = Field(sa_type=sa.String(36), index=True)
    name: str = Field(sa_type=sa.String(200))
    deleted: bool = False
    version: int


class EcoMembership(SQLModel, table=True):
    __tablename__ = "eco_membership"

    id: str = Field(primary_key=True, sa_type=sa.String(36))
    hub_id: str = Field(sa_type=sa.String(36))
    programme_id: str = Field(sa_type=sa.String(36))
    cohort_id: str | None = Field(default=None, sa_type=sa.String(36), index=True)
    actor_id: str = Field(sa_type=sa.String(36))
    declined: bool = False  # the member's owner declined being listed: not a seeker of the hub's rounds
    deleted: bool = False
    version: int


class EcoHubOperator(SQLModel, table=True):
    """An account that operates a hub besides the hub actor's owner (the registry's list)."""

    __tablename__ = "eco_hub_operator"

    hub_id: str = Field(primary_key=True, sa_type=sa.String(36))
    account_id: str = Field(primary_key=True, sa_type=sa.String(64))


class EcoHubOperatorList(SQLModel, table=True):
    """The version of the operator list held for a hub (the registry's `version` of it)."""

    __tablename__ = "eco_hub_operator_list"

    hub_id: str = Field(primary_key=True, sa_type=sa.String(36))
    version: int


class EcoPartnership(SQLModel, table=True):
    __tablename__ = "eco_partnership"

    id: str = Field(primary_key=True, sa_type=sa.String(36))
    actor_ids: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    status: str = Field(sa_type=sa.String(20))
    origin: str = Field(sa_type=sa.String(20))
    match_ref: str | None = Field(default=None, sa_type=sa.String(200))
    deleted: bool = False
    version: int


class EcoPartnerPair(SQLModel, table=True):
    """Who is currently a partner of whom (a partnership neither ended nor deleted), both ways."""

    __tablename__ = "eco_partner_pair"

    actor_id: str = Field(primary_key=True, sa_type=sa.String(36))
    partner_id: str = Field(primary_key=True, sa_type=sa.String(36))
    partnership_id: str = Field(primary_key=True, sa_type=sa.String(36), index=True)


class EcoSeverity(SQLModel, table=True):
    __tablename__ = "eco_severity"

    geography: str = Field(primary_key=True, sa_type=sa.String(12))
    theme: str = Field(primary_key=True, sa_type=sa.String(40))
    # The frequency of the indices it comes from: one row per frequency, so that an annual
    # severity that cannot be computed does not hide a monthly one (`weighing_severities`).
    frequency: str = Field(primary_key=True, sa_type=sa.String(10))
    severity: float | None = None
    band: str | None = Field(default=None, sa_type=sa.String(20))
    period: str | None = Field(default=None, sa_type=sa.String(10))
    illustrative: bool = False
    computed_at: datetime = Field(sa_type=UTC_DATETIME)


class EcoThemeIndex(SQLModel, table=True):
    __tablename__ = "eco_theme_index"

    comparison_set: str = Field(primary_key=True, sa_type=sa.String(24))
    geography: str = Field(primary_key=True, sa_type=sa.String(12))
    theme: str = Field(primary_key=True, sa_type=sa.String(40))
    period: str = Field(sa_type=sa.String(10))
    index: float
    illustrative: bool = False
    computed_at: datetime = Field(sa_type=UTC_DATETIME)


class EcoRevision(SQLModel, table=True):
    """One row: bumped by every applied event that changes what scores read, so that a process's
    in-memory scoring matrix knows when to reload."""

    __tablename__ = "eco_revision"

    id: int = Field(default=1, primary_key=True)
    revision: int = 0


READ_MODEL_TABLES: tuple[Any, ...] = (
    EcoActor,
    EcoHubOperator,
    EcoProgramme,
    EcoCohort,
    EcoMembership,
    EcoPartnership,
    EcoPartnerPair,
    EcoSeverity,
    EcoThemeIndex,
)
