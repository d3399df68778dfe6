"""How a score is shown: each part with its value, weight and a plain sentence."""

from __future__ import annotations

from pydantic import BaseModel, Field

from sihub_matching.scoring.profile import PartName


class PartPublic(BaseModel):
    name: PartName
    value: float
    weight: float
    sentence: str


class ActorBrief(BaseModel):
    id: str
    name: str
    kind: str
    sector: str
    country: str
    region: str | None
    illustrative: bool = Field(description="the actor is invented (demo) data")


class ScoredPair(BaseModel):
    """`score` combines both sides; each side's parts explain its score from that actor's view."""

    score: float
    seeker_score: float
    provider_score: float
    seeker_parts: list[PartPublic]
    provider_parts: list[PartPublic]
