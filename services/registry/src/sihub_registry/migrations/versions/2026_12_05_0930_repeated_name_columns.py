"""actor: a second name in a language gets its own CSV column (name_en, name_en)

The CSV export wrote an actor's first name in each language only, so that an export imported
elsewhere lost the others (a second English name, an acronym). A language's column now repeats,
as often as the actor with the most names in it needs (`formats.name_columns`: "en#2" is the
second `name_en` column), and the import reads a repeated name column as another name. The
actors with more than one name get their `export_cells` written again and a `name_lang` facet
for each later name; the downgrade takes both away again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 09:30
"""

import sqlalchemy as sa
from alembic import op

from sihub_registry.actors.cells_migration import (
    add_name_facets,
    with_several_names,
    without_later_names,
    write_export_cells,
)
from sihub_registry.actors.formats import export_cells, name_columns

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    write_export_cells(export_cells, with_several_names())
    add_name_facets(name_columns, with_several_names())


def downgrade() -> None:
    write_export_cells(lambda values: without_later_names(export_cells(values)), with_several_names())
    op.execute(sa.text("DELETE FROM actor_facet WHERE facet = 'name_lang' AND value LIKE '%#%'"))
