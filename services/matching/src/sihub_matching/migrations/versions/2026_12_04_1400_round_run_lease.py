"""a background run renews a lease on its round: a round whose lease lapsed (its process stopped
mid-run) reads as failed instead of running for ever

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 14:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("match_round", sa.Column("run_lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("match_round") as batch:
        batch.drop_column("run_lease_until")
