"""actor_facet: the languages of each actor's names and descriptions (name_lang, description_lang)

A CSV export has a column per language its actors have a name or a description in. Finding them
decoded every matching actor's lists first (under bench-load's mix, a fifth of an export's time);
they are now facets, written with the actor (rules.prepare_actor), and read from the facet index.
Existing actors get theirs here, in one statement per list.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:30
"""

import sqlalchemy as sa
from alembic import op

from sihub_registry.common.types import UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_FACETS = {"name_lang": "names", "description_lang": "descriptions"}


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    actor = sa.table("actor", sa.column("id", UUID), *(sa.column(column, sa.JSON) for column in _FACETS.values()))
    facet = sa.table("actor_facet", sa.column("facet", sa.String), sa.column("value", sa.String), sa.column("actor_id", UUID))
    for name, column in _FACETS.items():
        if postgresql:
            item = sa.func.json_array_elements(actor.c[column]).table_valued("value").alias("item")
            lang = item.c.value.op("->>")("lang")
        else:
            item = sa.func.json_each(actor.c[column]).table_valued("value").alias("item")
            lang = sa.func.json_extract(item.c.value, "$.lang")
        # An actor with two names in one language has one facet row for it; a facet already there
        # (written by this code before the migration ran, e.g. a second process) is left as it is.
        present = sa.select(facet.c.actor_id).where(facet.c.facet == name, facet.c.value == lang,
                                                     facet.c.actor_id == actor.c.id)
        langs = (sa.select(sa.literal(name), lang, actor.c.id).select_from(actor).join(item, sa.true())
                 .where(~present.exists()).distinct())
        op.execute(facet.insert().from_select(["facet", "value", "actor_id"], langs))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM actor_facet WHERE facet IN ('name_lang', 'description_lang')"))
