"""Observations with their whole history, the staging table of an ingest, and the ingest log.

One table holds every revision of every observation: (indicator, geography, period) is the key,
`revision` counts its versions, `recorded_at`/`superseded_at` say when each was current. At most
one revision of a key is current (`superseded_at IS NULL`), which a partial unique index holds.
There is no foreign key to the indicator: the ingest validates codes itself, and bulk inserts of
a million rows are much faster without a per-row trigger; deleting an indicator that still has
observations is refused by the catalogue service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sihub_indicators.catalogue.models import now


class ObservationBase(SQLModel):
    value: float
    estimated: bool = Field(default=False, description="The figure is an estimate")
    provisional: bool = Field(default=False, description="The figure may still be revised by its publisher")
    break_in_series: bool = Field(default=False, description="Not comparable with earlier periods")
    source: str | None = Field(default=None, max_length=500, description="Publication and year the figure comes from")
    illustrative: bool = Field(default=False, description="Made up for a demonstration, not a published figure")


_CURRENT = sa.text("superseded_at IS NULL")


class Observation(ObservationBase, table=True):
    # One current revision per key; led by the comparison set, so that a recompute loads a set
    # by index and the ingest's merge finds current rows by the same index.
    __table_args__ = (
        sa.Index("ix_observation_current", "comparison_set", "frequency", "indicator_code", "geography", "period",
                 unique=True, postgresql_where=_CURRENT, sqlite_where=_CURRENT),
    )

    indicator_code: str = Field(primary_key=True, max_length=80)
    geography: str = Field(primary_key=True, max_length=12)
    period: str = Field(primary_key=True, max_length=7)
    revision: int = Field(primary_key=True)
    # Both follow from geography and period; stored so that a comparison set loads by index.
    comparison_set: str = Field(max_length=24)
    frequency: str = Field(max_length=10)
    recorded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    superseded_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    ingest_id: str = Field(max_length=36, index=True)  # who wrote it: the ingest names the account
    superseded_by: str | None = Field(default=None, max_length=36)


# The rows of the ingest in progress, before they are merged into `observation`. A permanent
# (on PostgreSQL UNLOGGED) table rather than a temporary one: no DDL per ingest, so no cached
# statement plans go stale; ingests are serialised and the table is emptied before each commits.
STAGING_COLUMNS = (
    "row_number", "indicator_code", "geography", "period", "comparison_set", "frequency",
    "value", "estimated", "provisional", "break_in_series", "source", "illustrative",
)
observation_staging = sa.Table(
    "observation_staging",
    SQLModel.metadata,
    sa.Column("row_number", sa.BigInteger, nullable=False),
    sa.Column("indicator_code", sa.String(80), nullable=False),
    sa.Column("geography", sa.String(12), nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("comparison_set", sa.String(24), nullable=False),
    sa.Column("frequency", sa.String(10), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("estimated", sa.Boolean, nullable=False),
    sa.Column("provisional", sa.Boolean, nullable=False),
    sa.Column("break_in_series", sa.Boolean, nullable=False),
    sa.Column("source", sa.String(500), nullable=True),
    sa.Column("illustrative", sa.Boolean, nullable=False),
    # Set by the merge (not staged): the revision the row will get, 0 when equal to the current one.
    sa.Column("revision", sa.Integer, nullable=True),
)


class Ingest(SQLModel, table=True):
    """One successful ingest that changed something (a no-op re-ingest leaves no row)."""

    id: str = Field(primary_key=True, max_length=36)
    account_id: str = Field(max_length=36, index=True)
    organisation: str = Field(max_length=200)
    format: str = Field(max_length=10)
    sha256: str = Field(max_length=64)
    rows: int
    inserted: int
    revised: int
    unchanged: int
    skipped: int
    created_at: datetime = Field(default_factory=now, sa_type=sa.DateTime(timezone=True), index=True)
    summary: dict[str, Any] = Field(sa_type=sa.JSON)
