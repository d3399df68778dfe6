"""partnership: one live partner-registered partnership per match, kept by a unique index

Two partners registering a partnership naming the same match at once both passed the service's
check (`_ensure_match_ref_free`) and both were written. A partial unique index on `match_ref`
over the live partnerships partners registered now refuses the second (a 409 naming match_ref);
the one recorded from matching's `match.accepted` is outside it, as before. A database already
holding two such live partnerships for one match stops the upgrade, naming them: delete one.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_LIVE_PARTNER_MATCH = "match_ref IS NOT NULL AND deleted_at IS NULL AND created_by NOT LIKE 'matching:%'"


def upgrade() -> None:
    clashes = op.get_bind().execute(sa.text(
        f"SELECT match_ref FROM partnership WHERE {_LIVE_PARTNER_MATCH} GROUP BY match_ref HAVING count(*) > 1"
    )).scalars().all()
    if clashes:
        raise RuntimeError(f"live partnerships partners registered name the same match ({', '.join(clashes)}): "
                           "delete all but one of each, then migrate again")
    op.create_index("ux_partnership_live_match_ref", "partnership", ["match_ref"], unique=True,
                    postgresql_where=sa.text(_LIVE_PARTNER_MATCH), sqlite_where=sa.text(_LIVE_PARTNER_MATCH))


def downgrade() -> None:
    op.drop_index("ux_partnership_live_match_ref", table_name="partnership")
