"""Events reports publishes (stream SIHUB_REPORTS): `report.published`, once a build is stored."""

from __future__ import annotations

from datetime import datetime

from sihub_shared.events.contracts import EventContract


class ReportPublished(EventContract, service="reports", entity="report", verb="published", version=1):
    """A report was built and stored (immutable): what it covers and where it read each stream up to."""

    build_id: str
    kind: str
    countries: list[str]
    positions: dict[str, int]
    illustrative: bool
    json_sha256: str
    created_at: datetime
