"""The public address of a request: behind the gateway a service sees its own loopback address,
so links it hands out (an HSDS `uri`, say) are built from the gateway's X-Forwarded-Host/-Proto.
The gateway drops those headers from callers, so only its own values arrive here."""

from __future__ import annotations

from starlette.requests import Request


def public_base_url(request: Request) -> str:
    host = request.headers.get("x-forwarded-host")
    if not host:
        return str(request.base_url).rstrip("/")
    scheme = request.headers.get("x-forwarded-proto", request.url.scheme)
    return f"{scheme}://{host}"
