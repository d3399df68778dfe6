"""/registry/case-studies"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import Field

from sihub_registry.case_studies.repository import CaseStudyFilters
from sihub_registry.case_studies.schemas import CaseStudyCreate, CaseStudyPage, CaseStudyState, CaseStudyUpdate
from sihub_registry.case_studies.service import CaseStudyService
from sihub_registry.common.consent import DECISION_DOCS, ConfirmationDecision
from sihub_registry.common.pages import next_cursor, read_cursor
from sihub_registry.common.params import Countries, IfMatch, ModifiedAfter, PathId, RecordId, Regions, checked_places
from sihub_registry.common.responses import with_etag
from sihub_registry.common.search import parse_query
from sihub_registry.taxonomy.terms import IssueArea
from sihub_shared.db import Session
from sihub_shared.identity import CurrentIdentity
from sihub_shared.openapi import problems
from sihub_shared.pagination import DEFAULT_LIMIT, Cursor, Limit
from sihub_shared.strict import Line

router = APIRouter(prefix="/registry", tags=["case studies"])


@router.post("/case-studies", responses=problems(409), status_code=status.HTTP_201_CREATED, response_model=CaseStudyState,
             summary="Publish a case study (you own it)")
async def create_case_study(data: CaseStudyCreate, session: Session, identity: CurrentIdentity, response: Response):
    case_study = await CaseStudyService(session).create(identity, data)
    with_etag(response, case_study.version, f"/api/v1/registry/case-studies/{case_study.id}")
    return case_study


@router.get("/case-studies", response_model=CaseStudyPage, summary="List and search case studies")
async def list_case_studies(
    session: Session,
    _: CurrentIdentity,
    q: Annotated[Line | None, Query(min_length=1, max_length=200, description="words of a title or summary, in any script")] = None,
    country: Countries = [],  # noqa: B006
    region: Regions = [],  # noqa: B006
    issue_area: Annotated[list[IssueArea], Query()] = [],  # noqa: B006
    actor_id: Annotated[list[RecordId], Query(description="involving any of these actors")] = [],  # noqa: B006
    year: Annotated[list[Annotated[int, Field(ge=1900, le=2100)]], Query(description="published in any of these years")] = [],  # noqa: B006
    illustrative: bool | None = None,
    ref_prefix: Annotated[Line | None, Query(min_length=1, max_length=200)] = None,
    modified_after: ModifiedAfter = None,
    include_deleted: bool = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
):
    checked_places(country, region)
    filters = CaseStudyFilters(actor_id=actor_id, country=country, region=region, issue_area=[a.value for a in issue_area],
                               year=year, illustrative=illustrative, terms=parse_query(q), ref_prefix=ref_prefix,
                               modified_after=modified_after, include_deleted=include_deleted)
    mode, after = read_cursor(cursor, modified_after)
    rows = await CaseStudyService(session).list(filters, mode, after, limit)
    return CaseStudyPage(items=rows[:limit], next_cursor=next_cursor(rows, limit, mode))


@router.get("/case-studies/{case_study_id}", response_model=CaseStudyState)
async def get_case_study(case_study_id: PathId, session: Session, _: CurrentIdentity, response: Response):
    case_study = await CaseStudyService(session).get(case_study_id)
    with_etag(response, case_study.version)
    return case_study


@router.patch("/case-studies/{case_study_id}", responses=problems(409), response_model=CaseStudyState)
async def update_case_study(case_study_id: PathId, data: CaseStudyUpdate, session: Session, identity: CurrentIdentity,
                            response: Response, if_match: IfMatch = None):
    case_study = await CaseStudyService(session).update(identity, case_study_id, data, if_match)
    with_etag(response, case_study.version)
    return case_study


@router.delete("/case-studies/{case_study_id}", response_model=CaseStudyState)
async def delete_case_study(case_study_id: PathId, session: Session, identity: CurrentIdentity, response: Response,
                            if_match: IfMatch = None):
    case_study = await CaseStudyService(session).delete(identity, case_study_id, if_match)
    with_etag(response, case_study.version)
    return case_study


@router.put("/case-studies/{case_study_id}/confirmations/{actor_id}", response_model=CaseStudyState, **DECISION_DOCS)
async def decide_case_study(case_study_id: PathId, actor_id: PathId,
                            data: ConfirmationDecision, session: Session, identity: CurrentIdentity, response: Response):
    case_study = await CaseStudyService(session).decide(identity, case_study_id, actor_id, data)
    with_etag(response, case_study.version)
    return case_study
