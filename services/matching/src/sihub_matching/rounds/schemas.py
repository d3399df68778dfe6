"""What clients send and read about rounds and proposals. Request bodies are strict (unknown
fields, NaN, infinities and control characters refused, naming the field); every list and number
is bounded."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from sihub_matching.rounds.solvers import Objective, Proposer
from sihub_matching.scoring.profile import Geography, PartName
from sihub_shared.openapi import Rule, rules
from sihub_shared.strict import CountryCode, Distinct, FilledLine, Flag, Omittable, StrictBody

MAX_CAPACITY = 10_000
MAX_PARTICIPANTS = 10_000
Id = Annotated[str, StringConstraints(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9_-]+$")]
Code = Annotated[str, StringConstraints(min_length=2, max_length=40, pattern=r"^[a-z_]+$")]
Name = Annotated[FilledLine, StringConstraints(max_length=200)]


def exactly_one(*names: str) -> ConfigDict:
    """The schema of a body that gives exactly one of `names` (none of them may be null)."""
    return ConfigDict(json_schema_extra={"oneOf": [{"required": [name]} for name in names]})


class SeekerSpec(StrictBody):
    """Exactly one: a cohort of the round's hub, or listed actors."""

    model_config = exactly_one("cohort_id", "actor_ids")

    cohort_id: Omittable[Id] = None
    actor_ids: Omittable[Distinct[Id]] = Field(default=None, min_length=1, max_length=MAX_PARTICIPANTS)

    @model_validator(mode="after")
    def _one(self) -> SeekerSpec:
        if (self.cohort_id is None) == (self.actor_ids is None):
            raise ValueError("give either cohort_id or actor_ids")
        return self


class ProviderFilter(StrictBody):
    country: CountryCode | None = None
    sector: Code | None = None
    kind: Code | None = None
    issue_area: Code | None = None


class ProviderSpec(StrictBody):
    """Exactly one: listed actors, or a filter over every live actor (the seekers left out)."""

    model_config = exactly_one("actor_ids", "filter")

    actor_ids: Omittable[Distinct[Id]] = Field(default=None, min_length=1, max_length=MAX_PARTICIPANTS)
    filter: Omittable[ProviderFilter] = None

    @model_validator(mode="after")
    def _one(self) -> ProviderSpec:
        if (self.actor_ids is None) == (self.filter is None):
            raise ValueError("give either actor_ids or filter")
        return self


class Pair(StrictBody):
    seeker: Id
    provider: Id


class ProviderCapacity(StrictBody):
    actor_id: Id
    capacity: int = Field(ge=1, le=MAX_CAPACITY)


Weights = dict[PartName, Annotated[float, Field(ge=0, le=1)]]


# The rules a round's settings meet against its participants (a change: the round's own).
SETTINGS_RULES = (
    Rule(("capacities.actor_id",), "capacities[].actor_id: a provider of the round"),
    Rule(("must_pairs", "forbidden_pairs"),
         "must_pairs[], forbidden_pairs[]: a seeker and a provider of the round; no pair twice, "
         "nor both must and forbidden"),
    Rule(("must_pairs",),
         "must_pairs: per provider at most its capacity, per seeker at most max_matches"),
    Rule(("weights",), "weights: each within its part's bounds in the scoring profile, one at least above 0"),
)


class RoundSettings(StrictBody):
    objective: Objective = Objective.OPTIMAL
    proposer: Proposer = Field(
        default=Proposer.SEEKERS, description="stable rounds: which side proposes"
    )
    capacity: int = Field(
        default=1,
        ge=1,
        le=MAX_CAPACITY,
        description="matches per provider, unless `capacities` says",
    )
    capacities: list[ProviderCapacity] = Field(default_factory=list, max_length=MAX_PARTICIPANTS)
    max_matches: int = Field(default=1, ge=1, le=100, description="matches per seeker")
    must_pairs: list[Pair] = Field(default_factory=list, max_length=MAX_PARTICIPANTS)
    forbidden_pairs: list[Pair] = Field(default_factory=list, max_length=100_000)
    min_score: float = Field(default=0.0, ge=0, le=1)
    weights: Weights = Field(
        default_factory=dict, description="part weights within the profile's bounds"
    )
    prefer: Geography | None = Field(
        default=None, description="the geography preferred; the profile's unless set"
    )


@rules(Rule(("providers.actor_ids",), "providers.actor_ids: no seeker of the round"), *SETTINGS_RULES)
class RoundCreate(RoundSettings):
    hub_id: Id
    name: Name
    seekers: SeekerSpec
    providers: ProviderSpec
    illustrative: Flag = False


@rules(*SETTINGS_RULES)
class RoundUpdate(StrictBody):
    """Only the fields sent change (pin with `must_pairs`, forbid with `forbidden_pairs`, then
    re-run); `prefer` null goes back to the profile's preference, nothing else may be null."""

    name: Omittable[Name] = None
    objective: Omittable[Objective] = None
    proposer: Omittable[Proposer] = None
    capacity: Omittable[int] = Field(default=None, ge=1, le=MAX_CAPACITY)
    capacities: Omittable[list[ProviderCapacity]] = Field(default=None, max_length=MAX_PARTICIPANTS)
    max_matches: Omittable[int] = Field(default=None, ge=1, le=100)
    must_pairs: Omittable[list[Pair]] = Field(default=None, max_length=MAX_PARTICIPANTS)
    forbidden_pairs: Omittable[list[Pair]] = Field(default=None, max_length=100_000)
    min_score: Omittable[float] = Field(default=None, ge=0, le=1)
    weights: Omittable[Weights] = None
    prefer: Geography | None = None


class Decision(StrictBody):
    actor_id: Id = Field(description="the actor (yours) on whose behalf you decide")


class RoundPublic(BaseModel):
    id: str
    hub_id: str
    name: str
    objective: Objective
    proposer: Proposer
    seekers: dict[str, Any]
    providers: dict[str, Any]
    capacity: int
    capacities: dict[str, int]
    max_matches: int
    must_pairs: list[list[str]]
    forbidden_pairs: list[list[str]]
    min_score: float
    weights: dict[str, float]
    prefer: Geography | None
    illustrative: bool
    run_state: str = Field(description="idle, running (in the background), done or failed")
    progress: float
    drafts: int
    published_draft: int
    publications: int
    version: int
    created_at: datetime
    updated_at: datetime
    draft: dict[str, Any] | None = Field(
        default=None, description="the latest run: assignment and diagnostics"
    )


class RoundSummary(BaseModel):
    id: str
    hub_id: str
    name: str
    objective: Objective
    run_state: str
    drafts: int
    publications: int
    illustrative: bool
    created_at: datetime


class RoundProgress(BaseModel):
    id: str
    run_state: str
    progress: float
    drafts: int


class ProposalPublic(BaseModel):
    id: str
    round_id: str
    hub_id: str
    publication: int
    seeker_id: str
    provider_id: str
    score: float
    seeker_score: float
    provider_score: float
    partnership_type: str
    status: str
    seeker_decision: str | None
    provider_decision: str | None
    seeker_decided_by: str | None = Field(description="the account that decided for the seeker")
    provider_decided_by: str | None = Field(description="the account that decided for the provider")
    illustrative: bool
    created_at: datetime
    updated_at: datetime


class ExportSeeker(BaseModel):
    actor_id: str
    max_matches: int


class ExportProvider(BaseModel):
    actor_id: str
    capacity: int


class ExportPair(BaseModel):
    seeker: str
    provider: str
    score: float
    seeker_score: float
    provider_score: float
    must: bool


class ExportAssignment(BaseModel):
    seeker: str
    provider: str


class RoundExport(BaseModel):
    """Everything needed to re-check the round offline: the inputs the solver saw and its answer."""

    objective: Objective
    seekers: list[ExportSeeker]
    providers: list[ExportProvider]
    pairs: list[ExportPair]
    assignment: list[ExportAssignment]
