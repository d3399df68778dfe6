"""The event types callers may name (replay filters, webhook subscriptions): the gateway's own
catalogue plus every service's AsyncAPI document, so the gateway never imports another service.
A pattern is an exact type or one with `*` wildcards (`org.sihub.registry.*`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from fastapi import Request

from sihub_gateway.events.contracts import AccountCreated  # noqa: F401 - registers the catalogue
from sihub_shared.errors import UnprocessableContent
from sihub_shared.events.contracts import contracts_of

# org.sihub.<service>.<entity>.<verb>.v<N>; in a pattern any part may be `*`.
TYPE_PATTERN = r"^[a-z0-9_.*]{1,200}$"
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
