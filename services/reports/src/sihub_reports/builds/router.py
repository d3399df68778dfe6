"""/reports/builds: list, request, read (json, html, md, pdf) and rebuild reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request, Response, status
from sihub_shared.db import Session
from sihub_shared.identity import CurrentIdentity
from sihub_shared.openapi import problems
from sihub_shared.pagination import DEFAULT_LIMIT, Cursor, Limit
from sihub_shared.strict import Line
from sihub_shared.urls import public_base_url

from sihub_reports.builds.schemas import BuildPage, BuildPublic, BuildRequest, Format, RebuildResult
from sihub_reports.builds.service import BuildService, public, run_in_background

router = APIRouter(prefix="/reports", tags=["builds"])
BuildId = Annotated[Line, Path(min_length=1, max_length=36)]
MEDIA_TYPES = {Format.JSON: "application/json", Format.HTML: "text/html; charset=utf-8",
               Format.MD: "text/markdown; charset=utf-8", Format.PDF: "application/pdf"}


@router.get("/builds", response_model=BuildPage, summary="Builds, newest first")
async def list_builds(session: Session, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> BuildPage:
    rows, next_cursor = await BuildService(session).page(limit, cursor)
    return BuildPage(items=[public(b) for b in rows], next_cursor=next_cursor)


@router.post("/builds", response_model=BuildPublic, status_code=status.HTTP_201_CREATED,
             summary="Build a country or comparative report from the read model as it is now",
             responses={202: {"description": "large: building in the background; poll the build for progress",
                              "model": BuildPublic}})
async def request_build(body: BuildRequest, session: Session, identity: CurrentIdentity, request: Request,
                        response: Response, tasks: BackgroundTasks) -> BuildPublic:
    settings = request.app.state.settings
    build, in_background = await BuildService(session).request(
        body, identity.account_id, background_events=settings.background_build_events, lease_s=settings.build_lease_s)
    response.headers["Location"] = f"/api/v1/reports/builds/{build.id}"
    if in_background:
        response.status_code = status.HTTP_202_ACCEPTED
        tasks.add_task(run_in_background, request.app.state.database, build.id, settings.build_lease_s)
    return public(build)


@router.get("/builds/{build_id}", summary="A stored build, as JSON (canonical), HTML, Markdown or PDF",
            # 409: the build is still queued or running (or failed), so it has no content yet.
            responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}}, **problems(409)})
async def get_build(build_id: BuildId, session: Session, request: Request,
                    format: Annotated[Format, Query(description="json, html, md or pdf")] = Format.JSON) -> Response:
    # HTML, Markdown and PDF link their evidence on the address asked on, so that a saved file still does.
    content = await BuildService(session).content(build_id, format, public_base_url(request))
    return Response(content, media_type=MEDIA_TYPES[format])


@router.get("/builds/{build_id}/status", response_model=BuildPublic, summary="A build's status and progress")
async def build_status(build_id: BuildId, session: Session) -> BuildPublic:
    return public(await BuildService(session).get(build_id))


# 409: the build is not done, or the read model has not read as far as the build's positions.
@router.post("/builds/{build_id}/rebuild", response_model=RebuildResult, responses=problems(409),
             summary="Rebuild from the recorded stream positions into a fresh projection; say whether identical")
async def rebuild(build_id: BuildId, session: Session) -> RebuildResult:
    return await BuildService(session).rebuild(build_id)
