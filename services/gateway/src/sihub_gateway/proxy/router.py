"""The forwarding route. A plain Starlette route, not a FastAPI one: it is on every request's
path and needs no parameter parsing, only authentication, the rate limit and the forward."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sihub_gateway.accounts.authentication import authenticate
from sihub_shared.errors import Forbidden, NotFound, allowed_methods
from sihub_shared.identity import KEY_HEADER, Role

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def forward(request: Request) -> Response:
    state = request.app.state
    service = request.path_params["service"]
    if service not in state.forwarder.upstreams:
        # A path of the gateway's own (PUT /api/v1/gateway/me) with another method.
        if allowed_methods(request):
            raise HTTPException(405)
        raise NotFound(f"no service {service!r}; known: {sorted(state.forwarder.upstreams)}",
                       errors=[{"field": "service", "message": "not a service of this API"}])
    identity = await authenticate(request)
    # Integrators read only, whatever the service; the services check everything finer.
    if request.method not in _READ_METHODS and identity.roles == {Role.integrator}:
        raise Forbidden.for_header(KEY_HEADER, "integrator keys are read-only", "an integrator key reads only")
    return await state.forwarder.forward(request, service, state.identity_tokens.token_for(identity),
                                         holder=identity.key_prefix or identity.account_id)


_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
forward_route = Route("/api/v1/{service}/{path:path}", forward, methods=_METHODS)
# The bare `/api/v1/<name>` is routed the same way (an unknown name is 404 naming `service`, a
# service's own path goes to it): otherwise Starlette answers it with a 307 to `/api/v1/<name>/`.
service_root_route = Route("/api/v1/{service}", forward, methods=_METHODS)
