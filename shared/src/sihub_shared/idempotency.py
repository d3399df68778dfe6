"""`Idempotency-Key`: the first answer to a keyed request is stored in the same transaction as
its effect; sending the same key again returns that answer without doing the work twice.
The same key with a different request body is a 409."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_shared.errors import Conflict


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"

    account_id: str = Field(primary_key=True, max_length=36)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = Field(sa_type=sa.JSON)
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


def request_hash(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


async def stored_response(
    session: AsyncSession, account_id: str, key: str, fingerprint: str
) -> IdempotencyRecord | None:
    found = await session.get(IdempotencyRecord, (account_id, key))
    if found is not None and found.request_hash != fingerprint:
        raise Conflict.for_header("Idempotency-Key", "this Idempotency-Key was used for a different request",
                                  "reused with another body")
    return found


def store_response(
    session: AsyncSession, account_id: str, key: str, fingerprint: str, status_code: int, response: dict[str, Any]
) -> None:
    session.add(
        IdempotencyRecord(
            account_id=account_id, key=key, request_hash=fingerprint, status_code=status_code,
            response=response, created_at=datetime.now(UTC),
        )
    )


def create_idempotency_table() -> None:
    """Alembic operations for services that accept Idempotency-Key."""
    op.create_table(
        "idempotency_record",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
