"""/matching/rounds (create, read, change, run, progress, publish, export, proposals) and
/matching/proposals (an actor's proposals; accept or decline on its behalf)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from sihub_matching.rounds.models import MatchRound
from sihub_matching.rounds.runner import run_in_background
from sihub_matching.rounds.schemas import (
    Decision,
    ProposalPublic,
    RoundCreate,
    RoundExport,
    RoundProgress,
    RoundPublic,
    RoundSummary,
    RoundUpdate,
)
from sihub_matching.rounds.service import RoundService
from sihub_shared.concurrency import etag
from sihub_shared.db import Session
from sihub_shared.errors import ProblemError
from sihub_shared.identity import CurrentIdentity
from sihub_shared.openapi import problems
from sihub_shared.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, encode_cursor

router = APIRouter(prefix="/matching", tags=["rounds"])
ID_PATTERN = r"^[A-Za-z0-9_-]+$"
RoundId = Annotated[str, Path(min_length=1, max_length=36, pattern=ID_PATTERN)]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="the ETag you read")]


async def _public(service: RoundService, row: MatchRound) -> RoundPublic:
    draft = await service.draft(row.id)
    return RoundPublic.model_validate(
        {**row.model_dump(), "draft": draft.result if draft is not None else None}
    )


@router.post(
    "/rounds",
    response_model=RoundPublic,
    status_code=201,
    responses=problems(409),  # participants that are not there (ReferenceConflict)
    summary="Create a round for a hub you operate (seekers, providers, capacities, pairs, objective)",
)
async def create_round(
    body: RoundCreate, session: Session, identity: CurrentIdentity, response: Response
):
    service = RoundService(session)
    row = await service.create(identity, body)
    response.headers["ETag"] = etag(row.version)
    response.headers["Location"] = f"/api/v1/matching/rounds/{row.id}"
    return await _public(service, row)


@router.get(
    "/rounds",
    response_model=Page[RoundSummary],
    responses=problems(404),  # the hub named in the query is not known
    summary="A hub's rounds, in id order",
)
async def list_rounds(
    session: Session,
    hub_id: Annotated[str, Query(min_length=1, max_length=36, pattern=ID_PATTERN)],
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
):
    after = None
    if cursor is not None:
        after = decode_cursor(cursor).get("id")
        if not isinstance(after, str):
            raise ProblemError.for_field("cursor", "not a cursor this API gave out")
    rows = await RoundService(session).of_hub(hub_id, after, limit + 1)
    items = [RoundSummary.model_validate(row.model_dump()) for row in rows[:limit]]
    return Page(
        items=items, next_cursor=encode_cursor({"id": items[-1].id}) if len(rows) > limit else None
    )


@router.get(
    "/rounds/{round_id}", response_model=RoundPublic, summary="A round and its latest draft"
)
async def get_round(round_id: RoundId, session: Session, response: Response):
    service = RoundService(session)
    row = await service.get(round_id)
    response.headers["ETag"] = etag(row.version)
    return await _public(service, row)


@router.patch(
    "/rounds/{round_id}",
    response_model=RoundPublic,
    responses=problems(409),  # the round is running; its participants are gone
    summary="Change a round: pin (must_pairs) or forbid pairs, weights, capacities; then re-run "
    "(If-Match: the ETag you read)",
)
async def update_round(
    round_id: RoundId,
    body: RoundUpdate,
    session: Session,
    identity: CurrentIdentity,
    response: Response,
    if_match: IfMatch = None,
):
    service = RoundService(session)
    row = await service.update(identity, round_id, body, if_match)
    response.headers["ETag"] = etag(row.version)
    return await _public(service, row)


@router.post(
    "/rounds/{round_id}/run",
    response_model=RoundPublic,
    responses={
        202: {"model": RoundProgress, "description": "a large round, running in the background"},
        **problems(409),  # already running; its participants are gone
    },
    summary="Run the round: a draft with diagnostics (large rounds: 202, then poll /progress)",
)
async def run_round(
    round_id: RoundId,
    request: Request,
    background: BackgroundTasks,
    session: Session,
    identity: CurrentIdentity,
):
    settings = request.app.state.settings
    service = RoundService(session)
    row, later = await service.start_run(
        identity, round_id, settings.background_round_cells, settings.round_run_lease_s
    )
    if later:
        background.add_task(
            run_in_background, request.app.state.database, row.id, settings.round_run_lease_s
        )
        progress = RoundProgress(
            id=row.id, run_state=row.run_state, progress=row.progress, drafts=row.drafts
        )
        return JSONResponse(progress.model_dump(), status_code=202)
    return await _public(service, row)


@router.get(
    "/rounds/{round_id}/progress", response_model=RoundProgress, summary="Where a run stands"
)
async def round_progress(round_id: RoundId, session: Session):
    row = await RoundService(session).get(round_id)
    return RoundProgress(
        id=row.id, run_state=row.run_state, progress=row.progress, drafts=row.drafts
    )


@router.post(
    "/rounds/{round_id}/publish",
    response_model=RoundPublic,
    responses=problems(409),  # nothing to publish, or this draft is published already
    summary="Publish the draft: each matched pair becomes a proposal to both actors' owners",
)
async def publish_round(round_id: RoundId, session: Session, identity: CurrentIdentity):
    service = RoundService(session)
    return await _public(service, await service.publish(identity, round_id))


@router.get(
    "/rounds/{round_id}/export",
    response_model=RoundExport,
    responses=problems(409),  # the round has not run yet
    summary="The audit export: the solver's exact inputs and its assignment, to re-check offline",
)
async def export_round(round_id: RoundId, session: Session):
    return await RoundService(session).export(round_id)


@router.get(
    "/rounds/{round_id}/proposals",
    response_model=list[ProposalPublic],
    summary="A round's proposals",
)
async def round_proposals(round_id: RoundId, session: Session):
    return await RoundService(session).proposals(round_id)


@router.get(
    "/proposals", response_model=list[ProposalPublic], summary="The proposals of an actor you own",
    responses=problems(404),  # the actor named in the query is not known
)
async def actor_proposals(
    session: Session,
    identity: CurrentIdentity,
    actor_id: Annotated[str, Query(min_length=1, max_length=36, pattern=ID_PATTERN)],
):
    return await RoundService(session).proposals_of_actor(identity, actor_id)


@router.post(
    "/proposals/{proposal_id}/accept",
    response_model=ProposalPublic,
    responses=problems(409),  # decided already; actor_id is not one of the proposal's two
    summary="Accept a proposal for an actor you own; when both accept, `match.accepted` is emitted",
)
async def accept_proposal(
    proposal_id: RoundId, body: Decision, session: Session, identity: CurrentIdentity
):
    return await RoundService(session).decide(identity, proposal_id, body.actor_id, "accepted")


@router.post(
    "/proposals/{proposal_id}/decline",
    response_model=ProposalPublic,
    responses=problems(409),  # decided already; actor_id is not one of the proposal's two
    summary="Decline a proposal for an actor you own; the pair is not proposed again",
)
async def decline_proposal(
    proposal_id: RoundId, body: Decision, session: Session, identity: CurrentIdentity
):
    return await RoundService(session).decide(identity, proposal_id, body.actor_id, "declined")
