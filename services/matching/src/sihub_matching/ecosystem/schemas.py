"""What matching reads from other services' events: its own pydantic views of the CloudEvent data
(it never imports another service). Unknown fields are ignored, so the publishers may add fields."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlmodel import SQLModel


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore")


class NameValue(_Read):
    value: str
    lang: str | None = None


class Claim(_Read):
    capability: str


class ActorData(_Read):
    id: str
    owner_account_id: str
    names: list[NameValue]
    kind: str
    sector: str
    country: str
    region: str | None = None
    issue_areas: list[str] = []
    offers: list[Claim] = []
    needs: list[Claim] = []
    illustrative: bool = False
    version: int
    updated_at: datetime
    deleted_at: datetime | None = None

    def display_name(self) -> str:
        english = [n.value for n in self.names if n.lang == "en"]
        return (english or [n.value for n in self.names] or [self.id])[0][:500]


class OperatorData(_Read):
    account_id: str


class HubOperatorsData(_Read):
    hub_id: str
    operators: list[OperatorData]
    version: int = 0  # lists published before the registry versioned them have none


class ProgrammeData(_Read):
    id: str
    hub_id: str
    names: list[NameValue] = []
    version: int
    deleted_at: datetime | None = None


class CohortData(_Read):
    id: str
    programme_id: str
    hub_id: str
    name: str
    version: int
    deleted_at: datetime | None = None


class LinkAnswer(_Read):
    actor_id: str
    state: str  # pending, confirmed or declined: the actor's owner's answer to being named


class MembershipData(_Read):
    id: str
    hub_id: str
    programme_id: str
    cohort_id: str | None = None
    actor_id: str
    confirmations: list[LinkAnswer] = []
    version: int
    deleted_at: datetime | None = None

    @property
    def declined(self) -> bool:
        """Whether the member's owner declined being listed (a pending answer is not a refusal)."""
        return any(c.actor_id == self.actor_id and c.state == "declined" for c in self.confirmations)


class PartnershipData(_Read):
    id: str
    actor_ids: list[str]
    status: str
    origin: str = "manual"
    match_ref: str | None = None
    version: int
    deleted_at: datetime | None = None


class SeverityData(_Read):
    geography: str
    theme: str
    frequency: str = "annual"
    period: str | None = None
    severity: float | None = None
    band: str | None = None
    illustrative: bool = False
    computed_at: datetime


class ThemeIndexData(_Read):
    geography: str
    theme: str
    period: str
    index: float
    illustrative: bool = False


class IndexRecomputedData(_Read):
    comparison_set: str
    values: list[ThemeIndexData]
    computed_at: datetime


class EcosystemCounts(SQLModel):
    """How much of the ecosystem matching holds, and the revision its scores are computed on."""

    revision: int
    actors: int
    deleted_actors: int
    programmes: int
    cohorts: int
    memberships: int
    current_partner_pairs: int
    severities: int
    theme_indices: int
