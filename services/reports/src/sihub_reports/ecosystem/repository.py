"""SQL of the read model: append an event at its stream position, read each stream up to one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_reports.ecosystem.models import StreamEvent


class StreamEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def last_sequence(self, stream: str) -> int:
        query = select(func.max(StreamEvent.sequence)).where(StreamEvent.stream == stream)
        return (await self.session.exec(query)).one() or 0

    def add(self, stream: str, sequence: int, event_id: str, type_: str, data: dict[str, Any]) -> None:
        self.session.add(StreamEvent(stream=stream, sequence=sequence, event_id=event_id, type=type_, data=data))

    async def positions(self) -> dict[str, int]:
        query = select(StreamEvent.stream, func.max(StreamEvent.sequence)).group_by(StreamEvent.stream)
        return {stream: sequence for stream, sequence in (await self.session.exec(query)).all()}

    def _up_to(self, positions: Mapping[str, int]) -> sa.ColumnElement[bool]:
        if not positions:
            return sa.false()
        return sa.or_(*(sa.and_(StreamEvent.stream == stream, col(StreamEvent.sequence) <= sequence)
                        for stream, sequence in positions.items()))

    async def count(self, positions: Mapping[str, int]) -> int:
        query = select(func.count()).select_from(StreamEvent).where(self._up_to(positions))
        return (await self.session.exec(query)).one()

    async def events(self, positions: Mapping[str, int]) -> AsyncIterator[tuple[str, str, dict[str, Any]]]:
        """(stream, type, data) of every event up to `positions`, each stream in its order."""
        query = (select(StreamEvent.stream, StreamEvent.type, StreamEvent.data)
                 .where(self._up_to(positions))
                 .order_by(col(StreamEvent.stream), col(StreamEvent.sequence)))
        result = await self.session.stream(query.execution_options(yield_per=5000))
        # A partition at a time: one switch into the database driver per 5,000 rows, not per row.
        async for partition in result.partitions():
            for stream, type_, data in partition:
                yield stream, type_, data

    async def clear(self, stream: str) -> None:
        await self.session.exec(delete(StreamEvent).where(col(StreamEvent.stream) == stream))
