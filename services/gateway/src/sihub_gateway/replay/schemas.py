from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from sihub_shared.errors import UnprocessableContent
from sihub_shared.strict import component

# `gateway:3,registry:120`: per service, the last stream sequence a reader has reached.
_PAIR = "{service}:[0-9]{{1,18}}"
POSITION_PATTERN = "^{pair}(,{pair}){{0,31}}$".format(pair=_PAIR.format(service="[a-z][a-z0-9_]{0,40}"))
_POSITION = re.compile(POSITION_PATTERN)
_POSITION_SCHEMA = {"type": "string", "pattern": POSITION_PATTERN, "maxLength": 2000, "title": "StreamPosition",
                    "description": "`service:sequence` pairs separated by commas, each service once"}
# The gateway's own document states the shape; the merged one names the streams (`position_schema`).
StreamPosition = Annotated[str, StringConstraints(max_length=2000, pattern=POSITION_PATTERN),
                           component("StreamPosition", _POSITION_SCHEMA)]


def position_schema(services: Iterable[str]) -> dict[str, Any]:
    """`StreamPosition` of the merged OpenAPI: only the streams there are."""
    pair = _PAIR.format(service="(" + "|".join(sorted(services)) + ")")
    return {**_POSITION_SCHEMA, "pattern": f"^{pair}(,{pair}){{0,31}}$"}


class Position(dict[str, int]):
    """Service → the last sequence of its stream already read (absent: nothing read yet)."""

    @classmethod
    def parse(cls, text: str | None, services: set[str]) -> Position:
        if not text:
            return cls()
        if not _POSITION.match(text):
            raise UnprocessableContent.for_field("after", "not a position: `service:sequence` pairs separated by commas")
        position = cls()
        for pair in text.split(","):
            service, _, sequence = pair.partition(":")
            if service not in services:
                raise UnprocessableContent.for_field("after", f"no event stream {service!r}; known: {sorted(services)}")
            if service in position:
                raise UnprocessableContent.for_field("after", f"{service!r} is named twice")
            position[service] = int(sequence)
        return position

    def render(self) -> str:
        return ",".join(f"{service}:{sequence}" for service, sequence in sorted(self.items()))


class EventPage(BaseModel):
    items: list[dict[str, Any]] = Field(description="CloudEvents exactly as published, oldest first")
    position: str = Field(description="where this page ends: pass it as `after` for the next one")
    has_more: bool = Field(description="more events were already published after `position`")
