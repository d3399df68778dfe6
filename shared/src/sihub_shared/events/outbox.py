"""Transactional outbox: the event row is written in the same transaction as the change it reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_shared.events.contracts import EventContract
from sihub_shared.events.envelope import CloudEvent

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OUTBOX_PENDING = "outbox_pending"
# (session, table model, rows) -> None: how a service writes many rows at once.
BulkInsert = Callable[[AsyncSession, Any, Sequence[dict[str, Any]]], Awaitable[None]]


_UNPUBLISHED = sa.text("published_at IS NULL")


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    # The relay only ever reads unpublished rows: a partial index keeps that lookup small.
    __table_args__ = (
        sa.Index("ix_outbox_message_unpublished", "position", postgresql_where=_UNPUBLISHED, sqlite_where=_UNPUBLISHED),
    )

    position: int | None = Field(default=None, sa_type=_POSITION, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    subject: str = Field(max_length=200)
    body: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    published_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


def record(session: AsyncSession, contract: EventContract, *, subject: str | None = None) -> CloudEvent:
    """Add the event to the session's transaction; it is published only if that transaction commits."""
    event = CloudEvent.wrap(contract, subject=subject)
    session.add(
        OutboxMessage(
            event_id=event.id,
            subject=contract.subject,
            body=event.to_bytes(),
            created_at=datetime.now(UTC),
        )
    )
    session.info[OUTBOX_PENDING] = True
    return event


async def record_all(
    session: AsyncSession,
    events: Iterable[tuple[EventContract, str | None]],
    *,
    insert: BulkInsert | None = None,
) -> list[CloudEvent]:
    """record() for many (contract, subject) pairs at once: one multi-row INSERT instead of an ORM
    object per event, which for thousands of events is most of the cost. `insert` lets a service
    that has a faster bulk path (COPY on PostgreSQL) write the rows itself."""
    wrapped = [(contract, CloudEvent.wrap(contract, subject=subject)) for contract, subject in events]
    if not wrapped:
        return []
    created_at = datetime.now(UTC)
    rows = [
        {"event_id": event.id, "subject": contract.subject, "body": event.to_bytes(), "created_at": created_at}
        for contract, event in wrapped
    ]
    await session.flush()  # events record()ed earlier keep their earlier positions
    if insert is None:
        await session.exec(sa.insert(OutboxMessage), params=rows)
    else:
        await insert(session, OutboxMessage, rows)
    session.info[OUTBOX_PENDING] = True
    return [event for _, event in wrapped]


def create_event_tables() -> None:
    """Alembic operations for the outbox and processed-event tables; every service's first migration calls it."""
    op.create_table(
        "outbox_message",
        sa.Column("position", _POSITION, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_outbox_message_unpublished",
        "outbox_message",
        ["position"],
        postgresql_where=_UNPUBLISHED,
        sqlite_where=_UNPUBLISHED,
    )
    op.create_table(
        "processed_event",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def drop_event_tables() -> None:
    op.drop_table("processed_event")
    op.drop_index("ix_outbox_message_unpublished", table_name="outbox_message")
    op.drop_table("outbox_message")
