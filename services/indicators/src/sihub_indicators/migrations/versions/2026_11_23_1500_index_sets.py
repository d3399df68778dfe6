"""index_set: what each comparison set's last recompute covered, with a digest of its results

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_set",
        sa.Column("comparison_set", sa.String(24), primary_key=True),
        sa.Column("frequency", sa.String(10), primary_key=True),
        sa.Column("geographies", sa.Integer(), nullable=False),
        sa.Column("indicators", sa.Integer(), nullable=False),
        sa.Column("themes", sa.Integer(), nullable=False),
        sa.Column("first_period", sa.String(7), nullable=False),
        sa.Column("last_period", sa.String(7), nullable=False),
        sa.Column("method_version", sa.String(20), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("index_set")
