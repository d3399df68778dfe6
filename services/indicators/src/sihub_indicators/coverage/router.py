"""/indicators/coverage: where data is missing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sihub_indicators.catalogue.schemas import CODE_PATTERN
from sihub_indicators.coverage.schemas import SetCoverage
from sihub_indicators.coverage.service import CoverageService
from sihub_indicators.indices.service import checked_places, checked_set
from sihub_indicators.geography import ComparisonSet
from sihub_indicators.periods import Frequency
from sihub_shared.db import Session
from sihub_shared.openapi import problems
from sihub_shared.strict import CountryCode, Line

router = APIRouter(prefix="/indicators", tags=["coverage"])


@router.get("/coverage", response_model=list[SetCoverage], responses=problems(404),
            summary="Which geographies lack which indicators for which periods, per comparison set")
async def coverage(
    session: Session,
    country: Annotated[CountryCode | None, Query(description="ISO 3166-1 alpha-2: the country and its regions")] = None,
    indicator: Annotated[Line | None, Query(pattern=CODE_PATTERN, description="only this indicator code")] = None,
    comparison_set: Annotated[ComparisonSet | None, Query(description="`countries` or `regions:<country>`")] = None,
    frequency: Frequency | None = None,
):
    checked_places(country, None)
    checked_set(comparison_set, None)
    return await CoverageService(session).coverage(
        country=country, indicator=indicator, comparison_set=comparison_set, frequency=frequency
    )
