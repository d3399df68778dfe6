"""The scoring snapshot: the read model's live actors and severities as arrays (scoring/compute.py)
and who is currently whose partner, held per process and reloaded only when the read model's
revision moved (every actor, partnership and severity event moves it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_matching.ecosystem.models import EcoActor
from sihub_matching.ecosystem.repository import EcosystemRepository
from sihub_matching.ecosystem.service import weighing_severities
from sihub_matching.scoring.compute import (
    ActorFacts,
    ActorTable,
    Part,
    Severities,
    explain_side,
    score_pairs,
)
from sihub_matching.scoring.profile import Profile
from sihub_matching.scoring.schemas import PartPublic, ScoredPair


def facts_of(actor: EcoActor) -> ActorFacts:
    return ActorFacts(
        id=actor.id,
        name=actor.name,
        kind=actor.kind,
        sector=actor.sector,
        country=actor.country,
        region=actor.region,
        issue_areas=tuple(actor.issue_areas),
        offers=tuple(actor.offers),
        needs=tuple(actor.needs),
        illustrative=actor.illustrative,
    )


@dataclass(frozen=True)
class Snapshot:
    revision: int
    actors: ActorTable
    severities: Severities
    partners: dict[str, set[str]]


_snapshots: dict[str, Snapshot] = {}


async def _actors(repository: EcosystemRepository, held: Snapshot | None) -> ActorTable:
    """The held table patched with the actors changed since its revision, or, when many changed
    (or the read model was rebuilt, which the live count shows), all of them loaded again."""
    if held is not None:
        most = max(1_000, len(held.actors) // 10)
        changed = await repository.actors_changed_since(held.revision, most + 1)
        if len(changed) <= most:
            table = held.actors.updated(
                [facts_of(a) for a in changed if not a.deleted], {a.id for a in changed}
            )
            if len(table) == await repository.count(EcoActor, col(EcoActor.deleted).is_(False)):
                return table
    return ActorTable.build(facts_of(a) for a in await repository.live_actors())


async def snapshot(session: AsyncSession) -> Snapshot:
    """The live actors and severities at the read model's current revision (cached per database)."""
    repository = EcosystemRepository(session)
    revision = await repository.revision()
    key = str(session.bind.url)
    held = _snapshots.get(key)
    if held is not None and held.revision == revision:
        return held
    actors = await _actors(repository, held)
    weighing = weighing_severities(await repository.severities())
    severities = Severities(
        {place: (s.severity, s.band) for place, s in weighing.items()},
        illustrative=[place for place, s in weighing.items() if s.illustrative],
    )
    partners: dict[str, set[str]] = {}
    for actor_id, partner_id in await repository.all_partner_pairs():
        partners.setdefault(actor_id, set()).add(partner_id)
    held = Snapshot(revision=revision, actors=actors, severities=severities, partners=partners)
    _snapshots[key] = held
    return held


def rests_on_illustrative(seeker: ActorFacts, provider: ActorFacts, severities: Severities) -> bool:
    """Whether a pair's score rests on invented (demo) data: either actor, or the severity a shared
    issue area is weighed by in the seeker's place (what `part_values` weighs)."""
    shared = set(seeker.issue_areas) & set(provider.issue_areas)
    return (seeker.illustrative or provider.illustrative
            or severities.weighs_by_illustrative(seeker.region, seeker.country, shared))


def _public(parts: Sequence[Part]) -> list[PartPublic]:
    return [
        PartPublic(name=p.name, value=p.value, weight=p.weight, sentence=p.sentence) for p in parts
    ]


def explained_pairs(
    seekers: ActorTable, providers: ActorTable, severities: Severities, profile: Profile
) -> list[ScoredPair]:
    """Row i of `seekers` with row i of `providers`, scored and explained (for the pairs shown)."""
    if len(seekers) == 0:
        return []
    scores = score_pairs(seekers, providers, severities, profile, aligned=True)
    pairs = []
    for i, (seeker, provider) in enumerate(zip(seekers.facts, providers.facts, strict=True)):
        seeker_values = {name: values[i] for name, values in scores.seeker_parts.items()}
        provider_values = {name: values[i] for name, values in scores.provider_parts.items()}
        pairs.append(
            ScoredPair(
                score=round(float(scores.score[i]), 6),
                seeker_score=round(float(scores.seeker_score[i]), 6),
                provider_score=round(float(scores.provider_score[i]), 6),
                seeker_parts=_public(
                    explain_side(seeker, provider, seeker, seeker_values, severities, profile)
                ),
                provider_parts=_public(
                    explain_side(provider, seeker, seeker, provider_values, severities, profile)
                ),
            )
        )
    return pairs
