"""/indicators/method, /indices, /severities, /robustness and /indices/recompute.

Anyone with an identity reads; only admins trigger a recompute (ingests recompute by themselves).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query

from sihub_indicators.indices.method import DEFAULT_METHOD, SEVERITY_BANDS
from sihub_indicators.indices.schemas import (
    ComparisonSetPublic,
    MethodDocument,
    RankTable,
    RecomputeRequest,
    RecomputeSummary,
    SeverityPublic,
    ThemeIndexSeries,
)
from sihub_indicators.indices.service import IndexService, checked_places, checked_set
from sihub_indicators.geography import ComparisonSet
from sihub_indicators.periods import Frequency, Period, PeriodError, frequency_of
from sihub_indicators.themes import Theme
from sihub_shared.db import Session
from sihub_shared.errors import ProblemError
from sihub_shared.identity import Role, require_roles
from sihub_shared.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, encode_cursor
from sihub_shared.strict import CountryCode, GeographyCode

router = APIRouter(prefix="/indicators", tags=["indices"])

Band = StrEnum("Band", [(name, name) for name, _ in SEVERITY_BANDS])  # type: ignore[misc]
Country = Annotated[CountryCode | None, Query(description="ISO 3166-1 alpha-2: the country and its regions")]
Geography = Annotated[GeographyCode | None, Query(description="ISO 3166-1 country or ISO 3166-2 region")]
ComparisonSetFilter = Annotated[ComparisonSet | None, Query(description="`countries` or `regions:<country>`, e.g. regions:KR")]


def _key_after(cursor: str | None) -> tuple[str, str, str] | None:
    if cursor is None:
        return None
    key = decode_cursor(cursor).get("key")
    if not (isinstance(key, list) and len(key) == 3 and all(isinstance(part, str) for part in key)):
        raise ProblemError.for_field("cursor", "not a cursor this API gave out")
    return (key[0], key[1], key[2])


def _next(keys: list[tuple[str, str, str]], limit: int) -> str | None:
    return encode_cursor({"key": list(keys[limit - 1])}) if len(keys) > limit else None


@router.get("/method", response_model=MethodDocument, summary="The versioned method behind every index")
async def method_document():
    return DEFAULT_METHOD.describe()


@router.get("/comparison-sets", response_model=list[ComparisonSetPublic],
            summary="The comparison sets with computed indices: what each covers, when it was computed")
async def list_comparison_sets(session: Session):
    return await IndexService(session).comparison_sets()


@router.get("/indices", response_model=Page[ThemeIndexSeries],
            summary="Theme indices (0–100, 100 the best) per geography and theme, with trend")
async def list_indices(
    session: Session,
    country: Country = None,
    geography: Geography = None,
    theme: Theme | None = None,
    period: Annotated[Period | None, Query(description="only this period (2023, 2023-Q2, 2023-05)")] = None,
    history: Annotated[bool, Query(description="every period, not only the latest")] = False,
    comparison_set: ComparisonSetFilter = None,
    frequency: Frequency | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
):
    places = checked_places(country, geography)
    checked_set(comparison_set, None)
    if period is not None:
        try:
            frequency_of(period)
        except PeriodError as exc:
            raise ProblemError.for_field("period", str(exc)) from None
    series = await IndexService(session).index_series(
        places, theme=theme, comparison_set=comparison_set, frequency=frequency, period=period,
        history=history, after=_key_after(cursor), limit=limit + 1,
    )
    keys = [(s.geography, s.theme, s.frequency) for s in series]
    return Page(items=series[:limit], next_cursor=_next(keys, limit))


@router.get("/severities", response_model=Page[SeverityPublic],
            summary="How severe each theme is per geography (0–1, 1 the most severe) and its band")
async def list_severities(
    session: Session,
    country: Country = None,
    region: Geography = None,
    theme: Theme | None = None,
    band: Band | None = None,
    frequency: Frequency | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
):
    rows = await IndexService(session).severities(
        checked_places(country, region, "region"), theme=theme, band=band, frequency=frequency,
        after=_key_after(cursor), limit=limit + 1,
    )
    keys = [(s.geography, s.theme, s.frequency) for s in rows]
    return Page(items=rows[:limit], next_cursor=_next(keys, limit))


@router.get("/robustness", response_model=list[RankTable],
            summary="Each rank with the interval it moves in when the method's options vary")
async def rank_robustness(
    session: Session,
    comparison_set: Annotated[ComparisonSet, Query(description="`countries` or `regions:<country>`, e.g. regions:KR")],
    frequency: Frequency = Frequency.ANNUAL,
    theme: Theme | None = None,
    period: Annotated[Period | None, Query(description="each theme's latest period with an index if absent")] = None,
):
    checked_set(comparison_set, None)
    return await IndexService(session).robustness(comparison_set, frequency, theme, period)


@router.post("/indices/recompute", response_model=list[RecomputeSummary], dependencies=[require_roles(Role.admin)],
             summary="Recompute theme indices and severities now (admin)")
async def recompute(session: Session, request: RecomputeRequest | None = None):
    request = request or RecomputeRequest()
    comparison_set, frequency = checked_set(request.comparison_set, request.frequency)
    return await IndexService(session).recompute_where(
        comparison_set, frequency, cause="recompute requested by an admin"
    )
