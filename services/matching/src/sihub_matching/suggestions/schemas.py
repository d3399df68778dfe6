from __future__ import annotations

from pydantic import BaseModel, Field

from sihub_matching.scoring.schemas import ActorBrief, ScoredPair


class Suggestion(ScoredPair):
    """A candidate partner for the asking actor (the seeker), explained from both sides."""

    actor: ActorBrief
    illustrative: bool = Field(
        description="the score rests on invented (demo) data: either actor, or the severity a shared issue "
        "area is weighed by in the seeker's place"
    )


class SuggestionList(BaseModel):
    actor_id: str
    profile_version: str
    read_model_revision: int
    candidates: int
    items: list[Suggestion]
