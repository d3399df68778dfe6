"""Who is calling: the gateway signs a short-lived token, every service verifies it.

Callers never set identity themselves: the gateway drops any incoming `X-Sihub-*` header and
adds `X-Sihub-Identity`, a JWT (HS256) with the account, its organisation name and roles.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel

from sihub_shared.errors import Forbidden, Unauthorized
from sihub_shared.openapi import answers

IDENTITY_HEADER = "X-Sihub-Identity"
AUDIENCE = "sihub"
ALGORITHM = "HS256"


class Role(StrEnum):
    partner = "partner"
    hub_operator = "hub_operator"
    integrator = "integrator"
    admin = "admin"


class Identity(BaseModel):
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


def verify_identity(token: str, secret: str) -> Identity:
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], audience=AUDIENCE, options={"require": ["exp"]}
        )
        return Identity(
            account_id=claims["sub"],
            organisation=claims["org"],
            roles=frozenset(Role(r) for r in claims["roles"]),
            key_prefix=claims.get("kid"),
        )
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise Unauthorized("the identity token is missing, expired or not signed by the gateway") from exc


# The guard of every service route: 401 without a valid token; the role and ownership rules
# behind it answer 403.
@answers(401, 403)
def current_identity(request: Request) -> Identity:
    token = request.headers.get(IDENTITY_HEADER)
    if not token:
        raise Unauthorized("no identity: call this service through the gateway with an API key")
    return verify_identity(token, request.app.state.settings.identity_secret.get_secret_value())


CurrentIdentity = Annotated[Identity, Depends(current_identity)]


def require_roles(*roles: Role):
    """A dependency that admits callers with any of `roles` (admins always)."""

    def _check(identity: CurrentIdentity) -> Identity:
        if not identity.has_any(*roles):
            wanted = ", ".join(sorted(roles))
            raise Forbidden(f"this needs one of the roles: {wanted}")
        return identity

    return Depends(_check)
