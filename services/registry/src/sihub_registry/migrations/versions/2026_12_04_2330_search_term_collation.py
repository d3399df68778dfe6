"""search terms compared byte by byte on PostgreSQL (COLLATE "C")

A word is searched as a prefix range, `term >= 'suz' AND term < 'su{'`: the upper bound is the
last letter's successor, which is right byte by byte but not under a language collation (the
default of the postgres image, en_US), where `{` or `:` sorts before letters and digits: `Suz` or
`199` found nothing. With the terms in the C collation, the range and its index agree. SQLite
compares bytes already.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 23:30
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TERM_MAX = 100


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("actor_search_term", "record_term"):
        op.execute(f"ALTER TABLE {table} ALTER COLUMN term TYPE varchar({TERM_MAX}) COLLATE {collation}")


def upgrade() -> None:
    _collate('"C"')


def downgrade() -> None:
    _collate('"default"')
