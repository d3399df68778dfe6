"""Events matching publishes (stream SIHUB_MATCHING, subjects `sihub.matching.<entity>.<verb>`).

- `round.published`: a round's draft became proposals (one summary, with the pairs);
- `match.accepted`: the owners of both actors of a proposal accepted it; the registry makes it a
  partnership (status proposed, origin match, `match_ref` = the proposal id);
- `match.declined`: one owner declined; the pair's capacity is free for a re-run.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from sihub_shared.events.contracts import EventContract


class ProposedPair(BaseModel):
    proposal_id: str
    seeker_id: str
    provider_id: str
    score: float


class RoundPublished(
    EventContract, service="matching", entity="round", verb="published", version=1
):
    """A round's draft was published: each matched pair is now a proposal to both actors' owners."""

    round_id: str
    hub_id: str
    objective: str
    profile_version: str
    publication: int
    proposals: list[ProposedPair]
    illustrative: bool
    published_at: datetime


class MatchAccepted(EventContract, service="matching", entity="match", verb="accepted", version=1):
    """Both actors' owners accepted a proposal. `match_ref` (the proposal id) names the match."""

    match_ref: str
    round_id: str
    hub_id: str
    seeker_id: str
    provider_id: str
    actor_ids: list[str]
    accepted_by: dict[
        str, str
    ]  # actor id → the account that accepted for it (its owner or an admin)
    partnership_type: str
    score: float
    illustrative: bool
    accepted_at: datetime


class MatchDeclined(EventContract, service="matching", entity="match", verb="declined", version=1):
    """An owner declined a proposal; the pair will not be proposed again in this round."""

    match_ref: str
    round_id: str
    hub_id: str
    seeker_id: str
    provider_id: str
    declined_for: str
    declined_at: datetime
