"""actor: the CSV export's cells kept with the actor (`export_cells`)

Under bench-load's mix (SQLite), half of the registry's time went to the CSV export taking every
actor's names, descriptions and lists apart with json_each, for every export. The cells are now
derived once, when the actor is written (formats.export_cells), and an export reads them. Existing
actors get theirs here, 1,000 at a time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 08:00
"""

import sqlalchemy as sa
from alembic import op

from sihub_registry.actors.formats import export_cells
from sihub_registry.common.types import UUID

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_LISTS = ("names", "descriptions", "issue_areas", "offers", "needs", "certifications", "identifiers")
_BATCH = 1000


def upgrade() -> None:
    # Not null from the start (SQLite adds such a column only with a default): '{}' until filled in below.
    op.add_column("actor", sa.Column("export_cells", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    connection = op.get_bind()
    actor = sa.table("actor", sa.column("id", UUID), sa.column("export_cells", sa.JSON),
                     *(sa.column(name, sa.JSON) for name in _LISTS))
    last = None
    while True:
        query = sa.select(actor.c.id, *(actor.c[name] for name in _LISTS)).order_by(actor.c.id).limit(_BATCH)
        if last is not None:
            query = query.where(actor.c.id > last)
        rows = connection.execute(query).all()
        if not rows:
            break
        connection.execute(
            actor.update().where(actor.c.id == sa.bindparam("actor_id")).values(export_cells=sa.bindparam("cells")),
            [{"actor_id": row.id, "cells": export_cells({name: getattr(row, name) or [] for name in _LISTS})}
             for row in rows],
        )
        last = rows[-1].id
    if connection.dialect.name == "postgresql":
        # Written by the code from now on; a process of the code before it would insert actors
        # with '{}' (blank cells in exports): without the default such an insert fails instead.
        op.alter_column("actor", "export_cells", server_default=None)


def downgrade() -> None:
    op.drop_column("actor", "export_cells")
