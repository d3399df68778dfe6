"""Every timestamp a service answers or publishes is an RFC 3339 date-time with its offset."""

from __future__ import annotations

import re
from typing import Any

# Anything that starts like a date and a time is taken for a timestamp, whatever its key is called.
_LOOKS_LIKE_A_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def timestamps_without_offset(document: Any, path: str = "") -> list[str]:
    """`path: value` of every timestamp in a JSON document that is not RFC 3339 with an offset."""
    if isinstance(document, dict):
        return [found for key, value in document.items() for found in timestamps_without_offset(value, f"{path}.{key}")]
    if isinstance(document, list):
        return [found for i, value in enumerate(document) for found in timestamps_without_offset(value, f"{path}[{i}]")]
    if isinstance(document, str) and _LOOKS_LIKE_A_TIMESTAMP.match(document) and not _RFC3339.fullmatch(document):
        return [f"{path}: {document}"]
    return []


def timestamps_found(document: Any) -> int:
    """How many timestamps a document holds (so that a check over none of them fails)."""
    if isinstance(document, dict):
        return sum(timestamps_found(value) for value in document.values())
    if isinstance(document, list):
        return sum(timestamps_found(value) for value in document)
    return int(isinstance(document, str) and bool(_LOOKS_LIKE_A_TIMESTAMP.match(document)))
