"""actor: a CSV cell that itself starts with quotes before a formula start gets one more

The export put a quote in front of a cell starting a formula (`=`, `+`, `-`, `@`, tab, return) and
the import takes that quote away; a cell that already began with a quote before one (`'+1`) was
written as it was, so that an import of the export read `+1` (formats: `neutralised`,
`_unneutralised`). The actors whose values hold a quote (a superset of those whose cells change)
get their `export_cells` written again by the code's `export_cells`; the downgrade writes them as
the code before this revision did.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 18:00
"""

from typing import Any

from sihub_registry.actors.cells_migration import json_text_holds, write_export_cells
from sihub_registry.actors.formats import FORMULA_STARTS, export_cells

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_WITH_A_QUOTE = json_text_holds(
    ("ref", "locality", "website", "names", "descriptions", "offers", "needs", "certifications", "identifiers"), ("'",)
)


def upgrade() -> None:
    write_export_cells(export_cells, _WITH_A_QUOTE)


def downgrade() -> None:
    write_export_cells(lambda values: export_cells(values, neutralise=_neutralised_of_0012), _WITH_A_QUOTE)


def _neutralised_of_0012(cell: Any) -> str:
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
