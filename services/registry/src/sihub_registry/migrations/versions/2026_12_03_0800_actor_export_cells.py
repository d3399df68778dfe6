"""actor: the CSV export's cells kept with the actor (`export_cells`)

Under bench-load's mix (SQLite), half of the registry's time went to the CSV export taking every
actor's names, descriptions and lists apart with json_each, for every export. The cells are now
derived once, when the actor is written (formats.export_cells), and an export reads them. 0005
fills them in for the actors already there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 08:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not null from the start (SQLite adds such a column only with a default): '{}' until 0005 fills it.
    op.add_column("actor", sa.Column("export_cells", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    if op.get_bind().dialect.name == "postgresql":
        # Written by the code from now on; a process of the code before it would insert actors
        # with '{}' (blank cells in exports): without the default such an insert fails instead.
        op.alter_column("actor", "export_cells", server_default=None)


def downgrade() -> None:
    op.drop_column("actor", "export_cells")
