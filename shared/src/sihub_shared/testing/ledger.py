"""A tiny "ledger" service for testing and benchmarking the backbone: notes are written with a
NoteWritten event through the outbox, and a consumer keeps a view that counts how often each event was applied."""

from __future__ import annotations

import asyncio
import time
import uuid

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_shared.db import Database
from sihub_shared.events.consumer import ProcessedEvent, Subscription
from sihub_shared.events.contracts import EventContract, stream_name
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.events.outbox import OutboxMessage, record


class NoteWritten(EventContract, service="ledger", entity="note", verb="written", version=1):
    """A note was written."""

    note_id: str
    text: str


class Note(SQLModel, table=True):
    __tablename__ = "test_note"
    id: str = Field(primary_key=True)
    text: str


class NoteView(SQLModel, table=True):
    __tablename__ = "test_note_view"
    note_id: str = Field(primary_key=True)
    text: str
    times_applied: int = 1


STREAM = stream_name("ledger")


async def create_tables(database: Database) -> None:
    tables = [t.__table__ for t in (OutboxMessage, ProcessedEvent, Note, NoteView)]
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda c: SQLModel.metadata.create_all(c, tables=tables))


async def write_notes(database: Database, count: int, *, fail: bool = False) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    async with database.session() as session:
        for note_id in ids:
            session.add(Note(id=note_id, text=f"note {note_id[:8]}"))
            record(session, NoteWritten(note_id=note_id, text=f"note {note_id[:8]}"), subject=note_id)
        if fail:
            raise RuntimeError("the change is rolled back")
    return ids


async def apply_note_written(session: AsyncSession, event: CloudEvent) -> None:
    note = event.unwrap(NoteWritten)
    existing = await session.get(NoteView, note.note_id)
    if existing is None:
        session.add(NoteView(note_id=note.note_id, text=note.text))
    else:
        existing.times_applied += 1  # a second application is a bug the tests must see
        session.add(existing)


async def clear_view(session: AsyncSession) -> None:
    await session.exec(delete(NoteView))


def note_subscription(name: str = "ledger-view") -> Subscription:
    return Subscription(
        name=name,
        stream=STREAM,
        subjects=["sihub.ledger.note.>"],
        handlers={NoteWritten.event_type: apply_note_written},
        reset=clear_view,
    )


async def view_rows(database: Database) -> dict[str, tuple[str, int]]:
    async with database.session() as session:
        rows = (await session.exec(select(NoteView))).all()
        return {row.note_id: (row.text, row.times_applied) for row in rows}


async def unpublished_count(database: Database) -> int:
    async with database.session() as session:
        query = select(func.count()).select_from(OutboxMessage).where(sa.column("published_at").is_(None))
        return (await session.exec(query)).one()


async def wait_until(predicate, timeout_s: float = 30.0, interval_s: float = 0.05) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s}s")
