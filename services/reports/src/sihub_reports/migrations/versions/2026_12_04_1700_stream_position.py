"""stream_position: how far each stream has been read without a gap

A build recorded the highest sequence kept of each stream; an event that failed and came again
later was kept after higher ones, so a build could record a position past an event it had not
folded, and a rebuild at that position later would differ. Builds now record the position read
without a gap. Streams read before this revision start at their highest sequence kept (what their
builds recorded until now); the broker's ack floor, read by the consumers, moves them past the
events of types reports does not keep that were read before.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 17:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_position",
        sa.Column("stream", sa.String(40), primary_key=True),
        sa.Column("through", sa.BigInteger(), nullable=False),
        sa.Column("ahead", sa.JSON(), nullable=False),
    )
    event = sa.table("stream_event", sa.column("stream", sa.String), sa.column("sequence", sa.BigInteger))
    position = sa.table("stream_position", sa.column("stream", sa.String), sa.column("through", sa.BigInteger),
                        sa.column("ahead", sa.JSON))
    read = sa.select(event.c.stream, sa.func.max(event.c.sequence), sa.literal([], sa.JSON)).group_by(event.c.stream)
    op.execute(position.insert().from_select(["stream", "through", "ahead"], read))


def downgrade() -> None:
    op.drop_table("stream_position")
