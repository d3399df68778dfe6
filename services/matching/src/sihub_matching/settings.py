from __future__ import annotations

from pydantic import Field

from sihub_shared.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    service_name: str = "matching"
    # A round with more eligible seeker × provider cells than this runs in the background (202 and
    # a progress endpoint to poll) instead of within the request.
    background_round_cells: int = Field(default=250_000, ge=1, le=100_000_000)
    # A background run renews its lease every quarter of this; a round whose lease lapsed (its
    # process stopped mid-run) reads as failed and can be run again, on any replica.
    round_run_lease_s: float = Field(default=60.0, ge=0.1, le=3600)
