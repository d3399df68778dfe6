from __future__ import annotations

from pydantic import BaseModel

from sihub_matching.scoring.schemas import ActorBrief, ScoredPair


class Suggestion(ScoredPair):
    """A candidate partner for the asking actor (the seeker), explained from both sides."""

    actor: ActorBrief


class SuggestionList(BaseModel):
    actor_id: str
    profile_version: str
    read_model_revision: int
    candidates: int
    items: list[Suggestion]
