"""SQL of the read model: append an event at its stream position, read each stream up to one, and
keep how far each stream has been read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_reports.ecosystem.models import StreamEvent, StreamPosition


class StreamEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def last_sequence(self, stream: str) -> int:
        query = select(func.max(StreamEvent.sequence)).where(StreamEvent.stream == stream)
        return (await self.session.exec(query)).one() or 0

    def add(self, stream: str, sequence: int, event_id: str, type_: str, data: dict[str, Any]) -> None:
        self.session.add(StreamEvent(stream=stream, sequence=sequence, event_id=event_id, type=type_, data=data))

    async def positions(self) -> dict[str, int]:
        query = select(StreamPosition.stream, StreamPosition.through).where(col(StreamPosition.through) > 0)
        return {stream: through for stream, through in (await self.session.exec(query)).all()}

    async def position_for_update(self, stream: str) -> StreamPosition:
        """The stream's position, locked until the transaction ends (replicas reading one durable
        take turns); made at 0 the first time, a concurrent first insert left to the other."""
        query = select(StreamPosition).where(StreamPosition.stream == stream).with_for_update()
        position = (await self.session.exec(query)).first()
        if position is None:
            insert = (postgresql.insert if self.session.bind.dialect.name == "postgresql" else sqlite.insert)
            await self.session.exec(insert(StreamPosition).values(stream=stream, through=0, ahead=[])
                                    .on_conflict_do_nothing())
            position = (await self.session.exec(query)).one()
        return position

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
        await self.session.exec(delete(StreamPosition).where(col(StreamPosition.stream) == stream))
