from __future__ import annotations

from pydantic import BaseModel, Field

from sihub_indicators.events.contracts import ComparisonSetCounts
from sihub_indicators.observations.formats import IngestFormat
from sihub_indicators.observations.models import ObservationBase
from sihub_shared.timestamps import UtcDatetime


class ObservationPublic(ObservationBase):
    indicator: str
    geography: str
    country: str = Field(description="The ISO 3166-1 country of the geography")
    period: str
    frequency: str
    comparison_set: str
    revision: int = Field(description="1 for the first value of this key, +1 for each correction")
    recorded_at: UtcDatetime = Field(description="When this revision became current")
    superseded_at: UtcDatetime | None = Field(description="When a later revision replaced it; null while current")
    ingest_id: str


class RevisionPublic(ObservationPublic):
    """A revision with who wrote it: any hub operator may revise any geography, so each is attributed."""

    account_id: str = Field(description="The account whose ingest wrote this revision")
    organisation: str = Field(description="That account's organisation, as it was named at the ingest")


class IngestReport(BaseModel):
    """What an ingest did. A re-ingest of data already held changes nothing: no ingest id, no event."""

    ingest_id: str | None = Field(description="Null when nothing changed (no ingest was logged)")
    format: IngestFormat
    sha256: str
    filename: str | None = None
    rows: int = Field(description="Observations read (SDMX observations left out by the mapping are `skipped`)")
    inserted: int = Field(description="New keys (revision 1)")
    revised: int = Field(description="Keys whose current value changed: a new revision each")
    unchanged: int = Field(description="Rows equal to the current revision: nothing written")
    skipped: int
    illustrative_rows: int
    indicators: list[str]
    comparison_sets: list[ComparisonSetCounts]
    created_at: UtcDatetime | None = None


class IngestPublic(IngestReport):
    ingest_id: str  # type: ignore[assignment] - a logged ingest always has one
    account_id: str
    organisation: str
    created_at: UtcDatetime
