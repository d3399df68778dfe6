"""Timestamps are UTC everywhere; SQLite and callers may hand them over without a zone, so it is put back here."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AfterValidator, BeforeValidator
from sqlalchemy.types import TypeDecorator

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


_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?")


def _written_date_time(value: Any) -> Any:
    # pydantic would read `0.5` or `1700000000` as seconds since 1970: a caller writes a date-time.
    if isinstance(value, (int, float)) or (isinstance(value, str) and not _DATE_TIME.fullmatch(value)):
        raise ValueError("not a date-time such as 2026-12-02T09:30:00+09:00")
    return value


UtcDatetime = Annotated[datetime, BeforeValidator(_written_date_time), AfterValidator(as_utc)]


class UTCDateTime(TypeDecorator[datetime]):
    """The column type of every public timestamp: it comes back time-zone aware (UTC) on SQLite as on
    PostgreSQL, so that what a service answers or publishes carries its offset (RFC 3339)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        if value is not None and dialect.name == "sqlite":
            # SQLite compares the stored text: store every value in UTC so that order holds.
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)
