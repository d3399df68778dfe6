"""Optimistic concurrency: every editable row has a `version`; its ETag is that version.

A write must send `If-Match` with the ETag it read: none is 428, a stale one is 412.
"""

from __future__ import annotations

from sihub_shared.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the ETag you read, so that no one else's change is overwritten",
            errors=[{"field": "If-Match", "in": "header", "message": "required"}],
        )
    sent = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if "*" not in sent and etag(version) not in sent:
        raise PreconditionFailed(
            f"the resource changed since you read it (now ETag {etag(version)}); read it again",
            errors=[{"field": "If-Match", "in": "header", "message": "stale ETag"}],
            current_etag=etag(version),
        )
