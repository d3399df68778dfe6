from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sihub_shared.strict import Line
from sihub_shared.timestamps import UTCDateTime


def _now() -> datetime:
    return datetime.now(UTC)


class AccountBase(SQLModel):
    name: Line = Field(min_length=1, max_length=200, description="The organisation this account is for")
    roles: list[str] = Field(sa_type=sa.JSON, description="partner, hub_operator, integrator, admin")


class Account(AccountBase, table=True):
    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class ApiKeyBase(SQLModel):
    label: Line = Field(default="", max_length=200)


class ApiKey(ApiKeyBase, table=True):
    __tablename__ = "api_key"

    # The prefix is public (listed, logged); the secret part is only ever stored as a hash.
    prefix: str = Field(primary_key=True, max_length=16)
    account_id: str = Field(foreign_key="account.id", index=True, max_length=36)
    secret_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
