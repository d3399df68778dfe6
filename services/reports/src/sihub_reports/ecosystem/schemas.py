"""Reports' own views of what the registry, the indicators and matching publish.

Reports never import the publishers (import-linter forbids it): these views read the CloudEvents'
data, keep only the fields reports use and ignore the rest, so that a publisher adding a field
breaks nothing here."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Text(View):
    value: str
    lang: str


class Claim(View):
    capability: str


class CertificationView(View):
    scheme: str
    level: str


class Record(View):
    id: str
    version: int = 0
    illustrative: bool = False
    deleted_at: str | None = None


class Consented(Record):
    # Before consent existed in the registry every record counted; `confirmed` absent means that.
    confirmed: bool = True


class ActorView(Record):
    kind: str
    sector: str
    country: str
    region: str | None = None
    founded_year: int | None = None
    names: list[Text] = Field(default_factory=list)
    issue_areas: list[str] = Field(default_factory=list)
    offers: list[Claim] = Field(default_factory=list)
    needs: list[Claim] = Field(default_factory=list)
    certifications: list[CertificationView] = Field(default_factory=list)


class ProgrammeView(Record):
    hub_id: str
    names: list[Text] = Field(default_factory=list)
    issue_areas: list[str] = Field(default_factory=list)


class CohortView(Record):
    hub_id: str
    programme_id: str
    name: str | None = None


class MembershipView(Consented):
    hub_id: str
    programme_id: str
    cohort_id: str | None = None
    actor_id: str


class ProjectView(Consented):
    actor_id: str
    partner_ids: list[str] = Field(default_factory=list)
    issue_areas: list[str] = Field(default_factory=list)


class CaseStudyView(Consented):
    title: list[Text] = Field(default_factory=list)
    issue_areas: list[str] = Field(default_factory=list)
    actor_ids: list[str] = Field(default_factory=list)
    country: str | None = None
    region: str | None = None
    year: int | None = None
    source_url: str | None = None


class PartnershipView(Consented):
    type: str | None = None
    status: str | None = None
    match_ref: str | None = None
    actor_ids: list[str] = Field(default_factory=list)


class IndexValueView(View):
    geography: str
    theme: str
    period: str
    index: float
    rank: int | None = None
    rank_best: int | None = None
    rank_worst: int | None = None
    ranked_among: int = 0
    trend_per_year: float | None = None
    coverage: float = 0.0
    illustrative: bool = False
    rank_illustrative: bool = False  # a ranked peer's index is invented: so is the rank


class IndexRecomputedView(View):
    comparison_set: str
    frequency: str
    method_version: str
    themes: list[str] = Field(default_factory=list)
    geographies: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)  # the set's regions, with data or not
    part: int = 1
    parts: int = 1
    values: list[IndexValueView] = Field(default_factory=list)


class SeverityView(View):
    geography: str
    theme: str
    frequency: str
    comparison_set: str
    period: str | None = None
    index: float | None = None
    severity: float | None = None
    band: str | None = None
    trend_per_year: float | None = None
    coverage: float | None = None
    illustrative: bool = False
    method_version: str = ""


class ObservationsIngestedView(View):
    ingest_id: str
    rows: int = 0
    illustrative_rows: int = 0
    indicators: list[str] = Field(default_factory=list)


class IndicatorView(View):
    code: str
    theme: str | None = None
    unit: str | None = None


class ProposalView(View):
    proposal_id: str
    seeker_id: str
    provider_id: str
    score: float


class RoundPublishedView(View):
    round_id: str
    hub_id: str
    objective: str = ""
    profile_version: str = ""
    proposals: list[ProposalView] = Field(default_factory=list)
    illustrative: bool = False


class MatchDecidedView(View):
    """A match accepted or declined: what both events send."""

    match_ref: str
    round_id: str
    hub_id: str
    seeker_id: str
    provider_id: str


class MatchAcceptedView(MatchDecidedView):
    score: float
    partnership_type: str
    illustrative: bool = False


class StreamPositions(BaseModel):
    """How far the read model has read each stream (its last stream sequence)."""

    positions: dict[str, int]
    as_of: datetime
