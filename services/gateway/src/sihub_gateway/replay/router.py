"""`GET /api/v1/events`: the published events over HTTP, for integrators without a NATS client;
`GET /api/v1/events/live`: the same as Server-Sent Events that keep following new ones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from fastapi.sse import format_sse_event
from pydantic import TypeAdapter

from sihub_gateway.accounts.authentication import IntegratorOrAdmin
from sihub_gateway.event_types import EventTypePattern, EventTypes, event_types, split_patterns
from sihub_gateway.ratelimit import client_address
from sihub_gateway.replay.repository import EventStreams
from sihub_gateway.replay.schemas import EventPage, StreamPosition
from sihub_gateway.replay.service import ReplayService
from sihub_shared.errors import ProblemError
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.openapi import Rule, parameter_rules
from sihub_shared.pagination import DEFAULT_LIMIT, Limit

router = APIRouter(prefix="/events", tags=["events"])
_PROBLEMS = {422: {"description": "`after` or `types` is malformed or names no stream or type"},
             409: {"description": "`after` is past what a stream has published so far"}}
# OpenAPI 3.1 reads the schema of an event stream as that of each event (its fields as SSE parses
# them); the CloudEvent is the JSON text of `data`.
_SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "description": "the CloudEvent's type"},
        "data": {"type": "string", "contentMediaType": "application/json",
                 "contentSchema": TypeAdapter(CloudEvent).json_schema()},
        "id": {"$ref": "#/components/schemas/StreamPosition"},
    },
}
# The pattern states the pairs; that each stream is named once, it cannot.
_POSITION_RULES = parameter_rules(Rule(("after",), "after: each stream named once"))
_EVENT_STREAM = {200: {"description": "`text/event-stream`: per event `event:` its type, `data:` the CloudEvent, "
                       "`id:` the position after it (send it back as Last-Event-ID to resume)",
                       "content": {"text/event-stream": {"schema": _SSE_EVENT}}}}

After = Annotated[
    StreamPosition | None,
    Query(description="`position` of a previous page (`service:sequence,…`); absent: from the first event"),
]
Types = Annotated[
    list[EventTypePattern] | None,
    Query(max_length=20, description="event types, exact or with `*` (`org.sihub.registry.*`); "
          "repeated or comma-separated; absent: every type"),
]


def replay_service(request: Request, types: Annotated[EventTypes, Depends(event_types)]) -> ReplayService:
    state = request.app.state
    if not state.bus.is_connected:
        raise ProblemError("the event store (NATS) is not reachable", status=503, title="Service unavailable")
    return ReplayService(EventStreams(state.bus.jetstream), state.settings.streams, types)


Replay = Annotated[ReplayService, Depends(replay_service)]


@router.get("", response_model=EventPage, responses=_PROBLEMS, openapi_extra=_POSITION_RULES,
            summary="Published events of every stream, oldest first, from any position")
async def replay(_: IntegratorOrAdmin, service: Replay, after: After = None, types: Types = None,
                 limit: Limit = DEFAULT_LIMIT) -> EventPage:
    position, patterns = service.parse(after, split_patterns(types))
    page = await service.page(position, patterns, limit)
    return EventPage(items=[e.event for e, _ in page.events], position=page.position.render(),
                     has_more=page.has_more)


@router.get("/live", response_class=StreamingResponse, responses=_PROBLEMS | _EVENT_STREAM, openapi_extra=_POSITION_RULES,
            summary="The same events as Server-Sent Events, then each new one as it is published")
async def live(
    request: Request,
    _: IntegratorOrAdmin,
    service: Replay,
    after: After = None,
    types: Types = None,
    last_event_id: Annotated[StreamPosition | None, Header(description="resume after this event (the `id` of an SSE event)")] = None,
) -> StreamingResponse:
    # A reconnecting EventSource sends the id of the last event it got: that position wins.
    position, patterns = service.parse(last_event_id or after, split_patterns(types))
    first = await service.page(position, patterns, DEFAULT_LIMIT)  # checks the position before streaming

    authenticator = request.app.state.authenticator
    authorization, address = request.headers.get("authorization"), client_address(request)

    async def stream() -> AsyncIterator[bytes]:
        async for item in service.follow(first, patterns, DEFAULT_LIMIT):
            # The key is checked again before each event and keep-alive (through the authenticator's
            # cache: a look-up once per its lifetime): the stream of a key revoked meanwhile ends.
            if not await authenticator.still_valid(authorization, address):
                return
            if item is None:
                yield format_sse_event(comment="keep-alive")
            else:
                event, after_it = item
                yield format_sse_event(data_str=event.raw.decode(), event=event.event.get("type"),
                                       id=after_it.render())

    # No buffering by a proxy in between: each event leaves as it is written.
    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
