"""The read model: every event of the streams reports reads, kept in stream order.

Reports keep the events themselves rather than only the latest state, so that a build can be
made again from the positions it recorded (each stream's sequence) into a fresh projection. A
build records how far each stream has been read without a gap (`StreamPosition`), not the highest
sequence kept: an event that failed and comes again later is kept after the ones behind it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class StreamEvent(SQLModel, table=True):
    __tablename__ = "stream_event"

    stream: str = Field(primary_key=True, max_length=40)
    sequence: int = Field(primary_key=True, sa_type=sa.BigInteger)
    event_id: str = Field(max_length=36, unique=True)
    type: str = Field(max_length=120)
    data: dict[str, Any] = Field(sa_type=sa.JSON)


class StreamPosition(SQLModel, table=True):
    """How far reports has read a stream: every event up to `through` is kept, is of a type
    reports does not read, or will never be read (deleted from the stream, or malformed: the
    broker's ack floor passes it); `ahead` holds the sequences read past a gap, until it closes,
    as ranges `[first, last]` in order."""

    __tablename__ = "stream_position"

    stream: str = Field(primary_key=True, max_length=40)
    through: int = Field(sa_type=sa.BigInteger)
    ahead: list[list[int]] = Field(sa_type=sa.JSON)
