"""Timestamps are UTC everywhere; SQLite and callers may hand them over without a zone, so it is put back here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+14:00 or 9999-12-31T23:59-14:00: valid RFC 3339, but outside what a
        # datetime holds once in UTC. Every stored time lies inside, so the nearest representable
        # instant compares with them exactly as the given one would.
        return _EARLIEST if value.year == datetime.min.year else _LATEST


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
