"""Events the indicators service publishes (stream SIHUB_INDICATORS).

Each carries its values, so that matching and reports keep their read models from events alone:
- `observations.ingested`: one summary per ingest that changed something (never one per row);
- `index.recomputed`: per comparison set and frequency, the latest theme index of every geography
  with its rank interval and trend (split into parts when a set is large);
- `severity.changed`: per geography and theme whose severity value or band changed;
- `indicator.created/updated/deleted`: the catalogue.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from sihub_indicators.catalogue.schemas import IndicatorPublic
from sihub_shared.events.contracts import EventContract


class IndicatorCreated(EventContract, service="indicators", entity="indicator", verb="created", version=1):
    """An indicator was added to the catalogue."""

    indicator: IndicatorPublic


class IndicatorUpdated(EventContract, service="indicators", entity="indicator", verb="updated", version=1):
    """An indicator's metadata changed; `changed` names the fields."""

    indicator: IndicatorPublic
    changed: list[str]


class IndicatorDeleted(EventContract, service="indicators", entity="indicator", verb="deleted", version=1):
    """An indicator without observations was removed from the catalogue."""

    code: str


class ComparisonSetCounts(BaseModel):
    comparison_set: str
    frequency: str
    inserted: int
    revised: int


class ObservationsIngested(
    EventContract, service="indicators", entity="observations", verb="ingested", version=1
):
    """A file of observations was ingested and changed something: what, in counts."""

    ingest_id: str
    format: str
    sha256: str
    rows: int
    inserted: int
    revised: int
    unchanged: int
    skipped: int
    illustrative_rows: int
    indicators: list[str]
    comparison_sets: list[ComparisonSetCounts]
    organisation: str
    account_id: str
    recorded_at: datetime


class ThemeIndexValue(BaseModel):
    geography: str
    theme: str
    period: str
    index: float
    rank: int | None
    rank_best: int | None
    rank_worst: int | None
    ranked_among: int
    trend_per_year: float | None
    coverage: float
    illustrative: bool
    # A rank is fed by every ranked peer's index; `illustrative` speaks of this geography's own.
    rank_illustrative: bool = Field(
        default=False, description="The ranks rest on an illustrative index of a peer (or this one)")


class IndexRecomputed(EventContract, service="indicators", entity="index", verb="recomputed", version=1):
    """The theme indices of a comparison set were recomputed: the latest index of each geography
    and theme. A large set is sent in `parts` events numbered by `part` (1-based)."""

    comparison_set: str
    frequency: str
    method_version: str
    cause: str
    periods: list[str]
    geographies: list[str]  # those with an index
    themes: list[str]
    part: int
    parts: int
    values: list[ThemeIndexValue]
    # Absent from events written before it was added: a consumer then knows only `geographies`.
    members: list[str] = Field(
        default_factory=list,
        description="Every geography ISO 3166-2 lists in a regions set, with data or not (empty for the "
                    "countries set): a member without an index is a data gap.",
    )
    computed_at: datetime


class SeverityChanged(EventContract, service="indicators", entity="severity", verb="changed", version=1):
    """A geography's severity for a theme changed in value or band (or appeared, or, with
    `severity` null, can no longer be computed). Severity is 0–1, 1 the most severe. `illustrative`
    flags the figures the event carries: the new ones, or the previous ones when `severity` is null."""

    geography: str
    theme: str
    frequency: str
    comparison_set: str
    period: str | None
    index: float | None
    severity: float | None
    band: str | None
    trend_per_year: float | None
    coverage: float | None
    illustrative: bool
    previous_severity: float | None
    previous_band: str | None
    method_version: str
    computed_at: datetime
