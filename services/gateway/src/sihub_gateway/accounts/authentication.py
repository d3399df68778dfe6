"""Who is calling, from `Authorization: Bearer <key>`, with a short in-memory cache, within the
rate limits (ratelimit.py): per key once known, per client address while not.

Every forwarded request needs this, so a key found good is trusted for `key_cache_ttl_s`
without a database look-up; a revocation made through this process takes effect at once, one
made through another gateway replica within that TTL.
"""

from __future__ import annotations

import time
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_gateway.accounts.service import AccountService, hash_key
from sihub_gateway.ratelimit import RateLimits, client_address
from sihub_shared.db import Database
from sihub_shared.errors import Forbidden, ProblemError, Unauthorized
from sihub_shared.identity import KEY_HEADER, Identity, Role
from sihub_shared.openapi import answers

_BEARER = "bearer "


class KeyAuthenticator:
    def __init__(self, database: Database, ttl_s: float, limits: RateLimits) -> None:
        self.database = database
        self.ttl_s = ttl_s
        self.limits = limits
        self._cache: dict[str, tuple[Identity, float]] = {}
        # Keys (by digest) that have authenticated here: still looked up for an address over its
        # limit, so that one caller's failures never lock out another's working key at that address.
        self._proven: set[str] = set()

    async def identify(self, authorization: str | None, address: str) -> Identity:
        """The key's identity; a request without a valid key counts against its address's limit."""
        if not authorization or not authorization.lower().startswith(_BEARER):
            self.limits.take_for_address(address)
            raise Unauthorized.for_header(KEY_HEADER, "send an API key as `Authorization: Bearer <key>`",
                                          "no Bearer key", headers={"WWW-Authenticate": "Bearer"})
        key = authorization[len(_BEARER):].strip()
        digest = hash_key(key)
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        # An address that keeps failing gets no answer about a new key, and costs no look-up.
        if digest not in self._proven:
            self.limits.check_address(address)
        async with self.database.session() as session:
            identity = await AccountService(session).authenticate(key)
        if identity is None:
            self._cache.pop(digest, None)
            self._proven.discard(digest)  # revoked: like any unknown key from now on
            self.limits.take_for_address(address)
            raise Unauthorized.for_header(KEY_HEADER, "unknown or revoked API key", "unknown or revoked key",
                                          headers={"WWW-Authenticate": "Bearer"})
        self._cache[digest] = (identity, now + self.ttl_s)
        self._proven.add(digest)
        return identity

    async def still_valid(self, authorization: str | None, address: str) -> bool:
        """Whether a key that was good when a long answer began still is."""
        try:
            await self.identify(authorization, address)
        except ProblemError:  # revoked, or its address over its limit for keys that fail
            return False
        return True

    def forget_after_commit(self, session: AsyncSession, prefix: str) -> None:
        """Forget the key once its revocation is committed: a request that read it before the commit
        would otherwise cache it again for the cache's lifetime."""
        sa.event.listen(session.sync_session, "after_commit", lambda _: self.forget(prefix), once=True)

    def forget(self, prefix: str) -> None:
        for digest, (identity, _) in list(self._cache.items()):
            if identity.key_prefix == prefix:
                del self._cache[digest]
                self._proven.discard(digest)


@answers(401)
async def authenticate(request: Request) -> Identity:
    """The caller, within its key's rate limit: every route but the public documents starts here."""
    state = request.app.state
    identity = await state.authenticator.identify(request.headers.get("authorization"), client_address(request))
    state.rate_limits.take_for_key(identity)
    return identity


Caller = Annotated[Identity, Depends(authenticate)]


@answers(403)
def _admin(caller: Caller) -> Identity:
    if Role.admin not in caller.roles:
        raise Forbidden.for_header(KEY_HEADER, "this needs the admin role", "not an admin key")
    return caller


Admin = Annotated[Identity, Depends(_admin)]


@answers(403)
def _integrator_or_admin(caller: Caller) -> Identity:
    if not caller.has_any(Role.integrator, Role.admin):
        raise Forbidden.for_header(KEY_HEADER, "this needs the integrator or admin role", "not an integrator or admin key")
    return caller


IntegratorOrAdmin = Annotated[Identity, Depends(_integrator_or_admin)]
