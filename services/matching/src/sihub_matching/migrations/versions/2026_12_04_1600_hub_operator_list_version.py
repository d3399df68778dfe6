"""eco_hub_operator_list: the version of the operator list held for each hub

The registry's hub_operators.changed events now carry the list's version; the read model keeps it
so that an older list redelivered after a newer one changes nothing. Lists held from before have
no row and are replaced by the next event, as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 16:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eco_hub_operator_list",
        sa.Column("hub_id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("eco_hub_operator_list")
