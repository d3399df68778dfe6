"""The read model's rules: record each event at its stream position, and fold the events up to
given positions into an `Ecosystem` — the projection every report is computed from. Folding the
same events always gives the same projection, which is what makes a rebuild byte-identical."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sihub_shared.events.envelope import CloudEvent
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_reports.ecosystem.models import StreamPosition
from sihub_reports.ecosystem.repository import StreamEventRepository
from sihub_reports.ecosystem.schemas import (
    ActorView,
    CaseStudyView,
    CohortView,
    IndexRecomputedView,
    IndexValueView,
    IndicatorView,
    MatchAcceptedView,
    MatchDecidedView,
    MembershipView,
    ObservationsIngestedView,
    PartnershipView,
    ProgrammeView,
    ProjectView,
    Record,
    RoundPublishedView,
    SeverityView,
)

Progress = Callable[[int, int], Awaitable[None]]
REGISTRY_VIEWS: dict[str, type[Record]] = {
    "actor": ActorView,
    "programme": ProgrammeView,
    "cohort": CohortView,
    "membership": MembershipView,
    "project": ProjectView,
    "case_study": CaseStudyView,
    "partnership": PartnershipView,
}


@dataclass
class Ecosystem:
    """What the streams said, up to `positions`: the latest state of every record."""

    positions: dict[str, int]
    # (entity, id) -> the newest version folded, deleted records included: a registry with several
    # relays may publish an older state of a record after a newer one, which must not win.
    versions: dict[tuple[str, str], int] = field(default_factory=dict)
    actors: dict[str, ActorView] = field(default_factory=dict)
    programmes: dict[str, ProgrammeView] = field(default_factory=dict)
    cohorts: dict[str, CohortView] = field(default_factory=dict)
    memberships: dict[str, MembershipView] = field(default_factory=dict)
    projects: dict[str, ProjectView] = field(default_factory=dict)
    case_studies: dict[str, CaseStudyView] = field(default_factory=dict)
    partnerships: dict[str, PartnershipView] = field(default_factory=dict)
    # (comparison set, frequency) -> (geography, theme) -> latest index value
    indices: dict[tuple[str, str], dict[tuple[str, str], IndexValueView]] = field(default_factory=dict)
    index_methods: dict[tuple[str, str], str] = field(default_factory=dict)
    # (comparison set, frequency) -> (geographies, themes) the last recompute covered
    index_scopes: dict[tuple[str, str], tuple[set[str], set[str]]] = field(default_factory=dict)
    # (geography, theme, frequency) -> latest severity
    severities: dict[tuple[str, str, str], SeverityView] = field(default_factory=dict)
    indicators: dict[str, IndicatorView] = field(default_factory=dict)
    ingests: dict[str, ObservationsIngestedView] = field(default_factory=dict)
    rounds: dict[str, RoundPublishedView] = field(default_factory=dict)
    accepted: dict[str, MatchAcceptedView] = field(default_factory=dict)
    declined: dict[str, MatchDecidedView] = field(default_factory=dict)

    def records(self, entity: str) -> dict[str, Any]:
        return getattr(self, {"case_study": "case_studies", "actor": "actors"}.get(entity, entity + "s"))

    def apply(self, type_: str, data: dict[str, Any]) -> None:
        parts = type_.split(".")  # org.sihub.<service>.<entity>.<verb>.v<N>
        service, entity, verb = parts[2], parts[3], parts[4]
        if service == "registry" and entity in REGISTRY_VIEWS:
            record = REGISTRY_VIEWS[entity].model_validate(data[entity])
            if record.version < self.versions.get((entity, record.id), 0):
                return
            self.versions[(entity, record.id)] = record.version
            records = self.records(entity)
            if verb == "deleted" or record.deleted_at is not None:
                records.pop(record.id, None)
            else:
                records[record.id] = record
        elif service == "indicators":
            self._apply_indicators(entity, verb, data)
        elif service == "matching":
            self._apply_matching(entity, verb, data)

    def _apply_indicators(self, entity: str, verb: str, data: dict[str, Any]) -> None:
        if entity == "index":
            recomputed = IndexRecomputedView.model_validate(data)
            key = (recomputed.comparison_set, recomputed.frequency)
            if recomputed.part == 1:  # a recompute replaces the set; its later parts add to it
                self.indices[key] = {}
                self.index_scopes[key] = (set(), set())
            geographies, themes = self.index_scopes.setdefault(key, (set(), set()))
            geographies.update(recomputed.geographies)
            geographies.update(recomputed.members)  # a region without data is in scope: a data gap
            themes.update(recomputed.themes)
            values = self.indices.setdefault(key, {})
            for value in recomputed.values:
                values[(value.geography, value.theme)] = value
            self.index_methods[key] = recomputed.method_version
        elif entity == "severity":
            severity = SeverityView.model_validate(data)
            self.severities[(severity.geography, severity.theme, severity.frequency)] = severity
        elif entity == "observations":
            ingest = ObservationsIngestedView.model_validate(data)
            self.ingests[ingest.ingest_id] = ingest
        elif entity == "indicator":
            if verb == "deleted":
                self.indicators.pop(data["code"], None)
            else:
                indicator = IndicatorView.model_validate(data["indicator"])
                self.indicators[indicator.code] = indicator

    def _apply_matching(self, entity: str, verb: str, data: dict[str, Any]) -> None:
        if entity == "round":
            published = RoundPublishedView.model_validate(data)
            earlier = self.rounds.get(published.round_id)
            if earlier is not None:  # a publication after a re-run sends only its new proposals
                known = {p.proposal_id for p in earlier.proposals}
                published = published.model_copy(update={  # the round as last published, every proposal
                    "proposals": [*earlier.proposals, *(p for p in published.proposals if p.proposal_id not in known)],
                    "illustrative": earlier.illustrative or published.illustrative,
                })
            self.rounds[published.round_id] = published
        elif entity == "match":
            if verb == "accepted":
                accepted = MatchAcceptedView.model_validate(data)
                self.accepted[accepted.match_ref] = accepted
            else:
                declined = MatchDecidedView.model_validate(data)
                self.declined[declined.match_ref] = declined


class EcosystemService:
    def __init__(self, session: AsyncSession) -> None:
        self.repository = StreamEventRepository(session)

    async def record(self, stream: str, event: CloudEvent) -> None:
        """Keep the event at its stream sequence (the next one when applied outside a consumer)."""
        sequence = event.stream_sequence or await self.repository.last_sequence(stream) + 1
        self.repository.add(stream, sequence, event.id, event.type, event.data)

    async def note_read(self, stream: str, events: Sequence[CloudEvent]) -> None:
        """Move the stream's position past the events read, as far as no sequence is missing. An
        event applied outside a consumer has no stream sequence: it was kept at the next one."""
        position = await self.repository.position_for_update(stream)
        through = position.through
        if any(e.stream_sequence is None for e in events):
            through = max(through, await self.repository.last_sequence(stream))
        self._advance(position, through, {e.stream_sequence for e in events if e.stream_sequence})

    async def note_read_through(self, stream: str, floor: int) -> None:
        """The broker's ack floor: every sequence up to it was applied or will never come (a
        message deleted from the stream, or malformed), so none of them is a gap to wait for."""
        position = await self.repository.position_for_update(stream)
        if floor > position.through:
            self._advance(position, floor, set())

    @staticmethod
    def _advance(position: StreamPosition, through: int, read: set[int]) -> None:
        """Past `through` and every sequence read that follows it without a gap. The sequences read
        past a gap are kept as ranges, so an event that fails for ever holds one range that grows,
        not a list of every sequence read since."""
        ranges: list[list[int]] = []
        for first, last in sorted([*position.ahead, *([s, s] for s in read)]):
            if ranges and first <= ranges[-1][1] + 1:
                ranges[-1][1] = max(ranges[-1][1], last)
            else:
                ranges.append([first, last])
        while ranges and ranges[0][0] <= through + 1:
            through = max(through, ranges.pop(0)[1])
        # The row is the session's: its new values are written at the commit.
        position.through, position.ahead = through, ranges

    async def positions(self) -> dict[str, int]:
        return await self.repository.positions()

    async def count(self, positions: Mapping[str, int]) -> int:
        return await self.repository.count(positions)

    async def snapshot(self, positions: Mapping[str, int], progress: Progress | None = None) -> Ecosystem:
        """Fold the events up to `positions`; `progress(done, total)` is awaited every tenth of them."""
        ecosystem = Ecosystem(positions=dict(sorted(positions.items())))
        total = await self.repository.count(positions) if progress is not None else 0
        step, done = max(total // 10, 1), 0
        async for _stream, type_, data in self.repository.events(positions):
            ecosystem.apply(type_, data)
            done += 1
            if progress is not None and done % step == 0:
                await progress(done, total)
        return ecosystem

    async def reset(self, stream: str) -> None:
        await self.repository.clear(stream)
