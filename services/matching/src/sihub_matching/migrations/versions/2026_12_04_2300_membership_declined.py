"""eco_membership.declined: the member's owner declined being listed

A cohort's seekers leave out members whose owner declined the hub's claim. Rows held from before
say false until their membership's next event; a replay of the registry stream (the consumer's `rebuild`)
takes in answers given before this revision.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 23:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("eco_membership") as table:
        table.add_column(sa.Column("declined", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("eco_membership") as table:
        table.drop_column("declined")
