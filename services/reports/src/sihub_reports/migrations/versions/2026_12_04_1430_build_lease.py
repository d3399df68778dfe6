"""a background build renews a lease: a build whose lease lapsed (its process stopped mid-build)
reads as failed instead of queued or running for ever

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 14:30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("report_build", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report_build") as batch:
        batch.drop_column("lease_until")
