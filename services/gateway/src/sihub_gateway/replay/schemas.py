from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from sihub_shared.errors import UnprocessableContent

# `gateway:3,registry:120`: per service, the last stream sequence a reader has reached.
POSITION_PATTERN = r"^[a-z][a-z0-9_]{0,40}:[0-9]{1,18}(,[a-z][a-z0-9_]{0,40}:[0-9]{1,18}){0,31}$"
_POSITION = re.compile(POSITION_PATTERN)


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
