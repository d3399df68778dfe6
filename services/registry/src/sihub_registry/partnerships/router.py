"""/registry/partnerships"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from sihub_registry.common.consent import DECISION_DOCS, ConfirmationDecision
from sihub_registry.common.pages import next_cursor, read_cursor
from sihub_registry.common.params import IfMatch, ModifiedAfter, PathId, RecordId
from sihub_registry.common.responses import with_etag
from sihub_registry.partnerships.models import PartnershipOrigin
from sihub_registry.partnerships.repository import PartnershipFilters
from sihub_registry.partnerships.schemas import PartnershipCreate, PartnershipPage, PartnershipState, PartnershipUpdate
from sihub_registry.partnerships.service import PartnershipService
from sihub_registry.taxonomy.terms import PartnershipStatus, PartnershipType
from sihub_shared.db import Session
from sihub_shared.identity import CurrentIdentity
from sihub_shared.openapi import problems
from sihub_shared.pagination import DEFAULT_LIMIT, Cursor, Limit
from sihub_shared.strict import Line

router = APIRouter(prefix="/registry", tags=["partnerships"])


@router.post("/partnerships", responses=problems(409), status_code=status.HTTP_201_CREATED, response_model=PartnershipState,
             summary="Register a partnership between two or more actors (you must own one of them)")
async def create_partnership(data: PartnershipCreate, session: Session, identity: CurrentIdentity, response: Response):
    partnership = await PartnershipService(session).create(identity, data)
    with_etag(response, partnership.version, f"/api/v1/registry/partnerships/{partnership.id}")
    return partnership


@router.get("/partnerships", response_model=PartnershipPage)
async def list_partnerships(
    session: Session,
    _: CurrentIdentity,
    actor_id: Annotated[list[RecordId], Query(description="involving any of these actors")] = [],  # noqa: B006
    type: Annotated[list[PartnershipType], Query()] = [],  # noqa: A002, B006
    status: Annotated[list[PartnershipStatus], Query()] = [],  # noqa: B006
    origin: Annotated[list[PartnershipOrigin], Query()] = [],  # noqa: B006
    ref_prefix: Annotated[Line | None, Query(min_length=1, max_length=200)] = None,
    modified_after: ModifiedAfter = None,
    include_deleted: bool = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
):
    filters = PartnershipFilters(actor_id=actor_id, type=[t.value for t in type], status=[s.value for s in status],
                                 origin=[o.value for o in origin], ref_prefix=ref_prefix, modified_after=modified_after,
                                 include_deleted=include_deleted)
    mode, after = read_cursor(cursor, modified_after)
    rows = await PartnershipService(session).list(filters, mode, after, limit)
    return PartnershipPage(items=rows[:limit], next_cursor=next_cursor(rows, limit, mode))


@router.get("/partnerships/{partnership_id}", response_model=PartnershipState)
async def get_partnership(partnership_id: PathId, session: Session, _: CurrentIdentity, response: Response):
    partnership = await PartnershipService(session).get(partnership_id)
    with_etag(response, partnership.version)
    return partnership


@router.patch("/partnerships/{partnership_id}", responses=problems(409), response_model=PartnershipState,
              summary="Change a partnership, e.g. its status (owners of its actors or an admin; If-Match)")
async def update_partnership(partnership_id: PathId, data: PartnershipUpdate, session: Session, identity: CurrentIdentity,
                             response: Response, if_match: IfMatch = None):
    partnership = await PartnershipService(session).update(identity, partnership_id, data, if_match)
    with_etag(response, partnership.version)
    return partnership


@router.delete("/partnerships/{partnership_id}", response_model=PartnershipState)
async def delete_partnership(partnership_id: PathId, session: Session, identity: CurrentIdentity, response: Response,
                             if_match: IfMatch = None):
    partnership = await PartnershipService(session).delete(identity, partnership_id, if_match)
    with_etag(response, partnership.version)
    return partnership


@router.put("/partnerships/{partnership_id}/confirmations/{actor_id}", response_model=PartnershipState, **DECISION_DOCS)
async def decide_partnership(partnership_id: PathId, actor_id: PathId,
                             data: ConfirmationDecision, session: Session, identity: CurrentIdentity, response: Response):
    partnership = await PartnershipService(session).decide(identity, partnership_id, actor_id, data)
    with_etag(response, partnership.version)
    return partnership
