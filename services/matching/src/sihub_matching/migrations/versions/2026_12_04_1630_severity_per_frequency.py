"""eco_severity: one row per (geography, theme, frequency)

One row per geography and theme kept the annual severity over any other, so an annual severity
that could no longer be computed (no value) hid a monthly one that could. Each frequency now keeps
its own latest row, and matching chooses which weighs when it reads them. The primary key changes,
so the table is copied into a new one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 16:30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = "geography, theme, frequency, severity, band, period, illustrative, computed_at"


def _create(name: str, key: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("geography", sa.String(12), nullable=False),
        sa.Column("theme", sa.String(40), nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("severity", sa.Float(), nullable=True),
        sa.Column("band", sa.String(20), nullable=True),
        sa.Column("period", sa.String(10), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(*key, name="eco_severity_pkey"),
    )


def _copy_with_key(key: tuple[str, ...], rows: str) -> None:
    op.rename_table("eco_severity", "eco_severity_old")
    if op.get_bind().dialect.name == "postgresql":  # the key's name must be free for the new table's
        op.execute(sa.text("ALTER TABLE eco_severity_old RENAME CONSTRAINT eco_severity_pkey TO eco_severity_old_pkey"))
    _create("eco_severity", key)
    op.execute(sa.text(f"INSERT INTO eco_severity ({COLUMNS}) {rows}"))
    op.drop_table("eco_severity_old")


def upgrade() -> None:
    _copy_with_key(("geography", "theme", "frequency"), f"SELECT {COLUMNS} FROM eco_severity_old")


def downgrade() -> None:
    # Back to one row per geography and theme: the row this revision's reader would have weighed.
    _copy_with_key(("geography", "theme"), f"""
        SELECT {COLUMNS} FROM (
            SELECT *, row_number() OVER (
                PARTITION BY geography, theme
                ORDER BY severity IS NOT NULL DESC, frequency = 'annual' DESC, frequency <> 'unknown' DESC,
                         computed_at DESC) AS rank
            FROM eco_severity_old) AS ranked
        WHERE rank = 1""")
