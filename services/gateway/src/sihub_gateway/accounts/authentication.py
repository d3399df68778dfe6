"""Who is calling, from `Authorization: Bearer <key>`, with a short in-memory cache.

Every forwarded request needs this, so a key found good is trusted for `key_cache_ttl_s`
without a database look-up; a revocation made through this process takes effect at once, one
made through another gateway replica within that TTL.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request

from sihub_gateway.accounts.service import AccountService, hash_key
from sihub_shared.db import Database
from sihub_shared.errors import Forbidden, Unauthorized
from sihub_shared.identity import Identity, Role
from sihub_shared.openapi import answers

_BEARER = "bearer "


class KeyAuthenticator:
    def __init__(self, database: Database, ttl_s: float) -> None:
        self.database = database
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[Identity, float]] = {}

    async def identify(self, authorization: str | None) -> Identity:
        if not authorization or not authorization.lower().startswith(_BEARER):
            raise Unauthorized(
                "send an API key as `Authorization: Bearer <key>`",
                headers={"WWW-Authenticate": "Bearer"},
            )
        key = authorization[len(_BEARER):].strip()
        digest = hash_key(key)
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        async with self.database.session() as session:
            identity = await AccountService(session).authenticate(key)
        if identity is None:
            self._cache.pop(digest, None)
            raise Unauthorized("unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        self._cache[digest] = (identity, now + self.ttl_s)
        return identity

    def forget(self, prefix: str) -> None:
        for digest, (identity, _) in list(self._cache.items()):
            if identity.key_prefix == prefix:
                del self._cache[digest]


@answers(401)
async def _caller(request: Request) -> Identity:
    authenticator: KeyAuthenticator = request.app.state.authenticator
    return await authenticator.identify(request.headers.get("authorization"))


Caller = Annotated[Identity, Depends(_caller)]


@answers(403)
def _admin(caller: Caller) -> Identity:
    if Role.admin not in caller.roles:
        raise Forbidden("this needs the admin role")
    return caller


Admin = Annotated[Identity, Depends(_admin)]
