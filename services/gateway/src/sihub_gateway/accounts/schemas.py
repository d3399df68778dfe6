from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from sihub_gateway.accounts.models import AccountBase, ApiKeyBase
from sihub_shared.identity import Role
from sihub_shared.strict import StrictBody


class AccountCreate(AccountBase, StrictBody):
    roles: list[Role] = Field(min_length=1, max_length=len(Role), description="at least one")  # type: ignore[assignment]

    @field_validator("roles")
    @classmethod
    def _each_once(cls, roles: list[Role]) -> list[str]:
        return sorted({role.value for role in roles})


class AccountPublic(AccountBase):
    id: str
    created_at: datetime


class ApiKeyCreate(ApiKeyBase, StrictBody):
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
