"""reports: the event tables, the read model's stream events and the builds

Revision ID: 0001
Revises:
Create Date: 2026-12-02 06:00
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
        "stream_event",
        sa.Column("stream", sa.String(40), primary_key=True),
        sa.Column("sequence", sa.BigInteger(), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(120), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_table(
        "report_build",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("positions", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("empty", sa.Boolean(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("json_sha256", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_report_build_created_at", "report_build", ["created_at"])


def downgrade() -> None:
    op.drop_table("report_build")
    op.drop_table("stream_event")
    drop_event_tables()
