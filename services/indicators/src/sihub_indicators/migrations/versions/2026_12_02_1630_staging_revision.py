"""one merge per ingest: the staging table notes each staged row's revision

The merge first marks every staged row whose key has a current observation: the revision it
will get when its values differ, 0 when they are equal (nothing to write). Superseding and
inserting then read the staging table once each, for every comparison set together.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 16:30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("observation_staging", sa.Column("revision", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("observation_staging") as batch:
        batch.drop_column("revision")
