"""Cursor pagination: the cursor is the opaque (base64url JSON) sort key of the last item sent."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from sihub_shared.errors import ProblemError

T = TypeVar("T")

# The same page sizes on every listing of every service: a client learns them once.
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"items on a page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})")
]
# base64url without padding, as encode_cursor writes it (so not empty either)
Cursor = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]+$", max_length=2000,
                                     description="`next_cursor` of the previous page")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError) as exc:
        raise ProblemError.for_field("cursor", "not a cursor this API gave out") from exc
    if not isinstance(position, dict) or not _storable(position):
        raise ProblemError.for_field("cursor", "not a cursor this API gave out")
    return position


def _storable(value: Any) -> bool:
    """Whether every value a database would be asked to compare can be held by a column: a number
    past 64 bits or a text with NUL (which PostgreSQL's text refuses) is no position we gave out."""
    if isinstance(value, dict):
        return all(_storable(v) for v in value.values())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**63
    return True
