"""stream_position.ahead as ranges

`ahead` listed every sequence read past a gap: an event that fails for ever (its handler raises
each time it comes) held a gap while the list grew with every event read after it, and was written
again whole with every batch. It now holds ranges `[first, last]`: one range for such a run.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 19:30
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

position = sa.table("stream_position", sa.column("stream", sa.String), sa.column("ahead", sa.JSON))


def _rewrite(change: Callable[[list], list]) -> None:
    bind = op.get_bind()
    for stream, ahead in bind.execute(sa.select(position.c.stream, position.c.ahead)).all():
        bind.execute(position.update().where(position.c.stream == stream).values(ahead=change(ahead or [])))


def _as_ranges(sequences: list[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for sequence in sorted(set(sequences)):
        if ranges and sequence == ranges[-1][1] + 1:
            ranges[-1][1] = sequence
        else:
            ranges.append([sequence, sequence])
    return ranges


def upgrade() -> None:
    _rewrite(_as_ranges)


def downgrade() -> None:
    _rewrite(lambda ranges: [s for first, last in ranges for s in range(first, last + 1)])
