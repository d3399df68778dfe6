"""Actor tables: the actor row (lists as JSON), and two narrow index tables that filters and
text search read: `actor_facet` (issue areas, offers, needs, certifications, identifiers) and
`actor_search_term` (the terms of every name, from `names.search_terms`).

Both index tables are keyed (key, actor_id): for one term or facet value the matching actor ids
come out of the primary key in id order, which is the listing order, so a page needs no sort.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sihub_registry.common.types import UUID, UTCDateTime
from sihub_registry.taxonomy.terms import ActorKind
from sihub_shared.strict import CountryCode, Line, RegionCode, WebAddress

TERM_MAX = 100
FACET_VALUE_MAX = 120


class ActorBase(SQLModel):
    """The scalar part of an actor, shared by what clients send and what they read."""

    kind: ActorKind = Field(description="what kind of organisation; implies its sector")
    country: CountryCode = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2, e.g. KR")
    region: RegionCode | None = Field(
        default=None, min_length=4, max_length=6, description="ISO 3166-2 code under `country`, e.g. KR-26"
    )
    locality: Line | None = Field(default=None, min_length=1, max_length=200, description="city, district, ...")
    founded_year: int | None = Field(default=None, ge=1800, le=2100)
    website: WebAddress | None = Field(default=None, min_length=4, max_length=500)
    illustrative: bool = Field(default=False, description="true for invented (demo) records")


class Actor(ActorBase, table=True):
    __tablename__ = "actor"
    __table_args__ = (
        sa.Index("ix_actor_country_id", "country", "id"),
        sa.Index("ix_actor_region_id", "region", "id"),
        sa.Index("ix_actor_kind_id", "kind", "id"),
        sa.Index("ix_actor_sector_id", "sector", "id"),
        sa.Index("ix_actor_updated_at_id", "updated_at", "id"),
        sa.Index("ix_actor_owner_account_id", "owner_account_id"),
    )

    id: str = Field(primary_key=True, sa_type=UUID)
    ref: str | None = Field(default=None, sa_type=sa.String(200), unique=True)
    owner_account_id: str = Field(sa_type=sa.String(64))
    kind: str = Field(sa_type=sa.String(40))  # type: ignore[assignment]
    sector: str = Field(sa_type=sa.String(20))
    country: str = Field(sa_type=sa.String(2))
    region: str | None = Field(default=None, sa_type=sa.String(6))
    locality: str | None = Field(default=None, sa_type=sa.String(200))
    website: str | None = Field(default=None, sa_type=sa.String(500))
    names: list[dict[str, Any]] = Field(sa_type=sa.JSON)
    descriptions: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    issue_areas: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    offers: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    needs: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    certifications: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    identifiers: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    contacts: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    # Derived from the columns above whenever they are written (formats.export_cells): the CSV export's cells.
    export_cells: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ActorSearchTerm(SQLModel, table=True):
    __tablename__ = "actor_search_term"
    # (actor_id, term): checking whether an actor has a term reads the index alone (migration 0003)
    __table_args__ = (sa.Index("ix_actor_search_term_actor_id_term", "actor_id", "term"),)

    term: str = Field(primary_key=True, sa_type=sa.String(TERM_MAX))
    actor_id: str = Field(primary_key=True, sa_type=UUID)


class ActorFacet(SQLModel, table=True):
    """One row per (facet, value) an actor has: issue_area, offer, need, certification
    (scheme code), identifier (`SCHEME:VALUE`), name_lang and description_lang (the languages it
    has a name or a description in: an export's columns; a second name in a language is also
    `lang#2`, and so on, `formats.name_columns`)."""

    __tablename__ = "actor_facet"
    __table_args__ = (sa.Index("ix_actor_facet_actor_id", "actor_id"),)

    facet: str = Field(primary_key=True, sa_type=sa.String(20))
    value: str = Field(primary_key=True, sa_type=sa.String(FACET_VALUE_MAX))
    actor_id: str = Field(primary_key=True, sa_type=UUID)
