"""actor search: the per-actor index of search terms carries the term, and PostgreSQL keeps a longer
list of common terms

Measured at 100,000 actors (bench/bench_registry.py): a search with two romanised words
(`nanum cooperative`) took p50 ~150 ms on PostgreSQL. Its planner estimated one row for a word's
prefix range (`term >= 'nanum' AND term < 'nanun'`, ~5,000 rows) because the common words were not
among the 100 most common values it keeps (130,000 distinct terms, most of them a name's number),
so it drove the query from every actor with that word instead of walking the listing order; and
each check of an actor's other word read the table for its term. With 1,000 common values kept for
`term` and (actor_id, term) in the index, the query walks actors in id order and checks each word
in the index alone: ~5 ms in the database. The wider index still serves the deletes by actor_id
the narrow one did.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 13:30
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_actor_search_term_actor_id", "actor_search_term")
    op.create_index("ix_actor_search_term_actor_id_term", "actor_search_term", ["actor_id", "term"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE actor_search_term ALTER COLUMN term SET STATISTICS 1000")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE actor_search_term ALTER COLUMN term SET STATISTICS -1")
    op.drop_index("ix_actor_search_term_actor_id_term", "actor_search_term")
    op.create_index("ix_actor_search_term_actor_id", "actor_search_term", ["actor_id"])
