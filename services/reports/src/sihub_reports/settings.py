from __future__ import annotations

from pydantic import Field
from sihub_shared.settings import ServiceSettings


class ReportsSettings(ServiceSettings):
    service_name: str = "reports"
    # A build over more read-model events than this runs in the background (202 and a progress
    # field to poll) instead of within the request.
    background_build_events: int = Field(default=20_000, ge=1, le=100_000_000)
    # A background build renews its lease every quarter of this; a build whose lease lapsed (its
    # process stopped mid-build) reads as failed, on any replica.
    build_lease_s: float = Field(default=60.0, ge=0.1, le=3600)
