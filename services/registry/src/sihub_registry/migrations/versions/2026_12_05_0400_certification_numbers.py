"""actor: the CSV export's certifications cell carries each certificate's number

A certification's `number` was not written to the CSV export, so that an export imported
elsewhere lost it (formats: `scheme:level:valid_from:valid_to:number`). The actors with a
numbered certification get their `export_cells` written again; the downgrade writes them as the
code before this revision did, without numbers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 04:00
"""

from sihub_registry.actors.cells_migration import json_text_holds, without_certification_numbers, write_export_cells
from sihub_registry.actors.formats import export_cells

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# A number is a JSON string; an absent one is null (how each database spaces the JSON text varies).
_NUMBERED = json_text_holds(("certifications",), ('"number": "', '"number":"'))


def upgrade() -> None:
    write_export_cells(export_cells, _NUMBERED)


def downgrade() -> None:
    write_export_cells(lambda values: export_cells(without_certification_numbers(values)), _NUMBERED)
