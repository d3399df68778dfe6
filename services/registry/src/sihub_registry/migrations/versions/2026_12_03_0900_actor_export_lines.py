"""actor: `export_cells` written as the CSV export writes them, the line's fixed part whole

Under bench-load's mix the CSV export's own Python (writing each cell, making rows of a batch)
was a third of the registry's time. `export_cells` now holds the cells already neutralised and
quoted, kind to identifiers as one text, so that the database joins an actor's line
(formats.export_cells). Every actor's cells are written again here from its columns, 1,000 at a
time (whatever 0004 or an earlier process left in them).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00
"""

from typing import Any

from sihub_registry.actors.cells_migration import write_export_cells
from sihub_registry.actors.formats import export_cells

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    write_export_cells(export_cells)


def downgrade() -> None:
    write_export_cells(_cells_before_0005)


def _cells_before_0005(values: dict[str, Any]) -> dict[str, Any]:
    """0004's cells, as the code before this revision reads them: unquoted, no ref or details."""

    def claim(item: dict[str, Any]) -> str:
        return f"{item['capability']}:{item['detail']}" if item.get("detail") else item["capability"]

    def certification(item: dict[str, Any]) -> str:
        return f"{item['scheme']}:{item['level']}:{item.get('valid_from') or ''}:{item.get('valid_to') or ''}".rstrip(":")

    return {
        "names": {text["lang"]: text["value"] for text in reversed(values["names"])},
        "descriptions": {text["lang"]: text["value"] for text in reversed(values["descriptions"])},
        "issue_areas": ";".join(values["issue_areas"]),
        "offers": ";".join(map(claim, values["offers"])),
        "needs": ";".join(map(claim, values["needs"])),
        "certifications": ";".join(map(certification, values["certifications"])),
        "identifiers": ";".join(f"{i['scheme']}:{i['value']}" for i in values["identifiers"]),
    }
