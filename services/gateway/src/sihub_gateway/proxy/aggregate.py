"""The whole stack seen from the gateway: one OpenAPI, one AsyncAPI, one readiness answer."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from sihub_gateway.event_types import EventTypes, event_types
from sihub_gateway.events.contracts import AccountCreated  # noqa: F401 - registers the catalogue
from sihub_gateway.replay.schemas import position_schema
from sihub_gateway.webhooks.asyncapi import with_webhook_delivery
from sihub_shared.app import readiness_checks
from sihub_shared.errors import problem_response
from sihub_shared.events.asyncapi import asyncapi_document
from sihub_shared.events.contracts import contracts_of
from sihub_shared.openapi import declare_problems, operations

router = APIRouter(include_in_schema=False)
_DOCUMENT_TTL_S = 10.0
# A service builds its OpenAPI document on the first request (the registry's takes ~1 s of CPU quiet,
# several seconds on a loaded machine): documents are not latency-bound, so they get a long wait.
_DOCUMENT_TIMEOUT_S = 15.0


class UpstreamDocuments:
    """Fetches each service's document, keeping the last good copy for a few seconds."""

    def __init__(self, client: httpx.AsyncClient, upstreams: dict[str, str]) -> None:
        self.client = client
        self.upstreams = upstreams
        self._cache: dict[tuple[str, str], tuple[dict[str, Any], float]] = {}

    async def fetch_all(self, path: str) -> dict[str, dict[str, Any] | None]:
        names = list(self.upstreams)
        documents = await asyncio.gather(*(self._fetch(name, path) for name in names))
        return dict(zip(names, documents, strict=True))

    async def _fetch(self, name: str, path: str) -> dict[str, Any] | None:
        cached = self._cache.get((name, path))
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        try:
            response = await self.client.get(self.upstreams[name] + path, timeout=_DOCUMENT_TIMEOUT_S)
            response.raise_for_status()
        except httpx.HTTPError:
            return cached[0] if cached else None
        document = response.json()
        self._cache[(name, path)] = (document, time.monotonic() + _DOCUMENT_TTL_S)
        return document


# What the gateway itself answers, before or instead of the service: the key check, integrators
# refused writes, the rate limit, and an upstream that is unreachable, broken or slow.
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}}
_WWW_AUTHENTICATE = {"WWW-Authenticate": {"description": "`Bearer`", "required": True, "schema": {"type": "string"}}}
# A 503 says Retry-After when waiting helps (the gateway busy, a SQLite write's turn), not for a
# service that is down.
_GATEWAY_HEADERS = {401: _WWW_AUTHENTICATE, 429: _RETRY_AFTER,
                    503: {"Retry-After": {**_RETRY_AFTER["Retry-After"], "required": False}}}
_READ_METHODS = frozenset({"get", "head", "options"})


def _gateway_statuses(method: str, operation: dict[str, Any], *, forwarded: bool) -> set[int]:
    statuses = {401, 429}
    if forwarded:
        statuses |= {502, 503, 504}
        if method not in _READ_METHODS:
            statuses.add(403)
        if "requestBody" in operation:
            statuses.add(413)
    return statuses


def merge_openapi(own: dict[str, Any], upstream: dict[str, dict[str, Any] | None],
                  event_types: EventTypes) -> dict[str, Any]:
    merged = copy.deepcopy(own)
    for _, method, operation in operations(merged):
        declare_problems(operation, _gateway_statuses(method, operation, forwarded=False), _GATEWAY_HEADERS)
    components = merged.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for service, document in upstream.items():
        if document is None:
            continue
        document = copy.deepcopy(document)
        theirs = document.get("components", {}).get("schemas", {})
        # Same name, different shape in two services: that service's copy is renamed, refs too.
        clashes = {name for name, schema in theirs.items() if schemas.get(name, schema) != schema}
        if clashes:
            document = _rename_schemas(document, {name: f"{service}_{name}" for name in clashes})
            theirs = document["components"]["schemas"]
        for _, method, operation in operations(document):
            declare_problems(operation, _gateway_statuses(method, operation, forwarded=True), _GATEWAY_HEADERS)
        merged["paths"].update(document.get("paths", {}))
        schemas.update(theirs)
    # What the gateway knows only at run time: the catalogue's event types and the streams there are.
    schemas["EventTypePattern"] = event_types.pattern_schema()
    schemas["StreamPosition"] = position_schema(["gateway", *upstream])
    components["schemas"] = dict(sorted(schemas.items()))
    components["securitySchemes"] = {"apiKey": {"type": "http", "scheme": "bearer", "description": "sihub API key"}}
    merged["security"] = [{"apiKey": []}]
    return merged


def _rename_schemas(node: Any, renames: dict[str, str]) -> Any:
    prefix = "#/components/schemas/"
    if isinstance(node, dict):
        renamed = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.removeprefix(prefix) in renames:
                value = prefix + renames[value.removeprefix(prefix)]
            renamed[key] = _rename_schemas(value, renames)
        if "schemas" in renamed and isinstance(renamed["schemas"], dict):
            renamed["schemas"] = {renames.get(k, k): v for k, v in renamed["schemas"].items()}
        return renamed
    if isinstance(node, list):
        return [_rename_schemas(item, renames) for item in node]
    return node


def merge_asyncapi(own: dict[str, Any], upstream: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    merged = {**own, "channels": dict(own["channels"]), "operations": dict(own["operations"])}
    messages = dict(own["components"]["messages"])
    schemas = dict(own["components"]["schemas"])
    for document in upstream.values():
        if document is None:
            continue
        merged["channels"].update(document.get("channels", {}))
        merged["operations"].update(document.get("operations", {}))
        messages.update(document.get("components", {}).get("messages", {}))
        schemas.update(document.get("components", {}).get("schemas", {}))
    merged["components"] = {**own["components"], "messages": messages, "schemas": schemas}
    return merged


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    app: FastAPI = request.app
    upstream = await app.state.documents.fetch_all("/openapi.json")
    return JSONResponse(merge_openapi(app.openapi(), upstream, await event_types(request)))


@router.get("/asyncapi.json")
async def asyncapi(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    own = asyncapi_document(contracts_of("gateway"), title="sihub events", version="1.0.0", nats_url=settings.nats_url)
    upstream = await request.app.state.documents.fetch_all("/asyncapi.json")
    return JSONResponse(with_webhook_delivery(merge_asyncapi(own, upstream), settings))


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    """Ready when the gateway's database and NATS, and every service's /readyz, are."""
    app: FastAPI = request.app
    checks: dict[str, Any] = await readiness_checks(app)
    forwarder = app.state.forwarder

    async def service_ready(name: str, base: str) -> tuple[str, dict[str, Any]]:
        try:
            response = await forwarder.client.get(base + "/readyz", timeout=2.0)
        except httpx.HTTPError as exc:
            return name, {"ok": False, "error": f"unreachable: {exc.__class__.__name__}"}
        return name, {"ok": response.status_code == 200, "detail": response.json()}

    results = await asyncio.gather(*(service_ready(n, b) for n, b in forwarder.upstreams.items()))
    checks.update({f"service:{name}": result for name, result in results})
    if all(check["ok"] for check in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    failing = [name for name, check in checks.items() if not check["ok"]]
    return problem_response(request, status=503, title="Service unavailable",
                            detail="not ready: " + ", ".join(failing), checks=checks)
