r"""actor: the CSV export's list cells escape ";" and "\" inside an item

An offer or need detail holding ";" was exported as it was, so that an import of the export read
two claims (formats: `list_cell`, `_split`). The actors whose list items hold ";" or "\" (the only
ones whose cells change) get their `export_cells` written again by the code's `export_cells`.

The downgrade writes the same actors' cells again as the code before this revision wrote them
(items joined with ";" as they are), so that its export gives back what their items say.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 00:30
"""

from typing import Any

from sihub_registry.actors.cells_migration import json_text_holds, without_certification_numbers, write_export_cells
from sihub_registry.actors.formats import LIST_COLUMNS, export_cells

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# A list's JSON text holds ";" where an item does, and a backslash as two: one alone begins the
# escape JSON writes for a quote or (json.dumps) a letter past ASCII, which do not change a cell.
_ESCAPED = json_text_holds(LIST_COLUMNS, (";", "\\\\"))


def upgrade() -> None:
    write_export_cells(export_cells, _ESCAPED)


def downgrade() -> None:
    write_export_cells(_cells_of_0008, _ESCAPED)


def _cells_of_0008(values: dict[str, Any]) -> dict[str, Any]:
    """The cells as the code of 0008 wrote them: items joined with ";" as they are, and (0010) no
    certification numbers."""
    return export_cells(without_certification_numbers(values), ";".join)
