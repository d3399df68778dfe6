"""Many outbox rows in one multi-row INSERT: what `sihub_shared.events.outbox.record` does for one
event, without the ORM's per-object bookkeeping (a 5,000-actor import writes 5,000 events)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.common.bulk import bulk_insert
from sihub_shared.events.contracts import EventContract
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.events.outbox import OUTBOX_PENDING, OutboxMessage

async def record_many(session: AsyncSession, events: Sequence[tuple[EventContract, str]]) -> None:
    """Add (contract, subject) events to the session's transaction, in order."""
    if not events:
        return
    now = datetime.now(UTC)
    rows = []
    for contract, subject in events:
        event = CloudEvent.wrap(contract, subject=subject)
        rows.append(
            {"event_id": event.id, "subject": contract.subject, "body": event.to_bytes(), "created_at": now, "published_at": None}
        )
    await bulk_insert(session, OutboxMessage, rows)
    session.info[OUTBOX_PENDING] = True
