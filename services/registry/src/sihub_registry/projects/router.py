"""/registry/projects"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from sihub_registry.common.consent import DECISION_DOCS, ConfirmationDecision
from sihub_registry.common.pages import next_cursor, read_cursor
from sihub_registry.common.params import Countries, IfMatch, ModifiedAfter, PathId, RecordId, Regions, checked_places
from sihub_registry.common.responses import with_etag
from sihub_registry.common.search import parse_query
from sihub_registry.projects.models import ProjectStatus
from sihub_registry.projects.repository import ProjectFilters
from sihub_registry.projects.schemas import ProjectCreate, ProjectPage, ProjectState, ProjectUpdate
from sihub_registry.projects.service import ProjectService
from sihub_registry.taxonomy.terms import IssueArea
from sihub_shared.db import Session
from sihub_shared.identity import CurrentIdentity
from sihub_shared.openapi import problems
from sihub_shared.pagination import DEFAULT_LIMIT, Cursor, Limit
from sihub_shared.strict import Line

router = APIRouter(prefix="/registry", tags=["projects"])


@router.post("/projects", responses=problems(409), status_code=status.HTTP_201_CREATED, response_model=ProjectState,
             summary="Register a project of an actor you own")
async def create_project(data: ProjectCreate, session: Session, identity: CurrentIdentity, response: Response):
    project = await ProjectService(session).create(identity, data)
    with_etag(response, project.version, f"/api/v1/registry/projects/{project.id}")
    return project


@router.get("/projects", response_model=ProjectPage)
async def list_projects(
    session: Session,
    _: CurrentIdentity,
    actor_id: Annotated[list[RecordId], Query(description="led by or partnered by these actors")] = [],  # noqa: B006
    country: Countries = [],  # noqa: B006
    region: Regions = [],  # noqa: B006
    issue_area: Annotated[list[IssueArea], Query()] = [],  # noqa: B006
    status: Annotated[list[ProjectStatus], Query()] = [],  # noqa: B006
    q: Annotated[Line | None, Query(min_length=1, max_length=200, description="words of a title, in any script")] = None,
    ref_prefix: Annotated[Line | None, Query(min_length=1, max_length=200)] = None,
    modified_after: ModifiedAfter = None,
    include_deleted: bool = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
):
    checked_places(country, region)
    filters = ProjectFilters(actor_id=actor_id, country=country, region=region, issue_area=[a.value for a in issue_area],
                             status=[s.value for s in status], terms=parse_query(q), ref_prefix=ref_prefix,
                             modified_after=modified_after, include_deleted=include_deleted)
    mode, after = read_cursor(cursor, modified_after)
    rows = await ProjectService(session).list(filters, mode, after, limit)
    return ProjectPage(items=rows[:limit], next_cursor=next_cursor(rows, limit, mode))


@router.get("/projects/{project_id}", response_model=ProjectState)
async def get_project(project_id: PathId, session: Session, _: CurrentIdentity, response: Response):
    project = await ProjectService(session).get(project_id)
    with_etag(response, project.version)
    return project


@router.patch("/projects/{project_id}", responses=problems(409), response_model=ProjectState, summary="Change a project (its lead actor's owner or an admin; If-Match)")
async def update_project(project_id: PathId, data: ProjectUpdate, session: Session, identity: CurrentIdentity,
                         response: Response, if_match: IfMatch = None):
    project = await ProjectService(session).update(identity, project_id, data, if_match)
    with_etag(response, project.version)
    return project


@router.delete("/projects/{project_id}", response_model=ProjectState)
async def delete_project(project_id: PathId, session: Session, identity: CurrentIdentity, response: Response,
                         if_match: IfMatch = None):
    project = await ProjectService(session).delete(identity, project_id, if_match)
    with_etag(response, project.version)
    return project


@router.put("/projects/{project_id}/confirmations/{actor_id}", response_model=ProjectState, **DECISION_DOCS)
async def decide_project(project_id: PathId, actor_id: PathId,
                         data: ConfirmationDecision, session: Session, identity: CurrentIdentity, response: Response):
    project = await ProjectService(session).decide(identity, project_id, actor_id, data)
    with_etag(response, project.version)
    return project
