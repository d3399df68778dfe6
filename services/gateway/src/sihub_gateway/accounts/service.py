"""Accounts and API keys: keys are random, shown once, stored as SHA-256 hashes, revocable.

A key reads `sihub_<prefix>_<secret>`: the prefix finds the row, the hash of the whole key
proves it. SHA-256 (not a slow password hash) is right here because the secret is 32 random
bytes, not something a person chose, so it cannot be guessed from its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_gateway.accounts.models import Account, ApiKey
from sihub_gateway.accounts.repository import AccountRepository
from sihub_gateway.accounts.schemas import AccountCreate, AccountPublic, ApiKeyCreate, ApiKeyIssued, ApiKeyPublic
from sihub_gateway.events.contracts import AccountCreated, ApiKeyIssued as ApiKeyIssuedEvent, ApiKeyRevoked
from sihub_shared.errors import Conflict, NotFound
from sihub_shared.events.outbox import record
from sihub_shared.identity import Identity, Role

KEY_PREFIX = "sihub"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def split_key(key: str) -> str | None:
    """The public prefix of a well-formed key, or None."""
    parts = key.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


class AccountService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = AccountRepository(session)

    async def create_account(self, data: AccountCreate) -> Account:
        account = Account.model_validate(data)
        self.repository.add(account)
        record(self.session, AccountCreated(account=AccountPublic.model_validate(account)), subject=account.id)
        return account

    async def list_accounts(self) -> list[Account]:
        return await self.repository.list_accounts()

    async def get_account(self, account_id: str) -> Account:
        account = await self.repository.get_account(account_id)
        if account is None:
            raise NotFound(f"no account {account_id}", errors=[{"field": "account_id", "message": "unknown"}])
        return account

    async def issue_key(self, account_id: str, data: ApiKeyCreate) -> ApiKeyIssued:
        await self.get_account(account_id)
        prefix = secrets.token_hex(4)
        key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiKey(prefix=prefix, account_id=account_id, label=data.label, secret_hash=hash_key(key))
        self.repository.add(row)
        public = ApiKeyPublic.model_validate(row)
        record(self.session, ApiKeyIssuedEvent(api_key=public), subject=prefix)
        return ApiKeyIssued(**public.model_dump(), key=key)

    async def list_keys(self, account_id: str) -> list[ApiKey]:
        await self.get_account(account_id)
        return await self.repository.list_keys(account_id)

    async def revoke_key(self, prefix: str, caller: Identity) -> ApiKey:
        row = await self.repository.get_key(prefix)
        if row is None:
            raise NotFound(f"no API key with prefix {prefix}", errors=[{"field": "prefix", "message": "unknown"}])
        # An admin revoking the key it calls with could lock every admin out; rotate with another key.
        if prefix == caller.key_prefix:
            raise Conflict("this is the key you are calling with: revoke it with another admin key",
                           errors=[{"field": "prefix", "message": "the calling key"}])
        if row.revoked_at is not None:
            raise Conflict(f"API key {prefix} is already revoked",
                           errors=[{"field": "prefix", "message": "already revoked"}])
        row.revoked_at = datetime.now(UTC)
        self.repository.add(row)
        record(self.session, ApiKeyRevoked(api_key=ApiKeyPublic.model_validate(row)), subject=prefix)
        return row

    async def authenticate(self, key: str) -> Identity | None:
        prefix = split_key(key)
        if prefix is None:
            return None
        found = await self.repository.get_key_with_account(prefix)
        if found is None:
            return None
        row, account = found
        if row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, hash_key(key)):
            return None
        return Identity(
            account_id=account.id,
            organisation=account.name,
            roles=frozenset(Role(r) for r in account.roles),
            key_prefix=row.prefix,
        )
