"""/matching/suggestions: the top k partners for an actor, each explained."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sihub_matching.scoring.compute import ISSUE_AREAS
from sihub_matching.scoring.profile import Geography
from sihub_matching.suggestions.schemas import SuggestionList
from sihub_matching.suggestions.service import SuggestionFilters, SuggestionService
from sihub_shared.db import Session
from sihub_shared.openapi import problems
from sihub_shared.strict import CountryCode

router = APIRouter(prefix="/matching", tags=["suggestions"])


@router.get(
    "/suggestions",
    response_model=SuggestionList,
    responses=problems(404),  # the actor named in the query is not known
    summary="The k best partners for an actor: never itself, a deleted actor or a current partner",
)
async def suggestions(
    session: Session,
    actor_id: Annotated[
        str,
        Query(
            min_length=1,
            max_length=36,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="the actor asking (the seeker)",
        ),
    ],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    country: Annotated[CountryCode | None, Query(description="ISO 3166-1 alpha-2")] = None,
    sector: Annotated[
        str | None, Query(pattern=r"^(public|private|social|academic|philanthropic)$")
    ] = None,
    kind: Annotated[
        str | None, Query(pattern=r"^[a-z_]{2,40}$", description="an actor kind of the taxonomy")
    ] = None,
    issue_area: Annotated[
        str | None, Query(pattern=r"^[a-z_]{2,40}$", json_schema_extra={"enum": list(ISSUE_AREAS)})
    ] = None,
    cross_border: Annotated[bool, Query(description="only actors in another country")] = False,
    prefer: Annotated[
        Geography | None, Query(description="the geography preferred; the profile's unless set")
    ] = None,
):
    filters = SuggestionFilters(
        country=country,
        sector=sector,
        kind=kind,
        issue_area=issue_area,
        cross_border=cross_border,
        prefer=prefer,
    )
    return await SuggestionService(session).suggest(actor_id, k, filters)
