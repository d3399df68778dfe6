"""Timestamps are UTC everywhere; SQLite and callers may hand them over without a zone, so it is put back here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AfterValidator
from sqlalchemy.types import TypeDecorator


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


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
