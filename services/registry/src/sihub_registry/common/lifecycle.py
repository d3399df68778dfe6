"""The fields and steps every editable record shares: id, version (the ETag), timestamps and
soft deletion; and the 404 every lookup of an unknown or malformed id gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.common.types import UTCDateTime, is_uuid, utcnow
from sihub_shared.errors import Conflict, NotFound


class Lifecycle(SQLModel):
    version: int = 1
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Versioned(Protocol):
    version: int
    updated_at: datetime
    deleted_at: datetime | None


def not_found(what: str, record_id: str, field: str = "id") -> NotFound:
    return NotFound(f"no {what} {record_id}", errors=[{"field": field, "message": f"unknown {what}"}])


def require_id(what: str, record_id: str, field: str = "id") -> str:
    """A malformed id names nothing: 404 before it reaches the database."""
    if not is_uuid(record_id):
        raise not_found(what, record_id, field)
    return record_id


def found(record: Any, what: str, record_id: str, *, deleted_ok: bool = False) -> Any:
    if record is None or (record.deleted_at is not None and not deleted_ok):
        raise not_found(what, record_id)
    return record


def touch(record: Versioned) -> datetime:
    """Move the record to its next version. Callers check If-Match (`check_if_match`) first,
    before any other rule, so that a stale or missing ETag is a 412/428 whatever else is wrong."""
    now = utcnow()
    record.version += 1
    record.updated_at = max(now, record.updated_at)
    return now


def soft_delete(record: Versioned) -> None:
    now = touch(record)
    record.deleted_at = now


async def ensure_ref_free(session: AsyncSession, model: Any, ref: str | None, what: str, current_id: str | None = None) -> None:
    """A `ref` names one record of a kind: reusing it is a 409 that says which record has it."""
    if ref is None:
        return
    existing = (await session.exec(select(model.id).where(model.ref == ref))).first()
    if existing is not None and existing != current_id:
        raise Conflict(
            f"ref {ref!r} already names {what} {existing}",
            errors=[{"field": "ref", "message": f"already names {what} {existing}"}],
            existing_id=existing,
        )


# The unique values a record's write may clash on, most specific first: the database's message
# names the column (SQLite) or the constraint (PostgreSQL: partnership_ref_key, ux_..._match_ref).
_UNIQUE_FIELDS = ("match_ref", "ref")


async def flush_or_conflict(session: AsyncSession) -> None:
    """Flush now, so that a unique value taken by a concurrent request is a 409, not a 500 at commit."""
    try:
        await session.flush()
    except IntegrityError as exc:
        message = str(exc.orig)
        if "unique" not in message.lower():  # not a clash with another record: a fault of ours
            raise
        field = next((name for name in _UNIQUE_FIELDS if name in message), "ref")
        raise Conflict(f"a unique value ({field}) was just taken by another request; read and retry",
                       errors=[{"field": field, "message": "taken meanwhile"}]) from exc


def changed(record: Any, changes: dict[str, Any]) -> bool:
    """Apply the values that differ and move the record to its next version. A change that
    changes nothing (`{}`, or only the values it has) is no change: False, and the version, and
    so everyone's ETag, stays; callers then write and emit nothing."""
    differing = {name: value for name, value in changes.items() if getattr(record, name) != value}
    if not differing:
        return False
    touch(record)
    for name, value in differing.items():
        setattr(record, name, value)
    return True
