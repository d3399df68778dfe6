"""Round tables: the round (its settings, and where its run and publication stand), its latest
draft (the exact inputs and the result, kept for the audit export), and the proposals it published."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sihub_shared.timestamps import UTCDateTime


class MatchRound(SQLModel, table=True):
    __tablename__ = "match_round"

    id: str = Field(primary_key=True, sa_type=sa.String(36))
    hub_id: str = Field(sa_type=sa.String(36), index=True)
    name: str = Field(sa_type=sa.String(200))
    objective: str = Field(sa_type=sa.String(20))
    proposer: str = Field(sa_type=sa.String(20))
    seekers: dict[str, Any] = Field(sa_type=sa.JSON)
    providers: dict[str, Any] = Field(sa_type=sa.JSON)
    capacity: int
    capacities: dict[str, int] = Field(default_factory=dict, sa_type=sa.JSON)
    max_matches: int
    min_score: float
    weights: dict[str, float] = Field(default_factory=dict, sa_type=sa.JSON)
    prefer: str | None = Field(default=None, sa_type=sa.String(20))
    must_pairs: list[list[str]] = Field(default_factory=list, sa_type=sa.JSON)
    forbidden_pairs: list[list[str]] = Field(default_factory=list, sa_type=sa.JSON)
    illustrative: bool = False
    run_state: str = Field(default="idle", sa_type=sa.String(20))
    progress: float = 0.0
    # While running in the background: renewed by the run; lapsed, the run's process is gone.
    run_lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    drafts: int = 0
    published_draft: int = 0
    publications: int = 0
    created_by: str = Field(sa_type=sa.String(64))
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class MatchDraft(SQLModel, table=True):
    """The latest run of a round: `inputs` is exactly what the solver saw (the audit export),
    `result` the assignment and its diagnostics."""

    __tablename__ = "match_draft"

    round_id: str = Field(primary_key=True, sa_type=sa.String(36))
    number: int
    inputs: dict[str, Any] = Field(sa_type=sa.JSON)
    result: dict[str, Any] = Field(sa_type=sa.JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)


class MatchProposal(SQLModel, table=True):
    __tablename__ = "match_proposal"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "seeker_id", "provider_id", name="uq_match_proposal_pair"),
        sa.Index("ix_match_proposal_seeker", "seeker_id"),
        sa.Index("ix_match_proposal_provider", "provider_id"),
    )

    id: str = Field(primary_key=True, sa_type=sa.String(36))
    round_id: str = Field(sa_type=sa.String(36), index=True)
    hub_id: str = Field(sa_type=sa.String(36))
    publication: int
    seeker_id: str = Field(sa_type=sa.String(36))
    provider_id: str = Field(sa_type=sa.String(36))
    score: float
    seeker_score: float
    provider_score: float
    partnership_type: str = Field(sa_type=sa.String(20))
    status: str = Field(default="open", sa_type=sa.String(20))
    seeker_decision: str | None = Field(default=None, sa_type=sa.String(20))
    provider_decision: str | None = Field(default=None, sa_type=sa.String(20))
    seeker_decided_by: str | None = Field(default=None, sa_type=sa.String(64))
    provider_decided_by: str | None = Field(default=None, sa_type=sa.String(64))
    illustrative: bool = False
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
