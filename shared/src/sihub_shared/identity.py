"""Who is calling: the gateway signs a short-lived token, every service verifies it.

Callers never set identity themselves: the gateway drops any incoming `X-Sihub-*` header and
adds `X-Sihub-Identity`, a JWT (HS256) with the account, its organisation name and roles.
"""

from __future__ import annotations

import time
from enum import StrEnum
from functools import lru_cache
from typing import Annotated

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict

from sihub_shared.errors import Forbidden, ProblemError, Unauthorized
from sihub_shared.openapi import answers

IDENTITY_HEADER = "X-Sihub-Identity"
# Where a caller's API key travels: what a 401 or a role's 403 names as its field.
KEY_HEADER = "Authorization"
AUDIENCE = "sihub"
ALGORITHM = "HS256"


class Role(StrEnum):
    partner = "partner"
    hub_operator = "hub_operator"
    integrator = "integrator"
    admin = "admin"


class Identity(BaseModel):
    # Frozen: one verified Identity is shared by every request carrying the same token.
    model_config = ConfigDict(frozen=True)

    account_id: str
    organisation: str
    roles: frozenset[Role]
    key_prefix: str | None = None

    @property
    def is_admin(self) -> bool:
        return Role.admin in self.roles

    def has_any(self, *roles: Role) -> bool:
        return self.is_admin or bool(self.roles.intersection(roles))


def sign_identity(identity: Identity, secret: str, ttl_s: int = 60) -> str:
    now = int(time.time())
    claims = {
        "sub": identity.account_id,
        "org": identity.organisation,
        "roles": sorted(identity.roles),
        "kid": identity.key_prefix,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _not_verified() -> ProblemError:
    return Unauthorized.for_header(IDENTITY_HEADER, "the identity token is missing, expired or not signed by the gateway",
                                   "not a valid identity token")


def verify_identity(token: str, secret: str) -> Identity:
    identity, expires_at = _verified(token, secret)
    # As PyJWT's own check: a token is expired from its `exp` second on.
    if expires_at <= time.time():
        raise _not_verified()
    return identity


# The gateway reuses a token for half its lifetime (IdentityTokens), so a service sees the same few
# tokens again and again: decoding and checking one with PyJWT was a tenth of a listing's CPU.
# Only verified tokens are kept (an exception is not cached); expiry is checked on every use.
@lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> tuple[Identity, float]:
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], audience=AUDIENCE, options={"require": ["exp"]}
        )
        identity = Identity(
            account_id=claims["sub"],
            organisation=claims["org"],
            roles=frozenset(Role(r) for r in claims["roles"]),
            key_prefix=claims.get("kid"),
        )
        return identity, float(claims["exp"])
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise _not_verified() from exc


# The guard of every service route: 401 without a valid token; the role and ownership rules
# behind it answer 403. `async def`, as every dependency on the request path: FastAPI runs a plain
# `def` in its thread pool, a thread hand-off per request for a few microseconds of work.
@answers(401, 403)
async def current_identity(request: Request) -> Identity:
    token = request.headers.get(IDENTITY_HEADER)
    if not token:
        raise Unauthorized.for_header(IDENTITY_HEADER, "no identity: call this service through the gateway with an API key",
                                      "missing")
    return verify_identity(token, request.app.state.settings.identity_secret.get_secret_value())


CurrentIdentity = Annotated[Identity, Depends(current_identity)]


def require_roles(*roles: Role):
    """A dependency that admits callers with any of `roles` (admins always)."""

    async def _check(identity: CurrentIdentity) -> Identity:
        if not identity.has_any(*roles):
            wanted = ", ".join(sorted(roles))
            raise Forbidden.for_header(KEY_HEADER, f"this needs one of the roles: {wanted}", f"the key has none of the roles: {wanted}")
        return identity

    return Depends(_check)
