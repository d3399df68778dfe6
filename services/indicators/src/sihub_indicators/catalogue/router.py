"""/indicators/indicators (the catalogue), /indicators/themes and /indicators/units.

Anyone with an identity reads the catalogue; only admins change it, because every index and
severity in every country is computed from it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from sihub_indicators.catalogue.schemas import IndicatorCreate, IndicatorPublic, IndicatorUpdate, ThemePublic, UnitPublic
from sihub_indicators.catalogue.service import CatalogueService, indicator_public
from sihub_indicators.observations.service import cursor_position
from sihub_indicators.themes import THEMES, Theme
from sihub_indicators.units import UNITS, finite_or_none
from sihub_shared.concurrency import etag
from sihub_shared.db import Session
from sihub_shared.identity import Role, require_roles
from sihub_shared.openapi import problems
from sihub_shared.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, encode_cursor
from sihub_shared.strict import Line

router = APIRouter(prefix="/indicators", tags=["catalogue"])
CatalogueEditor = [require_roles(Role.admin)]
IfMatch = Annotated[str | None, Header(description="The ETag you read")]


@router.get("/themes", response_model=list[ThemePublic], summary="The themes (the registry's issue areas)")
async def list_themes():
    return [ThemePublic(code=code, label=label) for code, label in THEMES.items()]


@router.get("/units", response_model=list[UnitPublic], summary="Units of measure and the bounds they imply")
async def list_units():
    return [UnitPublic(code=unit, label=info.label, min=finite_or_none(info.minimum), max=finite_or_none(info.maximum))
            for unit, info in UNITS.items()]


@router.post("/indicators", responses=problems(409), status_code=status.HTTP_201_CREATED, response_model=IndicatorPublic,
             dependencies=CatalogueEditor, summary="Add an indicator to the catalogue (admin)")
async def create_indicator(data: IndicatorCreate, session: Session, response: Response):
    indicator = await CatalogueService(session).create(data)
    response.headers["ETag"] = etag(indicator.version)
    response.headers["Location"] = f"/api/v1/indicators/indicators/{indicator.code}"
    return indicator_public(indicator)


@router.get("/indicators", response_model=Page[IndicatorPublic], summary="The catalogue, by code")
async def list_indicators(session: Session, theme: Theme | None = None, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT):
    after = cursor_position(decode_cursor(cursor), "code")[0] if cursor else None
    rows = await CatalogueService(session).list(theme, after, limit + 1)
    items = [indicator_public(row) for row in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor({"code": rows[limit - 1].code}) if len(rows) > limit else None)


@router.get("/indicators/{code}", response_model=IndicatorPublic)
async def get_indicator(code: Line, session: Session, response: Response):
    indicator = await CatalogueService(session).get(code)
    response.headers["ETag"] = etag(indicator.version)
    return indicator_public(indicator)


@router.patch("/indicators/{code}", responses=problems(409), response_model=IndicatorPublic, dependencies=CatalogueEditor,
              summary="Change an indicator (admin; send If-Match)")
async def update_indicator(code: Line, data: IndicatorUpdate, session: Session, response: Response,
                           if_match: IfMatch = None):
    indicator = await CatalogueService(session).update(code, data, if_match)
    response.headers["ETag"] = etag(indicator.version)
    return indicator_public(indicator)


@router.delete("/indicators/{code}", responses=problems(409), status_code=status.HTTP_204_NO_CONTENT, dependencies=CatalogueEditor,
               summary="Remove an indicator without observations (admin; send If-Match)")
async def delete_indicator(code: Line, session: Session, if_match: IfMatch = None) -> None:
    await CatalogueService(session).delete(code, if_match)
