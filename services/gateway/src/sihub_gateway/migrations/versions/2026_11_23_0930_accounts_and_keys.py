"""accounts and API keys, and the event tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:30
"""

import sqlalchemy as sa
from alembic import op

from sihub_shared.events.outbox import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_tables()
    op.create_table(
        "account",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "api_key",
        sa.Column("prefix", sa.String(16), primary_key=True),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("account.id"), nullable=False, index=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("api_key")
    op.drop_table("account")
    drop_event_tables()
