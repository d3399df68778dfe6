"""consent for claims about others: `confirmations` on projects, case studies, memberships and
partnerships, one link per named actor. Existing links are confirmed where the record's own
account owns the actor (as new ones are) and pending otherwise.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 05:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from sihub_registry.common.types import UUID, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("project", "case_study", "membership", "partnership")


def _links(named: list[str], owners: dict[str, str], account: str, at: Any) -> list[dict[str, Any]]:
    return [
        {"actor_id": a, "state": "confirmed", "decided_by": account, "decided_at": at.isoformat()}
        if owners.get(a) == account else {"actor_id": a, "state": "pending", "decided_by": None, "decided_at": None}
        for a in dict.fromkeys(named)
    ]


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("confirmations", sa.JSON(), nullable=False, server_default="[]"))

    connection = op.get_bind()
    actor = sa.table("actor", sa.column("id", UUID), sa.column("owner_account_id", sa.String()))
    owners = dict(connection.execute(sa.select(actor.c.id, actor.c.owner_account_id)).all())

    def column(name: str, kind: Any = UUID) -> sa.ColumnClause[Any]:
        return sa.column(name, kind)

    def table(name: str, *columns: sa.ColumnClause[Any]) -> sa.TableClause:
        return sa.table(name, column("id"), column("confirmations", sa.JSON()), column("created_at", UTCDateTime()), *columns)

    project = table("project", column("actor_id"), column("partner_ids", sa.JSON()))
    case_study = table("case_study", column("owner_account_id", sa.String()), column("actor_ids", sa.JSON()))
    membership = table("membership", column("hub_id"), column("actor_id"))
    partnership = table("partnership", column("created_by", sa.String()), column("actor_ids", sa.JSON()))
    # the account that named the actors: the lead actor's owner (projects), the hub's owner
    # (memberships; which operator added one was not recorded), the record's owner otherwise
    named_by = (
        (project, lambda r: ([r.actor_id, *r.partner_ids], owners.get(r.actor_id, ""))),
        (case_study, lambda r: (r.actor_ids, r.owner_account_id)),
        (membership, lambda r: ([r.actor_id], owners.get(r.hub_id, ""))),
        (partnership, lambda r: (r.actor_ids, r.created_by)),
    )
    for records, naming in named_by:
        for row in connection.execute(sa.select(records)).all():
            named, account = naming(row)
            connection.execute(records.update().where(records.c.id == row.id)
                               .values(confirmations=_links(named, owners, account, row.created_at)))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "confirmations")
