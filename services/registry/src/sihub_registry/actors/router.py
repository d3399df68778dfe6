"""/registry/actors: thin routes over ActorService, ActorImporter and the exports."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse, StreamingResponse

from sihub_registry.actors import exports
from sihub_registry.actors.importer import ActorImporter, ImportMode, OnExisting
from sihub_registry.actors.repository import ActorFilters
from sihub_registry.actors.schemas import (
    ActorCreate,
    ActorImportItem,
    ActorPage,
    ActorPublic,
    ActorUpdate,
    DuplicateMatch,
    DuplicatePair,
    ImportReport,
)
from sihub_registry.actors.service import ActorService, actor_public
from sihub_registry.common.pages import next_cursor, read_cursor
from sihub_registry.common.params import Countries, IdempotencyKey, IfMatch, ModifiedAfter, PathId, RecordId, Regions, checked_places
from sihub_registry.common.search import parse_query
from sihub_registry.taxonomy.terms import ActorKind, Capability, IssueArea, Sector
from sihub_shared.concurrency import etag
from sihub_shared.db import Session
from sihub_shared.identity import CurrentIdentity
from sihub_shared.openapi import body_schema, problems
from sihub_shared.pagination import DEFAULT_LIMIT, Cursor, Limit
from sihub_shared.urls import public_base_url
from sihub_shared.strict import Line

router = APIRouter(prefix="/registry", tags=["actors"])


def actor_filters(
    country: Countries = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    region: Regions = [],  # noqa: B006
    kind: Annotated[list[ActorKind], Query()] = [],  # noqa: B006
    sector: Annotated[list[Sector], Query()] = [],  # noqa: B006
    issue_area: Annotated[list[IssueArea], Query()] = [],  # noqa: B006
    offers: Annotated[list[Capability], Query(description="actors offering any of these")] = [],  # noqa: B006
    needs: Annotated[list[Capability], Query(description="actors needing any of these")] = [],  # noqa: B006
    certification: Annotated[list[Line], Query(description="a scheme code, or scheme:level")] = [],  # noqa: B006
    hub: Annotated[list[RecordId], Query(description="members of this hub (actor id)")] = [],  # noqa: B006
    ref: Annotated[list[Line], Query()] = [],  # noqa: B006
    ref_prefix: Annotated[Line | None, Query(min_length=1, max_length=200)] = None,
    owner: Annotated[Line | None, Query(description="an account id, or `me`")] = None,
    illustrative: bool | None = None,
    q: Annotated[Line | None, Query(min_length=1, max_length=200, description="words or parts of words of any name, in any script")] = None,
    modified_after: ModifiedAfter = None,
    include_deleted: Annotated[bool, Query(description="also deleted actors (tombstones), for a sync")] = False,
    *,
    identity: CurrentIdentity,
) -> ActorFilters:
    checked_places(country, region)
    return ActorFilters(
        country=country, region=region, kind=[k.value for k in kind], sector=[s.value for s in sector],
        issue_area=[a.value for a in issue_area], offers=[c.value for c in offers], needs=[c.value for c in needs],
        certification=certification, hub=hub, ref=ref, ref_prefix=ref_prefix,
        owner=identity.account_id if owner == "me" else owner, illustrative=illustrative,
        terms=parse_query(q), modified_after=modified_after, include_deleted=include_deleted,
    )


Filters = Annotated[ActorFilters, Depends(actor_filters)]


def _with_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


@router.post("/actors", responses=problems(409), status_code=status.HTTP_201_CREATED, response_model=ActorPublic, summary="Register an actor (you own it)")
async def create_actor(data: ActorCreate, session: Session, identity: CurrentIdentity, response: Response):
    actor = await ActorService(session).create(identity, data)
    _with_etag(response, actor.version)
    response.headers["Location"] = f"/api/v1/registry/actors/{actor.id}"
    return actor_public(actor, identity)


@router.get("/actors", response_model=ActorPage, summary="List and search actors")
async def list_actors(session: Session, identity: CurrentIdentity, filters: Filters, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT):
    mode, after = read_cursor(cursor, filters.modified_after)
    rows = await ActorService(session).list(filters, mode, after, limit)
    return ActorPage(items=[actor_public(a, identity) for a in rows[:limit]], next_cursor=next_cursor(rows, limit, mode))


@router.post(
    "/actors/import",
    response_model=ImportReport,
    status_code=status.HTTP_201_CREATED,
    summary="Bulk import actors from CSV or JSON",
    openapi_extra={"requestBody": {
        "description": "CSV with a header row, or a JSON array of actors as POST /actors takes them. An export "
                       "imports as it is: the read-only columns and fields it adds (id, sector, owner_account_id, "
                       "version, created_at, updated_at) are checked and read past; a record with deleted_at set "
                       "is a row error. A listing's items import too: contacts null (another account's actor) reads as none.",
        "content": {"text/csv": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "array", "items": body_schema(ActorImportItem)}}}}},
)
async def import_actors(
    request: Request,
    session: Session,
    identity: CurrentIdentity,
    idempotency_key: IdempotencyKey = None,
    mode: ImportMode = ImportMode.ALL,
    existing: OnExisting = OnExisting.ERROR,
    format: Annotated[str | None, Query(pattern="^(csv|json)$", description="overrides Content-Type")] = None,  # noqa: A002
):
    status_code, answer, replayed = await ActorImporter(session).run(
        identity,
        body=await request.body(),
        content_type=request.headers.get("content-type"),
        explicit_format=format,
        mode=mode,
        existing=existing,
        idempotency_key=idempotency_key,
        request_line=f"POST {request.url.path}?{request.url.query}",
    )
    return JSONResponse(answer, status_code=status_code, headers={"Idempotent-Replayed": "true"} if replayed else None)


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    HSDS = "hsds"


@router.get("/actors/export", summary="Export actors as JSON, CSV or an HSDS 3 organisations document",
            description="CSV: the import's columns; a cell that would start with =, +, -, @, tab or carriage return "
                        "is written with a single quote in front, so that a spreadsheet never runs it as a formula "
                        "(OWASP CSV injection); an import drops that quote again. List cells (issue areas, offers, "
                        "needs, certifications, identifiers) separate items with `;`; an item's own `;` is written "
                        "`\\;` and a backslash `\\\\`, as the import reads them. A language's name column repeats for "
                        "an actor's second (third, ...) name in it (name_en, name_en). `bom=true` puts a UTF-8 byte "
                        "order mark first, which spreadsheets (Excel) need to read Korean, Japanese, Chinese or Thai "
                        "text from a CSV file; an import reads past it. HSDS: each organisation validates "
                        "against HSDS 3.0.1 `compiled/organization.json` (absent optional values are left out).",
            response_class=StreamingResponse)
async def export_actors(request: Request, filters: Filters, format: ExportFormat = ExportFormat.JSON,  # noqa: A002
                        bom: Annotated[bool, Query(description="CSV only: a UTF-8 byte order mark first, for spreadsheets")] = False):
    database = request.app.state.database
    if format is ExportFormat.CSV:
        return StreamingResponse(exports.export_csv(database, filters, bom=bom), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="actors.csv"'})
    if format is ExportFormat.HSDS:
        return StreamingResponse(exports.export_hsds(database, filters, public_base_url(request)), media_type="application/json")
    return StreamingResponse(exports.export_json(database, filters), media_type="application/json")


@router.get("/actors/duplicates", response_model=list[DuplicatePair], summary="Possible duplicate pairs among the filtered actors")
async def duplicate_pairs(session: Session, filters: Filters):
    return await ActorService(session).duplicate_pairs(filters)


@router.get("/actors/{actor_id}", response_model=ActorPublic)
async def get_actor(actor_id: PathId, session: Session, identity: CurrentIdentity, response: Response,
                    include_deleted: bool = False):
    actor = await ActorService(session).get(actor_id, deleted_ok=include_deleted)
    _with_etag(response, actor.version)
    return actor_public(actor, identity)


@router.patch("/actors/{actor_id}", responses=problems(409), response_model=ActorPublic, summary="Change an actor (owner or admin; If-Match)")
async def update_actor(actor_id: PathId, data: ActorUpdate, session: Session, identity: CurrentIdentity,
                       response: Response, if_match: IfMatch = None):
    actor = await ActorService(session).update(identity, actor_id, data, if_match)
    _with_etag(response, actor.version)
    return actor_public(actor, identity)


@router.delete("/actors/{actor_id}", response_model=ActorPublic, summary="Delete an actor (soft; owner or admin; If-Match)")
async def delete_actor(actor_id: PathId, session: Session, identity: CurrentIdentity, response: Response,
                       if_match: IfMatch = None):
    actor = await ActorService(session).delete(identity, actor_id, if_match)
    _with_etag(response, actor.version)
    return actor_public(actor, identity)


@router.get("/actors/{actor_id}/duplicates", response_model=list[DuplicateMatch],
            summary="Actors that may be the same organisation (shared identifier, or names alike across scripts)")
async def actor_duplicates(actor_id: PathId, session: Session):
    return await ActorService(session).duplicates_of(actor_id)
