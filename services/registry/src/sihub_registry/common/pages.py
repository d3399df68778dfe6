"""Listing helpers: a bounded page size and keyset cursors over (timestamp, id) or id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sihub_registry.common.types import is_uuid
from sihub_shared.errors import ProblemError
from sihub_shared.pagination import decode_cursor, encode_cursor

def read_cursor(cursor: str | None, modified_after: datetime | None) -> tuple[str, dict[str, Any] | None]:
    """The order of the listing and the position to continue after. A cursor carries the order it
    was given out in (by id, or by modification for a sync), so it continues that listing."""
    if cursor is None:
        return ("modified" if modified_after is not None else "id"), None
    position = decode_cursor(cursor)
    mode = position.get("m")
    try:  # ids are UUIDs and times are aware, as given out: anything else would reach the database
        if not is_uuid(position["id"]):
            raise ValueError("not an id")
        if mode == "modified":
            position["at"] = datetime.fromisoformat(position["at"])
            if position["at"].tzinfo is None:
                raise ValueError("a time without its offset")
            # In UTC as the database compares it: a time at the calendar's edge may have none.
            position["at"] = position["at"].astimezone(UTC)
        elif mode != "id":
            raise ValueError("no such order")
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ProblemError.for_field("cursor", "not a cursor this API gave out") from exc
    return mode, position


def next_cursor(rows: list[Any], limit: int, mode: str) -> str | None:
    """rows holds up to limit + 1 items; there is a next page when the extra one came back."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    position: dict[str, Any] = {"m": mode, "id": last.id}
    if mode == "modified":
        position["at"] = last.updated_at.isoformat()
    return encode_cursor(position)
