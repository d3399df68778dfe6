"""/reports/policy-rules and /reports/white-space-method: the versioned documents reports rest on."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sihub_reports.content.documents import POLICY_RULES, WHITE_SPACE_METHOD

router = APIRouter(prefix="/reports", tags=["methods"])


@router.get("/policy-rules", summary="The versioned rule set that turns findings into policy options")
async def policy_rules() -> dict[str, Any]:
    return POLICY_RULES


@router.get("/white-space-method", summary="The versioned method that finds and ranks white spaces")
async def white_space_method() -> dict[str, Any]:
    return WHITE_SPACE_METHOD
