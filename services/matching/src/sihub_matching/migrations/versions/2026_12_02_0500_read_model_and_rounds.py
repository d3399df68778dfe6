"""matching: the read model (actors, hubs, partnerships, severities, indices from events), rounds,
drafts, proposals, and the event tables

Revision ID: 0001
Revises:
Create Date: 2026-12-02 05:00
"""

import sqlalchemy as sa
from alembic import op

from sihub_shared.events.outbox import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_event_tables()
    op.create_table(
        "eco_actor",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("owner_account_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("sector", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("issue_areas", sa.JSON(), nullable=False),
        sa.Column("offers", sa.JSON(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, index=True),
    )
    op.create_index("ix_eco_actor_owner", "eco_actor", ["owner_account_id"])
    op.create_table(
        "eco_hub_operator",
        sa.Column("hub_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(64), primary_key=True),
    )
    op.create_table(
        "eco_programme",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("hub_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "eco_cohort",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("programme_id", sa.String(36), nullable=False),
        sa.Column("hub_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "eco_membership",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("hub_id", sa.String(36), nullable=False),
        sa.Column("programme_id", sa.String(36), nullable=False),
        sa.Column("cohort_id", sa.String(36), nullable=True, index=True),
        sa.Column("actor_id", sa.String(36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "eco_partnership",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("actor_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("match_ref", sa.String(200), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "eco_partner_pair",
        sa.Column("actor_id", sa.String(36), primary_key=True),
        sa.Column("partner_id", sa.String(36), primary_key=True),
        sa.Column("partnership_id", sa.String(36), primary_key=True, index=True),
    )
    op.create_table(
        "eco_severity",
        sa.Column("geography", sa.String(12), primary_key=True),
        sa.Column("theme", sa.String(40), primary_key=True),
        sa.Column("severity", sa.Float(), nullable=True),
        sa.Column("band", sa.String(20), nullable=True),
        sa.Column("period", sa.String(10), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("computed_at", TZ, nullable=False),
    )
    op.create_table(
        "eco_theme_index",
        sa.Column("comparison_set", sa.String(24), primary_key=True),
        sa.Column("geography", sa.String(12), primary_key=True),
        sa.Column("theme", sa.String(40), primary_key=True),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("index", sa.Float(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("computed_at", TZ, nullable=False),
    )
    op.create_table(
        "eco_revision",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("revision", sa.Integer(), nullable=False),
    )
    op.create_table(
        "match_round",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("hub_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("objective", sa.String(20), nullable=False),
        sa.Column("proposer", sa.String(20), nullable=False),
        sa.Column("seekers", sa.JSON(), nullable=False),
        sa.Column("providers", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("capacities", sa.JSON(), nullable=False),
        sa.Column("max_matches", sa.Integer(), nullable=False),
        sa.Column("min_score", sa.Float(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("prefer", sa.String(20), nullable=True),
        sa.Column("must_pairs", sa.JSON(), nullable=False),
        sa.Column("forbidden_pairs", sa.JSON(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("run_state", sa.String(20), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("drafts", sa.Integer(), nullable=False),
        sa.Column("published_draft", sa.Integer(), nullable=False),
        sa.Column("publications", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "match_draft",
        sa.Column("round_id", sa.String(36), primary_key=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "match_proposal",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("round_id", sa.String(36), nullable=False, index=True),
        sa.Column("hub_id", sa.String(36), nullable=False),
        sa.Column("publication", sa.Integer(), nullable=False),
        sa.Column("seeker_id", sa.String(36), nullable=False),
        sa.Column("provider_id", sa.String(36), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("seeker_score", sa.Float(), nullable=False),
        sa.Column("provider_score", sa.Float(), nullable=False),
        sa.Column("partnership_type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("seeker_decision", sa.String(20), nullable=True),
        sa.Column("provider_decision", sa.String(20), nullable=True),
        sa.Column("seeker_decided_by", sa.String(64), nullable=True),
        sa.Column("provider_decided_by", sa.String(64), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("round_id", "seeker_id", "provider_id", name="uq_match_proposal_pair"),
    )
    op.create_index("ix_match_proposal_seeker", "match_proposal", ["seeker_id"])
    op.create_index("ix_match_proposal_provider", "match_proposal", ["provider_id"])


def downgrade() -> None:
    for table in (
        "match_proposal",
        "match_draft",
        "match_round",
        "eco_revision",
        "eco_theme_index",
        "eco_severity",
        "eco_partner_pair",
        "eco_partnership",
        "eco_membership",
        "eco_cohort",
        "eco_programme",
        "eco_hub_operator",
        "eco_actor",
    ):
        op.drop_table(table)
    drop_event_tables()
