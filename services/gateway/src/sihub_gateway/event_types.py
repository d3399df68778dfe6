"""The event types callers may name (replay filters, webhook subscriptions): the gateway's own
catalogue plus every service's AsyncAPI document, so the gateway never imports another service.
A pattern is an exact type, or the start of one up to a dot followed by `*`
(`org.sihub.registry.*`), or `*` alone. The merged OpenAPI lists every such pattern that names a
type of the catalogue (`EventTypes.patterns`), which is exactly what is accepted."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from typing import Annotated

from fastapi import Request
from pydantic import StringConstraints

from sihub_gateway.events.contracts import AccountCreated  # noqa: F401 - registers the catalogue
from sihub_shared.errors import UnprocessableContent
from sihub_shared.events.contracts import contracts_of
from sihub_shared.strict import component

# org.sihub.<service>.<entity>.<verb>.v<N>, `org.sihub.<service>.*`, ... or `*`.
TYPE_PATTERN = r"^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$"
_PATTERN_SCHEMA = {"type": "string", "pattern": TYPE_PATTERN, "maxLength": 200, "title": "EventTypePattern",
                   "description": "an event type (org.sihub.registry.actor.created.v1), or its start up to a "
                   "dot and `*` (org.sihub.registry.*), or `*`"}
# The gateway's own document states the shape; the merged one lists the catalogue's (`patterns`).
EventTypePattern = Annotated[str, StringConstraints(pattern=TYPE_PATTERN, max_length=200),
                             component("EventTypePattern", _PATTERN_SCHEMA)]
_TYPE = re.compile(r"^org\.sihub\.(?P<service>[a-z][a-z0-9_]*)\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[0-9]+$")


@dataclass(frozen=True)
class EventTypes:
    known: frozenset[str]
    # Services whose document could not be read just now: their well-formed types are taken on trust
    # rather than refused while the service is down.
    unverified_services: frozenset[str]

    def validate(self, patterns: Sequence[str], *, field: str = "types") -> list[str]:
        """The patterns, each checked to name at least one type; else 422 naming `field`."""
        for pattern in patterns:
            if not self._names_something(pattern):
                raise UnprocessableContent.for_field(
                    field, f"{pattern!r} names no event type (see /asyncapi.json for the catalogue)"
                )
        return list(dict.fromkeys(patterns))

    def patterns(self) -> list[str]:
        """Every pattern that names a known type: each type, each start of one up to a dot with `*`, `*`."""
        found = {"*", *self.known}
        for event_type in self.known:
            parts = event_type.split(".")
            found |= {".".join(parts[:end]) + ".*" for end in range(1, len(parts))}
        return sorted(found)

    def pattern_schema(self) -> dict[str, object]:
        """`EventTypePattern` of the merged OpenAPI: the patterns `validate` accepts, listed."""
        return {**{k: v for k, v in _PATTERN_SCHEMA.items() if k != "pattern"}, "enum": self.patterns()}

    def _names_something(self, pattern: str) -> bool:
        if "*" in pattern:
            return any(fnmatchcase(t, pattern) for t in self.known) or any(
                pattern.startswith(f"org.sihub.{s}.") for s in self.unverified_services
            )
        if pattern in self.known:
            return True
        match = _TYPE.match(pattern)
        return match is not None and match.group("service") in self.unverified_services


def matches(event_type: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(event_type, p) for p in patterns)


def split_patterns(values: Sequence[str] | None) -> list[str]:
    """`types=a,b&types=c` → [a, b, c]: both spellings are accepted."""
    return [part for value in values or () for part in value.split(",") if part]


async def event_types(request: Request) -> EventTypes:
    own = {c.event_type for c in contracts_of("gateway")}
    documents = await request.app.state.documents.fetch_all("/asyncapi.json")
    known = set(own)
    unverified = set()
    for service, document in documents.items():
        if document is None:
            unverified.add(service)
            continue
        known |= {m["name"] for m in document.get("components", {}).get("messages", {}).values()}
    return EventTypes(frozenset(known), frozenset(unverified))
