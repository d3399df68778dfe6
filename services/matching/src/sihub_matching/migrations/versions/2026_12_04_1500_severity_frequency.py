"""the read model keeps each severity's frequency: an annual severity is kept over a monthly or
quarterly one of the same geography and theme (they overwrote each other, the latest winning)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows from before this revision did not keep it: "unknown", which the next severity of their
    # geography and theme replaces whatever its frequency (a replay from the start sets every one).
    op.add_column(
        "eco_severity",
        sa.Column("frequency", sa.String(10), nullable=False, server_default="unknown"),
    )


def downgrade() -> None:
    with op.batch_alter_table("eco_severity") as batch:
        batch.drop_column("frequency")
