"""Column types and ids shared by every registry table."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from sihub_shared.timestamps import UTCDateTime  # noqa: F401 - the registry's tables import it from here

# PostgreSQL stores a native 16-byte uuid, SQLite 32 hex characters; Python always sees the
# canonical string form.
UUID = sa.Uuid(as_uuid=False)


def utcnow() -> datetime:
    return datetime.now(UTC)


_last_id: tuple[int, int] = (0, 0)


def new_id() -> str:
    """A UUIDv7 (RFC 9562): time-ordered, so a listing by id is a listing by creation time and
    index pages fill at their end rather than at random places. Within one millisecond the 74
    random bits count up from the previous id (RFC 9562, method 2), so that the rows of one
    import list in the order they came."""
    global _last_id
    millis = time.time_ns() // 1_000_000
    last_millis, last_random = _last_id
    if millis <= last_millis:
        millis, random = last_millis, last_random + 1
    else:
        random = int.from_bytes(os.urandom(10), "big") >> 8  # 72 bits: room to count up
    _last_id = (millis, random)
    rand_a, rand_b = (random >> 62) & 0xFFF, random & ((1 << 62) - 1)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0x2 << 62 | rand_b
    return str(uuid.UUID(int=value))


def is_uuid(value: str) -> bool:
    """Whether `value` is an id as this API gives them out: a UUID in its canonical form (lower-case
    hex in 8-4-4-4-12). uuid.UUID also reads braces, `urn:uuid:` and upper case, which PostgreSQL's
    uuid type refuses or reads as the same id while SQLite's text compares them as other ids."""
    try:
        return str(uuid.UUID(value)) == value
    except (ValueError, TypeError, AttributeError):
        return False
