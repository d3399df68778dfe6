"""/reports/streams: how far the read model has read each stream."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from sihub_shared.db import Session

from sihub_reports.ecosystem.schemas import StreamPositions
from sihub_reports.ecosystem.service import EcosystemService

router = APIRouter(prefix="/reports", tags=["read model"])


@router.get("/streams", response_model=StreamPositions, summary="The read model's position on each stream")
async def positions(session: Session) -> StreamPositions:
    return StreamPositions(positions=await EcosystemService(session).positions(), as_of=datetime.now(UTC))
