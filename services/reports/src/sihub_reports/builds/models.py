"""Stored builds: immutable once done. The canonical JSON is kept as bytes; HTML, Markdown and PDF
are pure renderings of it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sihub_shared.timestamps import UTCDateTime
from sqlmodel import Field, SQLModel


UNFINISHED = ("queued", "running")


class ReportBuild(SQLModel, table=True):
    __tablename__ = "report_build"

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=20)
    countries: list[str] = Field(sa_type=sa.JSON)
    positions: dict[str, int] = Field(sa_type=sa.JSON)
    status: str = Field(max_length=10, description="queued, running, done or failed")
    progress: float = 0.0
    # While queued or running in the background: renewed by the build; lapsed, its process is gone.
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    illustrative: bool = False
    empty: bool = False
    document: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    json_sha256: str | None = Field(default=None, max_length=64)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
