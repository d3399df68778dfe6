"""Small response helpers the routers share."""

from __future__ import annotations

from fastapi import Response

from sihub_shared.concurrency import etag


def with_etag(response: Response, version: int, location: str | None = None) -> None:
    response.headers["ETag"] = etag(version)
    if location is not None:
        response.headers["Location"] = location
