from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlmodel import SQLModel

from sihub_gateway.accounts.models import AccountBase, ApiKeyBase
from sihub_shared.identity import Role


class AccountCreate(AccountBase):
    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        if not roles:
            raise ValueError("an account needs at least one role")
        unknown = sorted(set(roles) - {r.value for r in Role})
        if unknown:
            raise ValueError(f"unknown roles {unknown}; known: {[r.value for r in Role]}")
        return sorted(set(roles))


class AccountPublic(AccountBase):
    id: str
    created_at: datetime


class ApiKeyCreate(ApiKeyBase):
    pass


class ApiKeyPublic(ApiKeyBase):
    prefix: str
    account_id: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyIssued(ApiKeyPublic):
    key: str
    """The whole key. It is shown this once and cannot be recovered."""


class Page(SQLModel):
    items: list[AccountPublic]
