"""who revised what: indexes to list the revisions an ingest wrote and the ingests of an account

Every revision names its ingest (observation.ingest_id), and every ingest its account and
organisation; these indexes serve /ingests?account_id= and /ingests/{id}/revisions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 06:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_observation_ingest_id", "observation", ["ingest_id"])
    op.create_index("ix_ingest_account_id", "ingest", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_ingest_account_id", table_name="ingest")
    op.drop_index("ix_observation_ingest_id", table_name="observation")
