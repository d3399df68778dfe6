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
    if not isinstance(position, dict) or any(
        isinstance(v, int) and not -(2**63) <= v < 2**63 for v in position.values()
    ):  # a number no column holds: no cursor we gave out
        raise ProblemError.for_field("cursor", "not a cursor this API gave out")
    return position
