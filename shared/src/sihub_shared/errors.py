"""RFC 9457 problem details: every 4xx and 5xx leaves as application/problem+json."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send
from structlog import get_logger

from sihub_shared.strict import PATTERN_MESSAGES

PROBLEM_JSON = "application/problem+json"
log = get_logger(__name__)


class ProblemError(Exception):
    """An error the client should see. `errors` names fields: [{"field", "message", "row"?, "in"?}]."""

    status = 400
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status or self.status
        self.title = title or self.title
        self.errors = errors
        self.headers = headers
        self.extensions = extensions

    @classmethod
    def for_field(cls, field: str, message: str, **kwargs: Any) -> ProblemError:
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}], **kwargs)

    @classmethod
    def for_header(cls, header: str, detail: str, message: str, **kwargs: Any) -> ProblemError:
        """A refusal of a request header's value: If-Match, Idempotency-Key, Content-Type, the API
        key in Authorization (the gateway's 401, or a 403 for what the key's roles may not do) or
        the gateway's identity token at a service (X-Sihub-Identity)."""
        return cls(detail, errors=[{"field": header, "in": "header", "message": message}], **kwargs)


def retry_after(wait_s: float) -> dict[str, str]:
    """The Retry-After header of a refusal that waiting `wait_s` may cure: whole seconds, at least one."""
    return {"Retry-After": str(max(1, math.ceil(wait_s)))}


class NotFound(ProblemError):
    status, title = 404, "Not found"


class Conflict(ProblemError):
    status, title = 409, "Conflict"


class ReferenceConflict(Conflict):
    """A body names a record that is not there for it: no record with that id, a deleted one, one
    of another kind (an actor that is not a hub), or one elsewhere (a cohort of another programme).
    409 (RFC 9110 §15.5.10, the request conflicts with the current state of the target resource):
    the body is well-formed, so not 422, and the target URI exists, so not 404; whether a reference
    holds depends on the records as they are now, and the same request may succeed once they are
    there. Every service answers a broken reference in a body so, naming the field."""


class PreconditionFailed(ProblemError):
    status, title = 412, "Precondition failed"


class PreconditionRequired(ProblemError):
    status, title = 428, "Precondition required"


class Unauthorized(ProblemError):
    status, title = 401, "Unauthorized"


class Forbidden(ProblemError):
    status, title = 403, "Forbidden"


class PayloadTooLarge(ProblemError):
    status, title = 413, "Payload too large"


class UnprocessableContent(ProblemError):
    status, title = 422, "Unprocessable content"


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        # A URI reference (RFC 9457 §3.1.5): the path as sent, not decoded.
        "instance": quote(request.url.path, safe="/:@!$&'()*+,;=-._~"),
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = errors
    body.update(extensions)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def allowed_methods(request: Request) -> list[str]:
    """Every method the request's path answers. Starlette's 405 names only the first route that
    matched the path, but FastAPI makes one route per method. As in OpenAPI, a concrete path
    (`/actors/import`) is that path, not also a value of a templated one (`/actors/{actor_id}`)."""
    by_params: dict[int, set[str]] = {}
    for route in iter_route_contexts(request.app.routes):
        if isinstance(route.original_route, APIRoute) and route.matches(request.scope)[0] is not Match.NONE:
            by_params.setdefault(len(route.param_convertors), set()).update(route.methods or ())
    methods = by_params[min(by_params)] if by_params else set()
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


class ConcretePathsMiddleware:
    """As in OpenAPI, a path without parameters is that path: `PATCH /actors/import` is a 405 (the
    path answers POST), not a change of an actor called "import" that `/actors/{actor_id}` would
    otherwise be routed."""

    def __init__(self, app: ASGIApp, service: FastAPI) -> None:
        self.app = app
        self.service = service
        self._methods: dict[str, set[str]] | None = None

    def _concrete_paths(self) -> dict[str, set[str]]:
        if self._methods is None:
            methods: dict[str, set[str]] = {}
            for route in iter_route_contexts(self.service.routes):
                if isinstance(route.original_route, APIRoute) and not route.param_convertors:
                    methods.setdefault(route.path_format, set()).update(route.methods or ())
            self._methods = methods
        return self._methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = self._concrete_paths().get(scope["path"]) if scope["type"] == "http" else None
        if allowed is not None and "GET" in allowed:
            allowed = allowed | {"HEAD"}
        if allowed is None or scope["method"] in allowed:
            await self.app(scope, receive, send)
            return
        response = problem_response(Request(scope, receive), status=405, title="Method not allowed",
                                    detail="Method Not Allowed", headers={"Allow": ", ".join(sorted(allowed))})
        await response(scope, receive, send)


def field_path(location: Sequence[Any]) -> str:
    """("names", 0, "value") -> "names[0].value"."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def error_message(error: Mapping[str, Any]) -> str:
    """A pydantic error's message, in the words of the rule when a shared pattern failed (the
    regular expression itself says little to a caller)."""
    if error["type"] == "string_pattern_mismatch":
        return PATTERN_MESSAGES.get(error.get("ctx", {}).get("pattern"), error["msg"])
    return str(error["msg"]).removeprefix("Value error, ")


NESTED_TOO_DEEPLY = "JSON nested too deeply to read"


def _json_position(document: Any, offset: int) -> tuple[int, int]:
    text = document.decode("utf-8", "replace") if isinstance(document, bytes) else str(document)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for e in exc.errors():
        location = tuple(e["loc"])
        if e["type"] == "json_invalid":
            # FastAPI puts the parser's character offset where a field's name goes.
            line, column = _json_position(exc.body, location[1] if len(location) > 1 else 0)
            errors.append({"field": "body", "in": "body", "line": line, "column": column,
                           "message": f"not valid JSON: line {line}, column {column}"})
            continue
        # ("body", "names", 0, "value") -> "names[0].value"; the "body"/"query" part is said separately.
        errors.append({"field": field_path(location[1:]) or str(location[0]), "in": location[0],
                       "message": error_message(e)})
    return errors


def _json_body_sent_as_another_type(request: Request, errors: list[dict[str, Any]]) -> bool:
    """A body that failed as JSON because it was sent as another type (FastAPI then leaves it
    unparsed, and says the body is "not an object"): the type is the caller's mistake, not the body."""
    content_type = request.headers.get("content-type")
    if not content_type or not any(e["in"] == "body" for e in errors):
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return False
    body = getattr(request.scope.get("route"), "body_field", None)
    return body is not None and not isinstance(body.field_info, params.Form)  # File is a Form


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            request,
            status=exc.status,
            title=exc.title,
            detail=exc.detail,
            errors=exc.errors,
            headers=exc.headers,
            **exc.extensions,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        if _json_body_sent_as_another_type(request, errors):
            content_type = request.headers["content-type"]
            return problem_response(
                request, status=415, title="Unsupported media type",
                detail=f"the body is read as application/json, not {content_type}",
                errors=[{"field": "Content-Type", "in": "header", "message": "send application/json"}],
            )
        return problem_response(
            request,
            status=422,
            title="Unprocessable content",
            detail="; ".join(f"{e['field']}: {e['message']}" for e in errors),
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        errors = None
        # FastAPI's 400s for a JSON body it could not read, with the parser's error as the cause.
        if isinstance(exc.__cause__, UnicodeDecodeError):
            errors = [{"field": "body", "in": "body", "message": f"not UTF-8 at byte offset {exc.__cause__.start}"}]
        elif isinstance(exc.__cause__, RecursionError):
            errors = [{"field": "body", "in": "body", "message": NESTED_TOO_DEEPLY}]
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return problem_response(
            request,
            status=exc.status_code,
            title=title,
            detail=str(exc.detail),
            errors=errors,
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return problem_response(
            request, status=500, title="Internal server error", detail="unexpected error"
        )


class Problems:
    """Field errors gathered while checking a request, refused together as one 422 naming each field
    (so a caller fixes everything at once, and nothing is written)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.errors: list[dict[str, Any]] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append({"field": self.prefix + field, "message": message})

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, what: str, error: type[ProblemError] = UnprocessableContent) -> None:
        """Refuse the gathered errors together: a 422 unless `error` says otherwise
        (`ReferenceConflict` for references to records that are not there)."""
        if self.errors:
            raise error(
                f"{what}: " + "; ".join(f"{e['field']}: {e['message']}" for e in self.errors),
                errors=self.errors,
            )
