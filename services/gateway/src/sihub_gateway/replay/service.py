"""Replay over HTTP: pages of the published events of every stream, merged oldest first.

A position names, per service, the last sequence of its stream already read. A page reads each
stream after its position (at most `limit` matching events, and a bounded number of skipped ones),
merges the streams by event time, and ends where nothing unread can be older than what it returns:
a stream that was read only partly bounds the page at the time of the last event read from it.
Within a stream the order is the stream's own; nothing between two positions is ever skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sihub_gateway.event_types import EventTypes, matches
from sihub_gateway.replay.repository import EventStreams, StoredEvent
from sihub_gateway.replay.schemas import Position
from sihub_shared.errors import Conflict

# Non-matching events read per stream and page, as a multiple of the page size: a narrow filter on
# a long stream answers short pages (with `has_more`) instead of one very slow one.
_SCAN_FACTOR = 10
_FOLLOW_POLL_S = 0.5
_KEEPALIVE_S = 15.0


@dataclass(frozen=True)
class ReplayPage:
    events: list[tuple[StoredEvent, Position]]  # each with the position just after it
    position: Position
    has_more: bool


def _time(event: StoredEvent) -> datetime:
    return datetime.fromisoformat(event.event.get("time", "1970-01-01T00:00:00+00:00"))


@dataclass
class _StreamRead:
    matched: list[StoredEvent]
    reached: int  # last sequence read, matched or not
    complete: bool  # read up to the stream's end
    last_time: datetime | None  # time of the last event read


class ReplayService:
    def __init__(self, streams: EventStreams, services: Sequence[str], types: EventTypes) -> None:
        self.streams = streams
        self.services = list(services)
        self.types = types

    def parse(self, after: str | None, types: Sequence[str]) -> tuple[Position, list[str] | None]:
        position = Position.parse(after, set(self.services))
        return position, (self.types.validate(types) if types else None)

    async def page(self, position: Position, patterns: list[str] | None, limit: int) -> ReplayPage:
        lasts = dict(zip(self.services, await asyncio.gather(
            *(self.streams.last_sequence(s) for s in self.services)), strict=True))
        for service, sequence in position.items():
            if sequence > lasts[service]:
                # Whether a position exists depends on what has been published so far, as a
                # reference to a record does on the records: 409, like ReferenceConflict.
                raise Conflict.for_field(
                    "after", f"no such position: {service} has published {lasts[service]} events, not {sequence}"
                )
        reads = dict(zip(self.services, await asyncio.gather(
            *(self._read(s, position.get(s, 0), lasts[s], patterns, limit) for s in self.services)), strict=True))

        # Nothing later than this can be returned: an unread event of a partly read stream may be older.
        horizon = min((r.last_time for r in reads.values() if not r.complete and r.last_time), default=None)
        heads = dict.fromkeys(self.services, 0)
        current = Position({s: q for s, q in position.items() if q})
        events: list[tuple[StoredEvent, Position]] = []
        while len(events) < limit:
            candidates = [
                (_time(reads[s].matched[i]), s) for s, i in heads.items() if i < len(reads[s].matched)
            ]
            if not candidates:
                break
            when, service = min(candidates)
            if horizon is not None and when > horizon:
                break
            event = reads[service].matched[heads[service]]
            heads[service] += 1
            current[service] = event.sequence
            events.append((event, Position(current)))

        final = Position()
        for service in self.services:
            read, head = reads[service], heads[service]
            # Up to just before the first matching event not returned; else as far as was read.
            reached = read.matched[head].sequence - 1 if head < len(read.matched) else read.reached
            if reached:
                final[service] = reached
        has_more = any(final.get(s, 0) < lasts[s] for s in self.services)
        return ReplayPage(events, final, has_more)

    async def _read(
        self, service: str, after: int, last: int, patterns: list[str] | None, limit: int
    ) -> _StreamRead:
        read = _StreamRead(matched=[], reached=after, complete=after >= last, last_time=None)
        scanned = 0
        async for event in self.streams.after(service, after, until=last):
            read.reached, read.last_time = event.sequence, _time(event)
            scanned += 1
            if patterns is None or matches(event.event.get("type", ""), patterns):
                read.matched.append(event)
            if len(read.matched) >= limit or scanned >= limit * _SCAN_FACTOR:
                break
        read.complete = read.reached >= last
        return read

    async def follow(
        self, first: ReplayPage, patterns: list[str] | None, limit: int
    ) -> AsyncIterator[tuple[StoredEvent, Position] | None]:
        """The events from `first` on, then each new one as it is published; None now and then
        while nothing happens (a keep-alive for the connection)."""
        page, idle = first, 0.0
        while True:
            for item in page.events:
                yield item
            if page.events:
                idle = 0.0
            if not page.has_more:
                await asyncio.sleep(_FOLLOW_POLL_S)
                idle += _FOLLOW_POLL_S
                if idle >= _KEEPALIVE_S:
                    idle = 0.0
                    yield None
            page = await self.page(page.position, patterns, limit)
