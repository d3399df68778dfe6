"""Round rules. A round belongs to a hub; its operators (the account owning the hub actor and the
accounts the registry lists as operators, both from its events) and admins create, change, run and publish it. Running it resolves the
seekers (a cohort or listed actors) and providers (listed or filtered), scores every pair from the
read model, solves, and keeps the draft with its exact inputs (the audit export). Publishing turns
the draft's pairs into proposals; the owners of both actors accept or decline; both accepting emits
`match.accepted`, which the registry turns into a partnership. A re-run after a publication keeps
open and accepted proposals as must pairs and never proposes a declined pair again.

Every refusal names the field, and nothing is written unless everything is valid."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlmodel.ext.asyncio.session import AsyncSession
from structlog import get_logger

from sihub_matching.ecosystem.models import EcoActor
from sihub_matching.ecosystem.repository import EcosystemRepository
from sihub_matching.events.contracts import (
    MatchAccepted,
    MatchDeclined,
    ProposedPair,
    RoundPublished,
)
from sihub_matching.rounds.diagnostics import diagnose
from sihub_matching.rounds.models import MatchDraft, MatchProposal, MatchRound
from sihub_matching.rounds.repository import RoundRepository
from sihub_matching.rounds.schemas import RoundCreate, RoundExport, RoundSettings, RoundUpdate
from sihub_matching.scoring.compute import (
    ISSUE_AREAS,
    ActorFacts,
    ActorTable,
    Severities,
    score_pairs,
)
from sihub_matching.scoring.profile import DEFAULT_PROFILE, Geography, PartName
from sihub_matching.rounds.solvers import Instance, Objective, Proposer, as_pairs, solve
from sihub_matching.scoring.service import rests_on_illustrative, snapshot
from sihub_shared.concurrency import check_if_match
from sihub_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ProblemError,
    Problems,
    ReferenceConflict,
    UnprocessableContent,
)
from sihub_shared.events.outbox import record
from sihub_shared.identity import Identity
from sihub_shared.workers import lease_lapsed, lease_until

log = get_logger(__name__)
HUB_KIND = "hub_intermediary"
# What a match is about, from the first of the seeker's needs the provider offers (else co-delivery).
PARTNERSHIP_TYPE_OF_NEED = (
    ("funding", "funding"),
    ("investment_readiness", "investment"),
    ("mentoring", "mentoring"),
    ("space", "space"),
    ("market_access_procurement", "procurement"),
    ("research", "research"),
    ("data", "research"),
    ("policy_support", "policy"),
)


def now() -> datetime:
    return datetime.now(UTC)


def _ensure_not_running(row: MatchRound) -> None:
    if row.run_state == "running":
        raise Conflict(
            "the round is already running", errors=[{"field": "run_state", "message": "running"}]
        )


def partnership_type(seeker: ActorFacts, provider: ActorFacts) -> str:
    met = set(seeker.needs) & set(provider.offers)
    return next((kind for need, kind in PARTNERSHIP_TYPE_OF_NEED if need in met), "co_delivery")


@dataclass(frozen=True)
class RunInputs:
    """Everything a run computes on, read from the database in one go."""

    objective: Objective
    proposer: Proposer
    seekers: list[ActorFacts]
    providers: list[ActorFacts]
    max_matches: int
    capacities: list[int]
    min_score: float
    weights: dict[str, float]
    prefer: Geography | None
    must: set[tuple[str, str]]
    forbidden: set[tuple[str, str]]
    partners: set[tuple[str, str]]
    severities: Severities
    seeker_rows: list[int]
    provider_rows: list[int]
    actors: ActorTable
    settings: dict[str, Any]  # the round's settings the run read (publication checks they still hold)


@dataclass(frozen=True)
class RunOutput:
    inputs: dict[str, Any]
    result: dict[str, Any]


def build_instance(run: RunInputs) -> Instance:
    profile = DEFAULT_PROFILE.with_weights(
        {PartName(k): v for k, v in run.weights.items()}
    ).preferring(run.prefer)
    scores = score_pairs(
        run.actors.take(run.seeker_rows),
        run.actors.take(run.provider_rows),
        run.severities,
        profile,
    )
    seeker_at = {f.id: i for i, f in enumerate(run.seekers)}
    provider_at = {f.id: j for j, f in enumerate(run.providers)}
    shape = (len(run.seekers), len(run.providers))

    def matrix(pairs: set[tuple[str, str]]) -> np.ndarray:
        result = np.zeros(shape, dtype=bool)
        cells = [
            (seeker_at[s], provider_at[p]) for s, p in pairs if s in seeker_at and p in provider_at
        ]
        if cells:
            rows, cols = zip(*cells, strict=True)
            result[list(rows), list(cols)] = True
        return result

    must = matrix(run.must)
    # The solver works on the scores as the audit export shows them (6 decimals), so that an
    # offline re-check of the export finds exactly the same optimum.
    score, seeker_score, provider_score = (
        np.round(s, 6) for s in (scores.score, scores.seeker_score, scores.provider_score)
    )
    eligible = (score >= run.min_score) & ~matrix(run.forbidden) & ~matrix(run.partners)
    return Instance(
        score=score,
        seeker_score=seeker_score,
        provider_score=provider_score,
        eligible=eligible | must,
        must=must,
        max_matches=np.full(shape[0], run.max_matches),
        capacity=np.array(run.capacities, dtype=np.int64),
    )


def solve_and_record(run: RunInputs, instance: Instance) -> RunOutput:
    assignment = solve(instance, run.objective, run.proposer)
    seeker_ids = [f.id for f in run.seekers]
    provider_ids = [f.id for f in run.providers]
    options = instance.eligible | instance.must
    pairs = [
        {
            "seeker": seeker_ids[i],
            "provider": provider_ids[j],
            "score": float(instance.score[i, j]),
            "seeker_score": float(instance.seeker_score[i, j]),
            "provider_score": float(instance.provider_score[i, j]),
            "must": bool(instance.must[i, j]),
        }
        for i, j in as_pairs(options)
    ]
    chosen = [
        {"seeker": seeker_ids[i], "provider": provider_ids[j]} for i, j in as_pairs(assignment)
    ]
    inputs = {
        "objective": run.objective.value,
        "seekers": [{"actor_id": a, "max_matches": run.max_matches} for a in seeker_ids],
        "providers": [
            {"actor_id": a, "capacity": c}
            for a, c in zip(provider_ids, run.capacities, strict=True)
        ],
        "pairs": pairs,
        "assignment": chosen,
    }
    scored = {(p["seeker"], p["provider"]): p for p in pairs}
    result = {
        "profile_version": DEFAULT_PROFILE.version,
        "weights": run.weights,
        "prefer": (run.prefer or DEFAULT_PROFILE.prefer).value,
        "settings": run.settings,
        **diagnose(instance, assignment, run.objective, run.proposer, seeker_ids, provider_ids),
        # Whether a pair's score rests on invented data is decided with the severities the score
        # read, so that a proposal published later says what this run weighed.
        "assignment": [
            {
                **scored[(seeker_ids[i], provider_ids[j])],
                "illustrative": rests_on_illustrative(
                    run.seekers[i], run.providers[j], run.severities
                ),
            }
            for i, j in as_pairs(assignment)
        ],
    }
    return RunOutput(inputs=inputs, result=result)


class RoundService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = RoundRepository(session)
        self.ecosystem = EcosystemRepository(session)

    # --- access --------------------------------------------------------------------------------

    async def _hub(self, hub_id: str) -> EcoActor:
        hub = (await self.ecosystem.actors([hub_id])).get(hub_id)
        if hub is None or hub.deleted or hub.kind != HUB_KIND:
            raise ReferenceConflict.for_field(
                "hub_id", "no live hub (an actor of kind hub_intermediary) with this id"
            )
        return hub

    async def _ensure_operator(self, identity: Identity, hub: EcoActor | None, hub_id: str) -> None:
        """Admins, the hub actor's owner and the accounts the registry lists as its operators."""
        if identity.is_admin or (hub is not None and hub.owner_account_id == identity.account_id):
            return
        if not await self.ecosystem.is_operator(hub_id, identity.account_id):
            raise Forbidden(
                "only the hub's operators (and admins) manage its rounds",
                errors=[{"field": "hub_id", "message": "you do not operate this hub"}],
            )

    async def get(self, round_id: str, *, for_update: bool = False) -> MatchRound:
        row = await self.repository.get(round_id, for_update=for_update)
        if row is None:
            raise NotFound(
                f"no round {round_id}", errors=[{"field": "round_id", "message": "no such round"}]
            )
        return await self._settled(row)

    async def _settled(self, row: MatchRound) -> MatchRound:
        """A background run whose lease lapsed stopped with its process: the round failed. Only
        while it still reads so (a conditional update): a run that has just stored its draft wins."""
        if row.run_state == "running" and lease_lapsed(row.run_lease_until):
            if await self.repository.fail_lapsed_run(row.id, now()):
                log.warning("round run lost with its process", round_id=row.id, lease_until=row.run_lease_until)
            await self.session.refresh(row)
        return row

    async def _operated(
        self, identity: Identity, round_id: str, *, for_update: bool = True
    ) -> MatchRound:
        """The round, to change, run or publish: by its hub's operators, while the hub is live (a
        deleted hub's round stays readable, but no longer proposes matches in its name)."""
        row = await self.get(round_id, for_update=for_update)
        hub = (await self.ecosystem.actors([row.hub_id])).get(row.hub_id)
        await self._ensure_operator(identity, hub, row.hub_id)
        if hub is None or hub.deleted:
            raise ReferenceConflict.for_field("hub_id", "the round's hub has been deleted from the registry")
        return row

    # --- participants and settings -------------------------------------------------------------

    async def _live(
        self, invalid: Problems, missing: Problems, field: str, ids: Sequence[str]
    ) -> dict[str, EcoActor]:
        for actor_id, count in Counter(ids).items():  # the schema says uniqueItems; this names the repeat
            if count > 1:
                invalid.add(field, f"{actor_id} is listed {count} times")
        actors = await self.ecosystem.actors(ids)
        for actor_id in dict.fromkeys(ids):
            if actor_id not in actors:
                missing.add(field, f"{actor_id}: no such actor")
            elif actors[actor_id].deleted:
                missing.add(field, f"{actor_id}: the actor is deleted")
        return actors

    async def participants(
        self,
        hub_id: str,
        seekers: dict[str, Any],
        providers: dict[str, Any],
        filtered: Sequence[str],
    ) -> tuple[list[str], list[str]]:
        """(seekers, providers), sorted; `filtered` are the live actors the provider filter admits.
        A body breaking a rule is a 422; then participants that are not there now (actors unknown
        or deleted, a cohort not of this hub or without live members, no provider the filter
        admits) are a 409, `ReferenceConflict`: the same body may succeed once they are."""
        invalid, missing = Problems(), Problems()
        if seekers.get("cohort_id") is not None:
            cohort = await self.ecosystem.cohort(seekers["cohort_id"])
            if cohort is None or cohort.deleted or cohort.hub_id != hub_id:
                missing.add("seekers.cohort_id", "no live cohort of this hub with this id")
                seeker_ids: list[str] = []
            else:
                members = await self.ecosystem.cohort_members(cohort.id)
                live = await self.ecosystem.actors(members)
                seeker_ids = [a for a in members if a in live and not live[a].deleted]
                if not seeker_ids:
                    missing.add("seekers.cohort_id", "the cohort has no live members")
        else:
            seeker_ids = list(seekers["actor_ids"])
            await self._live(invalid, missing, "seekers.actor_ids", seeker_ids)
        if providers.get("actor_ids") is not None:
            provider_ids = list(providers["actor_ids"])
            await self._live(invalid, missing, "providers.actor_ids", provider_ids)
            for actor_id in sorted(set(provider_ids) & set(seeker_ids)):
                invalid.add("providers.actor_ids", f"{actor_id} is also a seeker")
        else:
            if providers["filter"].get("issue_area") not in (None, *ISSUE_AREAS):
                invalid.add("providers.filter.issue_area", "not an issue area of the taxonomy")
            excluded = set(seeker_ids) | {hub_id}
            provider_ids = [a for a in filtered if a not in excluded]
            if not provider_ids:
                missing.add("providers.filter", "no live actor matches")
        invalid.raise_if_any("the round's participants are not valid")
        missing.raise_if_any("the round's participants are not there", ReferenceConflict)
        return sorted(set(seeker_ids)), sorted(set(provider_ids))

    def check_settings(
        self, settings: RoundSettings, seeker_ids: Sequence[str], provider_ids: Sequence[str],
        error: type[ProblemError] = UnprocessableContent,
    ) -> None:
        """422 for settings a request sends; `error` 409 (ReferenceConflict) for stored settings
        that participants who changed or left no longer fit (a run): the request sent none of it."""
        problems = Problems()
        seekers, providers = set(seeker_ids), set(provider_ids)
        listed: set[str] = set()
        for n, item in enumerate(settings.capacities):
            if item.actor_id not in providers:
                problems.add(f"capacities[{n}].actor_id", "not a provider of this round")
            if item.actor_id in listed:
                problems.add(f"capacities[{n}].actor_id", "listed twice")
            listed.add(item.actor_id)
        seen: dict[tuple[str, str], str] = {}
        for field in ("must_pairs", "forbidden_pairs"):
            for n, pair in enumerate(getattr(settings, field)):
                if pair.seeker not in seekers:
                    problems.add(f"{field}[{n}].seeker", "not a seeker of this round")
                if pair.provider not in providers:
                    problems.add(f"{field}[{n}].provider", "not a provider of this round")
                key = (pair.seeker, pair.provider)
                if key in seen:
                    problems.add(
                        f"{field}[{n}]",
                        "both must and forbidden" if seen[key] != field else "listed twice",
                    )
                seen[key] = field
        musts = [(p.seeker, p.provider) for p in settings.must_pairs]
        for side, actor_id, count, limit, _ in _beyond_limits(settings, musts, providers):
            beyond = "its capacity" if side == "provider" else "max_matches"
            problems.add("must_pairs", f"{side} {actor_id} has {count} must pairs, beyond {beyond} {limit}")
        for name, message in DEFAULT_PROFILE.out_of_bounds(dict(settings.weights)):
            problems.add(f"weights.{name}", message)
        problems.raise_if_any("the round's settings are not valid", error)

    @staticmethod
    def check_published(settings: RoundSettings, seeker_ids: Sequence[str], provider_ids: Sequence[str],
                        proposals: Sequence[MatchProposal]) -> None:
        """409 for settings that the proposals of published drafts rule out. A re-run keeps every
        open or accepted proposal and never proposes a declined pair again, so lowering a capacity
        or max_matches below what they hold, forbidding a proposed pair or pinning a declined one
        would give a draft that breaks the settings it reports."""
        seekers, providers = set(seeker_ids), set(provider_ids)
        proposed = {(x.seeker_id, x.provider_id) for x in proposals
                    if x.status != "declined" and x.seeker_id in seekers and x.provider_id in providers}
        declined = {(x.seeker_id, x.provider_id) for x in proposals if x.status == "declined"}
        problems = Problems()
        for field, refused, why in (("forbidden_pairs", proposed, "proposed by a published draft: it stays"),
                                    ("must_pairs", declined, "declined by an owner: it is not proposed again")):
            for n, pair in enumerate(getattr(settings, field)):
                if (pair.seeker, pair.provider) in refused:
                    problems.add(f"{field}[{n}]", why)
        held = proposed | {(p.seeker, p.provider) for p in settings.must_pairs}
        for side, actor_id, count, limit, field in _beyond_limits(settings, held, providers):
            beyond = "capacity" if side == "provider" else "max_matches"
            problems.add(field, f"{side} {actor_id} holds {count} proposed or must pairs, beyond {beyond} {limit}")
        problems.raise_if_any("the round's settings rule out proposals it has published", Conflict)

    async def _resolve(
        self, hub_id: str, seekers: dict[str, Any], providers: dict[str, Any]
    ) -> tuple[list[str], list[str]]:
        filtered: list[str] = []
        if providers.get("filter") is not None:
            held = await snapshot(self.session)
            spec, table = providers["filter"], held.actors
            keep = np.ones(len(table), dtype=bool)
            for column in ("country", "sector", "kind"):
                if spec.get(column) is not None:
                    keep &= getattr(table, column) == table.code(column, spec[column])
            if spec.get("issue_area") in ISSUE_AREAS:
                keep &= (table.issues & np.uint16(1 << ISSUE_AREAS.index(spec["issue_area"]))) > 0
            filtered = [str(i) for i in table.ids[keep]]
        return await self.participants(hub_id, seekers, providers, filtered)

    # --- rounds --------------------------------------------------------------------------------

    async def create(self, identity: Identity, data: RoundCreate) -> MatchRound:
        hub = await self._hub(data.hub_id)
        await self._ensure_operator(identity, hub, hub.id)
        seekers, providers = data.seekers.model_dump(), data.providers.model_dump()
        seeker_ids, provider_ids = await self._resolve(hub.id, seekers, providers)
        self.check_settings(data, seeker_ids, provider_ids)
        moment = now()
        row = MatchRound(
            id=_new_id(),
            hub_id=hub.id,
            name=data.name,
            seekers=seekers,
            providers=providers,
            created_by=identity.account_id,
            created_at=moment,
            updated_at=moment,
            illustrative=data.illustrative,
            **_settings_columns(data),
        )
        self.repository.add(row)
        return row

    async def update(
        self, identity: Identity, round_id: str, data: RoundUpdate, if_match: str | None
    ) -> MatchRound:
        row = await self._operated(identity, round_id)
        check_if_match(if_match, row.version)
        changes = {name: getattr(data, name) for name in data.model_fields_set}
        if row.run_state == "running":
            raise Conflict(
                "the round is running",
                errors=[{"field": "run_state", "message": "wait for the run to end"}],
            )
        merged = RoundSettings.model_validate(
            _settings_of(row) | {k: v for k, v in changes.items() if k != "name"}
        )
        seeker_ids, provider_ids = await self._resolve(row.hub_id, row.seekers, row.providers)
        self.check_settings(merged, seeker_ids, provider_ids)
        self.check_published(merged, seeker_ids, provider_ids, await self.repository.proposals_of_round(row.id))
        before = (_settings_of(row), row.name)
        row.sqlmodel_update(_settings_columns(merged))
        if "name" in changes:
            row.name = changes["name"]
        if (_settings_of(row), row.name) == before:
            return row  # nothing changed: same version, same ETag
        row.version += 1
        row.updated_at = now()
        self.repository.add(row)
        return row

    async def start_run(
        self, identity: Identity, round_id: str, background_cells: int, lease_s: float
    ) -> tuple[MatchRound, bool]:
        """Checks and either runs now (False) or marks the round running for the background (True).
        The checks and a run in the request read the round plainly; it is read for update (on
        SQLite: the write turn) only to write, so that other writers need not wait out the solver."""
        row = await self._operated(identity, round_id, for_update=False)
        _ensure_not_running(row)
        seeker_ids, provider_ids = await self._resolve(row.hub_id, row.seekers, row.providers)
        settings = RoundSettings.model_validate(_settings_of(row))
        self.check_settings(settings, seeker_ids, provider_ids, ReferenceConflict)
        # Again here for rounds whose settings changed before the PATCH checked this.
        self.check_published(settings, seeker_ids, provider_ids, await self.repository.proposals_of_round(row.id))
        if len(seeker_ids) * len(provider_ids) > background_cells:
            row = await self.get(round_id, for_update=True)
            _ensure_not_running(row)
            row.run_state, row.progress, row.updated_at = "running", 0.0, now()
            row.run_lease_until = lease_until(lease_s)
            self.repository.add(row)
            return row, True
        run = await self.prepare(row)
        output = solve_and_record(run, build_instance(run))
        row = await self.get(round_id, for_update=True)
        _ensure_not_running(row)  # a background run started meanwhile
        await self.store(row, output)
        return row, False

    async def prepare(self, row: MatchRound) -> RunInputs:
        seeker_ids, provider_ids = await self._resolve(row.hub_id, row.seekers, row.providers)
        held = await snapshot(self.session)
        for field, ids in (("seekers", seeker_ids), ("providers", provider_ids)):
            gone = [a for a in ids if a not in held.actors.row_of]
            if gone:  # deleted between the two reads (the read model applied an event meanwhile)
                raise ReferenceConflict.for_field(field, f"no longer live: {', '.join(gone)}; run again")
        proposals = await self.repository.proposals_of_round(row.id)
        return RunInputs(
            objective=Objective(row.objective),
            proposer=Proposer(row.proposer),
            seekers=[held.actors.facts[held.actors.row_of[a]] for a in seeker_ids],
            providers=[held.actors.facts[held.actors.row_of[a]] for a in provider_ids],
            max_matches=row.max_matches,
            capacities=[row.capacities.get(p, row.capacity) for p in provider_ids],
            min_score=row.min_score,
            weights=dict(row.weights),
            prefer=Geography(row.prefer) if row.prefer else None,
            must={(s, p) for s, p in row.must_pairs}
            | {(x.seeker_id, x.provider_id) for x in proposals if x.status != "declined"},
            forbidden={(s, p) for s, p in row.forbidden_pairs}
            | {(x.seeker_id, x.provider_id) for x in proposals if x.status == "declined"},
            partners=await self.ecosystem.partner_pairs(seeker_ids),
            severities=held.severities,
            actors=held.actors,
            seeker_rows=[held.actors.row_of[a] for a in seeker_ids],
            provider_rows=[held.actors.row_of[a] for a in provider_ids],
            settings=_settings_of(row),
        )

    async def store(self, row: MatchRound, output: RunOutput) -> None:
        """The run's draft replaces the previous one; the round counts it."""
        row.drafts += 1
        row.run_state, row.progress, row.updated_at = "done", 1.0, now()
        row.run_lease_until = None
        row.version += 1
        self.repository.add(row)
        draft = await self.repository.draft(row.id) or MatchDraft(
            round_id=row.id, number=0, inputs={}, result={}, created_at=now()
        )
        draft.sqlmodel_update(
            {
                "number": row.drafts,
                "inputs": output.inputs,
                "result": output.result,
                "created_at": now(),
            }
        )
        self.repository.add(draft)

    async def set_progress(self, round_id: str, progress: float, state: str = "running") -> None:
        row = await self.get(round_id)
        row.progress, row.run_state = progress, state
        if state != "running":
            row.run_lease_until = None
        self.repository.add(row)

    async def renew_lease(self, round_id: str, until: datetime) -> None:
        row = await self.repository.get(round_id)
        if row is not None and row.run_state == "running":
            row.run_lease_until = until
            self.repository.add(row)

    async def of_hub(self, hub_id: str, after: str | None, limit: int) -> Sequence[MatchRound]:
        if hub_id not in await self.ecosystem.actors([hub_id]):  # a deleted hub keeps its rounds
            raise NotFound.for_field("hub_id", f"no actor {hub_id} is known")
        return [await self._settled(row) for row in await self.repository.of_hub(hub_id, after, limit)]

    async def draft(self, round_id: str) -> MatchDraft | None:
        return await self.repository.draft(round_id)

    async def export(self, round_id: str) -> RoundExport:
        await self.get(round_id)
        draft = await self.repository.draft(round_id)
        if draft is None:
            raise Conflict(
                "the round has not run yet",
                errors=[{"field": "drafts", "message": "run the round first"}],
            )
        return RoundExport.model_validate(draft.inputs)

    async def publish(self, identity: Identity, round_id: str) -> MatchRound:
        row = await self._operated(identity, round_id)
        draft = await self.repository.draft(round_id)
        if draft is None or row.run_state == "running":
            raise Conflict(
                "nothing to publish", errors=[{"field": "drafts", "message": "run the round first"}]
            )
        if row.published_draft == row.drafts:
            raise Conflict(
                "this draft is already published",
                errors=[
                    {
                        "field": "published_draft",
                        "message": f"draft {row.drafts} is already published; re-run first",
                    }
                ],
            )
        settings = _as_json(_settings_of(row))
        if draft.result.get("settings", settings) != settings:  # a draft from before drafts said
            raise Conflict(
                "the round's settings changed since its run",
                errors=[{"field": "drafts", "message": f"draft {row.drafts} was run with other settings; run again"}],
            )
        held = await snapshot(self.session)
        gone = {a for pair in draft.result["assignment"] for a in (pair["seeker"], pair["provider"])
                if a not in held.actors.row_of}
        if row.seekers.get("cohort_id") is not None:  # a member who left, or declined being listed
            members = set(await self.ecosystem.cohort_members(row.seekers["cohort_id"]))
            gone |= {pair["seeker"] for pair in draft.result["assignment"] if pair["seeker"] not in members}
        if gone:
            raise Conflict(
                "actors of the draft were deleted, or left its cohort, since its run",
                errors=[{"field": "drafts", "message": f"no longer taking part: {', '.join(sorted(gone))}; run again"}],
            )
        existing = {
            (p.seeker_id, p.provider_id) for p in await self.repository.proposals_of_round(round_id)
        }
        row.publications += 1
        row.published_draft = row.drafts
        moment = now()
        created = []
        # A proposal between actors made up for a demonstration, or weighed by a severity computed from
        # invented data, is illustrative, whatever the round says.
        for pair in draft.result["assignment"]:
            if (pair["seeker"], pair["provider"]) in existing:
                continue
            seeker, provider = (held.actors.facts[held.actors.row_of[a]] for a in (pair["seeker"], pair["provider"]))
            # A draft stored before drafts said so is judged by the severities held now.
            weighed_invented = pair.get("illustrative")
            if weighed_invented is None:
                weighed_invented = rests_on_illustrative(seeker, provider, held.severities)
            proposal = MatchProposal(
                id=_new_id(),
                round_id=row.id,
                hub_id=row.hub_id,
                publication=row.publications,
                seeker_id=pair["seeker"],
                provider_id=pair["provider"],
                score=pair["score"],
                seeker_score=pair["seeker_score"],
                provider_score=pair["provider_score"],
                partnership_type=partnership_type(seeker, provider),
                illustrative=row.illustrative or seeker.illustrative or provider.illustrative or weighed_invented,
                created_at=moment,
                updated_at=moment,
            )
            self.repository.add(proposal)
            created.append(proposal)
        row.version += 1
        row.updated_at = moment
        self.repository.add(row)
        record(
            self.session,
            RoundPublished(
                round_id=row.id,
                hub_id=row.hub_id,
                objective=row.objective,
                profile_version=DEFAULT_PROFILE.version,
                publication=row.publications,
                illustrative=row.illustrative or any(p.illustrative for p in created),
                published_at=moment,
                proposals=[
                    ProposedPair(
                        proposal_id=p.id,
                        seeker_id=p.seeker_id,
                        provider_id=p.provider_id,
                        score=p.score,
                    )
                    for p in created
                ],
            ),
            subject=row.id,
        )
        return row

    # --- proposals -----------------------------------------------------------------------------

    async def proposals(self, round_id: str) -> Sequence[MatchProposal]:
        await self.get(round_id)
        return await self.repository.proposals_of_round(round_id)

    async def proposals_of_actor(
        self, identity: Identity, actor_id: str
    ) -> Sequence[MatchProposal]:
        await self._ensure_owner(identity, actor_id)
        return await self.repository.proposals_of_actor(actor_id)

    async def _ensure_owner(self, identity: Identity, actor_id: str) -> None:
        actor = (await self.ecosystem.actors([actor_id])).get(actor_id)
        if actor is None:
            raise NotFound(
                f"no actor {actor_id}", errors=[{"field": "actor_id", "message": "no such actor"}]
            )
        if not (identity.is_admin or actor.owner_account_id == identity.account_id):
            raise Forbidden(
                "only the actor's owner (or an admin) decides for it",
                errors=[{"field": "actor_id", "message": "you do not own this actor"}],
            )

    async def decide(
        self, identity: Identity, proposal_id: str, actor_id: str, decision: str
    ) -> MatchProposal:
        proposal = await self.repository.proposal(proposal_id, for_update=True)
        if proposal is None:
            raise NotFound(
                f"no proposal {proposal_id}",
                errors=[{"field": "proposal_id", "message": "no such proposal"}],
            )
        if actor_id not in (proposal.seeker_id, proposal.provider_id):
            raise ReferenceConflict.for_field("actor_id", "not one of the proposal's two actors")
        await self._ensure_owner(identity, actor_id)
        if proposal.status != "open":
            raise Conflict(
                f"the proposal is already {proposal.status}",
                errors=[{"field": "status", "message": f"already {proposal.status}"}],
            )
        if decision == "accepted":
            actors = await self.ecosystem.actors([proposal.seeker_id, proposal.provider_id])
            gone = [a for a in (proposal.seeker_id, proposal.provider_id) if a not in actors or actors[a].deleted]
            if gone:  # the registry would record no partnership for it
                raise Conflict(
                    "an actor of the proposal has been deleted from the registry",
                    errors=[{"field": "actor_id", "message": f"deleted: {', '.join(gone)}; the proposal can only be declined"}],
                )
        side = "seeker" if actor_id == proposal.seeker_id else "provider"
        setattr(proposal, f"{side}_decision", decision)
        setattr(proposal, f"{side}_decided_by", identity.account_id)
        moment = now()
        proposal.updated_at, proposal.version = moment, proposal.version + 1
        if decision == "declined":
            proposal.status = "declined"
            record(
                self.session,
                MatchDeclined(
                    match_ref=proposal.id,
                    round_id=proposal.round_id,
                    hub_id=proposal.hub_id,
                    seeker_id=proposal.seeker_id,
                    provider_id=proposal.provider_id,
                    declined_for=actor_id,
                    declined_at=moment,
                ),
                subject=proposal.id,
            )
        elif proposal.seeker_decision == proposal.provider_decision == "accepted":
            proposal.status = "accepted"
            record(
                self.session,
                MatchAccepted(
                    match_ref=proposal.id,
                    round_id=proposal.round_id,
                    hub_id=proposal.hub_id,
                    seeker_id=proposal.seeker_id,
                    provider_id=proposal.provider_id,
                    actor_ids=[proposal.seeker_id, proposal.provider_id],
                    accepted_by={
                        proposal.seeker_id: proposal.seeker_decided_by or "",
                        proposal.provider_id: proposal.provider_decided_by or "",
                    },
                    partnership_type=proposal.partnership_type,
                    score=proposal.score,
                    illustrative=proposal.illustrative,
                    accepted_at=moment,
                ),
                subject=proposal.id,
            )
        self.repository.add(proposal)
        return proposal


def _beyond_limits(
    settings: RoundSettings, pairs: Collection[tuple[str, str]], providers: set[str]
) -> Iterator[tuple[str, str, int, int, str]]:
    """(side, actor, its pairs, its limit, the setting that sets the limit) for each provider with
    more of `pairs` than its capacity, then each seeker with more than max_matches, each by id. A
    provider's capacity is its entry in `capacities`, else the round's."""
    capacity_of = {p: ("capacity", settings.capacity) for p in providers} | {
        item.actor_id: (f"capacities[{n}].capacity", item.capacity) for n, item in enumerate(settings.capacities)
    }
    for provider, count in sorted(Counter(p for _, p in pairs).items()):
        if provider in capacity_of and count > capacity_of[provider][1]:
            field, capacity = capacity_of[provider]
            yield "provider", provider, count, capacity, field
    for seeker, count in sorted(Counter(s for s, _ in pairs).items()):
        if count > settings.max_matches:
            yield "seeker", seeker, count, settings.max_matches, "max_matches"


def _new_id() -> str:
    return str(uuid.uuid4())


def _as_json(value: Any) -> Any:
    """As the value reads back from a JSON column."""
    return json.loads(json.dumps(value))


def _settings_columns(settings: RoundSettings) -> dict[str, Any]:
    return {
        "objective": settings.objective.value,
        "proposer": settings.proposer.value,
        "capacity": settings.capacity,
        "capacities": {c.actor_id: c.capacity for c in settings.capacities},
        "max_matches": settings.max_matches,
        "must_pairs": [[p.seeker, p.provider] for p in settings.must_pairs],
        "forbidden_pairs": [[p.seeker, p.provider] for p in settings.forbidden_pairs],
        "min_score": settings.min_score,
        "weights": {k.value: v for k, v in settings.weights.items()},
        "prefer": settings.prefer.value if settings.prefer is not None else None,
    }


def _settings_of(row: MatchRound) -> dict[str, Any]:
    return {
        "objective": row.objective,
        "proposer": row.proposer,
        "capacity": row.capacity,
        "capacities": [{"actor_id": a, "capacity": c} for a, c in row.capacities.items()],
        "max_matches": row.max_matches,
        "min_score": row.min_score,
        "weights": row.weights,
        "prefer": row.prefer,
        "must_pairs": [{"seeker": s, "provider": p} for s, p in row.must_pairs],
        "forbidden_pairs": [{"seeker": s, "provider": p} for s, p in row.forbidden_pairs],
    }
