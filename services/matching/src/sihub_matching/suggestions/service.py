"""Suggestions: one seeker against every live actor at once (scoring/compute.py), minus itself and its
current partners, filtered, the top k by score with ties broken by actor id."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_matching.scoring.compute import ISSUE_AREAS, ActorFacts, combined_scores
from sihub_matching.scoring.profile import DEFAULT_PROFILE, Geography
from sihub_matching.scoring.schemas import ActorBrief
from sihub_matching.scoring.service import explained_pairs, rests_on_illustrative, snapshot
from sihub_matching.suggestions.schemas import Suggestion, SuggestionList
from sihub_shared.errors import NotFound, ProblemError


@dataclass(frozen=True)
class SuggestionFilters:
    country: str | None = None
    sector: str | None = None
    kind: str | None = None
    issue_area: str | None = None
    cross_border: bool = False
    prefer: Geography | None = None


def top_k(scores: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k best scores, best first; equal scores in actor id order, so the answer
    never depends on how the actors happen to be stored."""
    if len(scores) <= k:
        candidates = np.arange(len(scores))
    else:
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        candidates = np.flatnonzero(scores >= threshold)  # ties at the threshold all stay in
    order = np.lexsort((ids[candidates].astype(str), -scores[candidates]))
    return candidates[order][:k]


class SuggestionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def suggest(self, actor_id: str, k: int, filters: SuggestionFilters) -> SuggestionList:
        if filters.issue_area is not None and filters.issue_area not in ISSUE_AREAS:
            raise ProblemError.for_field(
                "issue_area", "not an issue area of the taxonomy", status=422
            )
        held = await snapshot(self.session)
        table, profile = held.actors, DEFAULT_PROFILE.preferring(filters.prefer)
        row = table.row_of.get(actor_id)
        if row is None:
            raise NotFound(
                f"no live actor {actor_id}",
                errors=[{"field": "actor_id", "message": "no such actor, or deleted"}],
            )
        seeker = table.take([row])
        scores = combined_scores(seeker, table, held.severities, profile)[0]
        eligible = np.ones(len(table), dtype=bool)
        eligible[row] = False
        partners = [table.row_of[p] for p in held.partners.get(actor_id, ()) if p in table.row_of]
        eligible[partners] = False
        if filters.country is not None:
            eligible &= table.country == table.code("country", filters.country)
        if filters.sector is not None:
            eligible &= table.sector == table.code("sector", filters.sector)
        if filters.kind is not None:
            eligible &= table.kind == table.code("kind", filters.kind)
        if filters.issue_area is not None:
            eligible &= (table.issues & np.uint16(1 << ISSUE_AREAS.index(filters.issue_area))) > 0
        if filters.cross_border:
            eligible &= table.country != table.country[row]
        scores = np.where(eligible, scores, -np.inf)
        best = top_k(scores, table.ids, k)
        best = best[np.isfinite(scores[best])]
        explained = explained_pairs(
            table.take(np.full(len(best), row)), table.take(best), held.severities, profile
        )
        return SuggestionList(
            actor_id=actor_id,
            profile_version=profile.version,
            read_model_revision=held.revision,
            candidates=int(eligible.sum()),
            items=[
                Suggestion(actor=_brief(table.facts[i]), illustrative=rests_on_illustrative(
                    table.facts[row], table.facts[i], held.severities), **pair.model_dump())
                for i, pair in zip(best, explained, strict=True)
            ],
        )


def _brief(facts: ActorFacts) -> ActorBrief:
    return ActorBrief(
        id=facts.id,
        name=facts.name,
        kind=facts.kind,
        sector=facts.sector,
        country=facts.country,
        region=facts.region,
        illustrative=facts.illustrative,
    )
