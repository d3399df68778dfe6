"""webhook subscriptions remember each stream's position at their creation

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 22:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Null for the subscriptions already there: their events' time keeps deciding, as it did.
    with op.batch_alter_table("webhook_subscription") as batch:
        batch.add_column(sa.Column("start_positions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscription") as batch:
        batch.drop_column("start_positions")
