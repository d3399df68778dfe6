"""hub_operator_list: the version of each hub's operator list

The hub_operators.changed event carried the whole list but no version, so a consumer could not
tell an older list redelivered after a newer one. Each change now moves the list's version on and
the event carries it. A hub whose operators were changed before this revision starts at 1.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 16:00
"""

import sqlalchemy as sa
from alembic import op

from sihub_registry.common.types import UUID

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_operator_list",
        sa.Column("hub_id", UUID, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.execute(sa.text("INSERT INTO hub_operator_list (hub_id, version) SELECT DISTINCT hub_id, 1 FROM hub_operator"))


def downgrade() -> None:
    op.drop_table("hub_operator_list")
