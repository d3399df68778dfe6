"""Optimistic concurrency: every editable row has a `version`; its ETag is that version.

A write must send `If-Match` with the ETag it read: none is 428, a stale one is 412.
"""

from __future__ import annotations

import re

from sihub_shared.errors import PreconditionFailed, PreconditionRequired, UnprocessableContent

# RFC 9110 §13.1.1: `*` or a list of entity tags. The OpenAPI document declares the same pattern.
IF_MATCH_PATTERN = r'^(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*)$'


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    if if_match is None:
        raise PreconditionRequired.for_header(
            "If-Match", "send If-Match with the ETag you read, so that no one else's change is overwritten", "required")
    if not re.fullmatch(IF_MATCH_PATTERN, if_match):
        raise UnprocessableContent.for_header(
            "If-Match", "If-Match: send the ETag you read, in quotes as it was sent (or *)", "not an entity tag")
    # A weak tag of ours counts as ours. RFC 9110 asks If-Match for the strong comparison, but a
    # compressing proxy (nginx's gzip, say) weakens the ETag it passes on: the client then holds
    # only W/"n", and refusing it would leave it no way to write. The version is the same either way.
    sent = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if "*" not in sent and etag(version) not in sent:
        raise PreconditionFailed.for_header(
            "If-Match", f"the resource changed since you read it (now ETag {etag(version)}); read it again",
            "stale ETag", current_etag=etag(version))
