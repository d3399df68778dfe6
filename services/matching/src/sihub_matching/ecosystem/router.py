"""/matching/ecosystem: what the read model holds (for operators checking that events arrive)."""

from __future__ import annotations

from fastapi import APIRouter

from sihub_matching.ecosystem.schemas import EcosystemCounts
from sihub_matching.ecosystem.service import EcosystemService
from sihub_shared.db import Session

router = APIRouter(prefix="/matching", tags=["ecosystem"])


@router.get(
    "/ecosystem",
    response_model=EcosystemCounts,
    summary="How many actors, hubs, partnerships and severities matching holds, from events",
)
async def ecosystem_counts(session: Session):
    return await EcosystemService(session).counts()
