"""/registry/hubs/{hub_id}/operators, /registry/programmes, /registry/cohorts, /registry/memberships."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from sihub_registry.common.consent import DECISION_DOCS, ConfirmationDecision
from sihub_registry.common.pages import next_cursor, read_cursor
from sihub_registry.common.params import IfMatch, ModifiedAfter, PathId, RecordId
from sihub_registry.common.responses import with_etag
from sihub_registry.hubs.repository import MembershipFilters
from sihub_registry.hubs.schemas import (
    CohortCreate,
    CohortState,
    CohortUpdate,
    HubOperators,
    MembershipCreate,
    MembershipPage,
    MembershipState,
    MembershipUpdate,
    ProgrammeCreate,
    ProgrammePage,
    ProgrammePublic,
    ProgrammeUpdate,
)
from sihub_registry.hubs.service import HubService
from sihub_shared.db import Session
from sihub_shared.identity import CurrentIdentity
from sihub_shared.openapi import problems
from sihub_shared.pagination import DEFAULT_LIMIT, Cursor, Limit
from sihub_shared.strict import Line

router = APIRouter(prefix="/registry", tags=["hubs"])

@router.get("/hubs/{hub_id}/operators", response_model=HubOperators, summary="Who operates a hub")
async def hub_operators(hub_id: PathId, session: Session, _: CurrentIdentity):
    return await HubService(session).operators(hub_id)


@router.put("/hubs/{hub_id}/operators/{account_id}", response_model=HubOperators,
            summary="Make an account an operator of the hub (the hub's owner or an admin)")
async def add_hub_operator(hub_id: PathId, account_id: Line, session: Session, identity: CurrentIdentity):
    return await HubService(session).add_operator(identity, hub_id, account_id)


@router.delete("/hubs/{hub_id}/operators/{account_id}", response_model=HubOperators,
               summary="Stop an account operating the hub (the hub's owner or an admin)")
async def remove_hub_operator(hub_id: PathId, account_id: Line, session: Session, identity: CurrentIdentity):
    return await HubService(session).remove_operator(identity, hub_id, account_id)


@router.post("/programmes", responses=problems(409), status_code=status.HTTP_201_CREATED, response_model=ProgrammePublic,
             summary="Start a hub programme, optionally with its cohorts (hub operators)")
async def create_programme(data: ProgrammeCreate, session: Session, identity: CurrentIdentity, response: Response):
    service = HubService(session)
    programme = await service.create_programme(identity, data)
    with_etag(response, programme.version, f"/api/v1/registry/programmes/{programme.id}")
    return await service.programme_public(programme)


@router.get("/programmes", response_model=ProgrammePage)
async def list_programmes(
    session: Session,
    _: CurrentIdentity,
    hub: Annotated[list[RecordId], Query(description="programmes of these hubs")] = [],  # noqa: B006
    ref_prefix: Annotated[Line | None, Query(min_length=1, max_length=200)] = None,
    modified_after: ModifiedAfter = None,
    include_deleted: bool = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
):
    mode, after = read_cursor(cursor, modified_after)
    service = HubService(session)
    rows = await service.list_programmes(hub, ref_prefix, modified_after, include_deleted, mode, after, limit)
    return ProgrammePage(items=await service.programmes_public(rows[:limit]), next_cursor=next_cursor(rows, limit, mode))


@router.get("/programmes/{programme_id}", response_model=ProgrammePublic)
async def get_programme(programme_id: PathId, session: Session, _: CurrentIdentity, response: Response):
    service = HubService(session)
    programme = await service.programme(programme_id)
    with_etag(response, programme.version)
    return await service.programme_public(programme)


@router.patch("/programmes/{programme_id}", responses=problems(409), response_model=ProgrammePublic)
async def update_programme(programme_id: PathId, data: ProgrammeUpdate, session: Session, identity: CurrentIdentity,
                           response: Response, if_match: IfMatch = None):
    service = HubService(session)
    programme = await service.update_programme(identity, programme_id, data, if_match)
    with_etag(response, programme.version)
    return await service.programme_public(programme)


@router.delete("/programmes/{programme_id}", responses=problems(409), response_model=ProgrammePublic)
async def delete_programme(programme_id: PathId, session: Session, identity: CurrentIdentity, response: Response,
                           if_match: IfMatch = None):
    service = HubService(session)
    programme = await service.delete_programme(identity, programme_id, if_match)
    with_etag(response, programme.version)
    return await service.programme_public(programme)


@router.post("/cohorts", responses=problems(409), status_code=status.HTTP_201_CREATED, response_model=CohortState)
async def create_cohort(data: CohortCreate, session: Session, identity: CurrentIdentity, response: Response):
    cohort = await HubService(session).create_cohort(identity, data)
    with_etag(response, cohort.version, f"/api/v1/registry/cohorts/{cohort.id}")
    return cohort


@router.get("/cohorts/{cohort_id}", response_model=CohortState)
async def get_cohort(cohort_id: PathId, session: Session, _: CurrentIdentity, response: Response):
    cohort = await HubService(session).cohort(cohort_id)
    with_etag(response, cohort.version)
    return cohort


@router.patch("/cohorts/{cohort_id}", responses=problems(409), response_model=CohortState)
async def update_cohort(cohort_id: PathId, data: CohortUpdate, session: Session, identity: CurrentIdentity,
                        response: Response, if_match: IfMatch = None):
    cohort = await HubService(session).update_cohort(identity, cohort_id, data, if_match)
    with_etag(response, cohort.version)
    return cohort


@router.delete("/cohorts/{cohort_id}", responses=problems(409), response_model=CohortState)
async def delete_cohort(cohort_id: PathId, session: Session, identity: CurrentIdentity, response: Response,
                        if_match: IfMatch = None):
    cohort = await HubService(session).delete_cohort(identity, cohort_id, if_match)
    with_etag(response, cohort.version)
    return cohort


@router.post("/memberships", responses=problems(409), status_code=status.HTTP_201_CREATED, response_model=MembershipState,
             summary="Put an actor in a hub's programme (and cohort) (hub operators)")
async def create_membership(data: MembershipCreate, session: Session, identity: CurrentIdentity, response: Response):
    service = HubService(session)
    membership = await service.create_membership(identity, data)
    with_etag(response, membership.version, f"/api/v1/registry/memberships/{membership.id}")
    return await service.state(membership)


@router.get("/memberships", response_model=MembershipPage)
async def list_memberships(
    session: Session,
    _: CurrentIdentity,
    hub: Annotated[list[RecordId], Query()] = [],  # noqa: B006
    programme_id: Annotated[list[RecordId], Query()] = [],  # noqa: B006
    cohort_id: Annotated[list[RecordId], Query()] = [],  # noqa: B006
    actor_id: Annotated[list[RecordId], Query()] = [],  # noqa: B006
    ref_prefix: Annotated[Line | None, Query(min_length=1, max_length=200)] = None,
    modified_after: ModifiedAfter = None,
    include_deleted: bool = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
):
    mode, after = read_cursor(cursor, modified_after)
    filters = MembershipFilters(hub=hub, programme_id=programme_id, cohort_id=cohort_id, actor_id=actor_id,
                                ref_prefix=ref_prefix, modified_after=modified_after, include_deleted=include_deleted)
    service = HubService(session)
    rows = await service.memberships(filters, mode, after, limit)
    return MembershipPage(items=await service.states(rows[:limit]), next_cursor=next_cursor(rows, limit, mode))


@router.get("/memberships/{membership_id}", response_model=MembershipState)
async def get_membership(membership_id: PathId, session: Session, _: CurrentIdentity, response: Response):
    service = HubService(session)
    membership = await service.membership(membership_id)
    with_etag(response, membership.version)
    return await service.state(membership)


@router.patch("/memberships/{membership_id}", responses=problems(409), response_model=MembershipState)
async def update_membership(membership_id: PathId, data: MembershipUpdate, session: Session, identity: CurrentIdentity,
                            response: Response, if_match: IfMatch = None):
    service = HubService(session)
    membership = await service.update_membership(identity, membership_id, data, if_match)
    with_etag(response, membership.version)
    return await service.state(membership)


@router.delete("/memberships/{membership_id}", response_model=MembershipState)
async def delete_membership(membership_id: PathId, session: Session, identity: CurrentIdentity, response: Response,
                            if_match: IfMatch = None):
    service = HubService(session)
    membership = await service.delete_membership(identity, membership_id, if_match)
    with_etag(response, membership.version)
    return await service.state(membership)


@router.put("/memberships/{membership_id}/confirmations/{actor_id}", response_model=MembershipState, **DECISION_DOCS)
async def decide_membership(membership_id: PathId, actor_id: PathId,
                            data: ConfirmationDecision, session: Session, identity: CurrentIdentity, response: Response):
    service = HubService(session)
    membership = await service.decide_membership(identity, membership_id, actor_id, data)
    with_etag(response, membership.version)
    return await service.state(membership)
