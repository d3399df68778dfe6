"""/matching/profile: the versioned scoring profile every score is computed with."""

from __future__ import annotations

from fastapi import APIRouter

from sihub_matching.scoring.profile import DEFAULT_PROFILE, Profile

router = APIRouter(prefix="/matching", tags=["scoring"])


@router.get(
    "/profile",
    response_model=Profile,
    summary="The scoring profile: parts, weights and their bounds, geography values, version",
)
async def profile_document():
    return DEFAULT_PROFILE
