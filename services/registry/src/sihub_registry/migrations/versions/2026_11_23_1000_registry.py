"""actors with their facet and search-term index tables; hub operators, programmes, cohorts and
memberships; projects, case studies, partnerships and their index tables; event and
idempotency tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:00
"""

import sqlalchemy as sa
from alembic import op

from sihub_registry.common.types import UUID, UTCDateTime
from sihub_shared.events.outbox import create_event_tables, drop_event_tables
from sihub_shared.idempotency import create_idempotency_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _lifecycle() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
    ]


def upgrade() -> None:
    create_event_tables()
    create_idempotency_table()

    op.create_table(
        "actor",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("ref", sa.String(200), nullable=True, unique=True),
        sa.Column("owner_account_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("sector", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("locality", sa.String(200), nullable=True),
        sa.Column("founded_year", sa.Integer(), nullable=True),
        sa.Column("website", sa.String(500), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("descriptions", sa.JSON(), nullable=False),
        sa.Column("issue_areas", sa.JSON(), nullable=False),
        sa.Column("offers", sa.JSON(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("certifications", sa.JSON(), nullable=False),
        sa.Column("identifiers", sa.JSON(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        *_lifecycle(),
    )
    for name, columns in (
        ("ix_actor_country_id", ["country", "id"]),
        ("ix_actor_region_id", ["region", "id"]),
        ("ix_actor_kind_id", ["kind", "id"]),
        ("ix_actor_sector_id", ["sector", "id"]),
        ("ix_actor_updated_at_id", ["updated_at", "id"]),
        ("ix_actor_owner_account_id", ["owner_account_id"]),
    ):
        op.create_index(name, "actor", columns)

    # No foreign keys on the index tables: the repository keeps them with their actor, and a
    # bulk import writes some 30 term rows per actor that would each pay a key check.
    op.create_table(
        "actor_search_term",
        sa.Column("term", sa.String(100), primary_key=True),
        sa.Column("actor_id", UUID, primary_key=True),
    )
    op.create_index("ix_actor_search_term_actor_id", "actor_search_term", ["actor_id"])
    op.create_table(
        "actor_facet",
        sa.Column("facet", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(120), primary_key=True),
        sa.Column("actor_id", UUID, primary_key=True),
    )
    op.create_index("ix_actor_facet_actor_id", "actor_facet", ["actor_id"])

    op.create_table(
        "hub_operator",
        sa.Column("hub_id", UUID, primary_key=True),
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "programme",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("ref", sa.String(200), nullable=True, unique=True),
        sa.Column("hub_id", UUID, nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("descriptions", sa.JSON(), nullable=False),
        sa.Column("issue_areas", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        *_lifecycle(),
    )
    op.create_index("ix_programme_hub_id", "programme", ["hub_id"])
    op.create_table(
        "cohort",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("ref", sa.String(200), nullable=True, unique=True),
        sa.Column("programme_id", UUID, nullable=False),
        sa.Column("hub_id", UUID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        *_lifecycle(),
    )
    op.create_index("ix_cohort_programme_id", "cohort", ["programme_id"])
    op.create_table(
        "membership",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("ref", sa.String(200), nullable=True, unique=True),
        sa.Column("hub_id", UUID, nullable=False),
        sa.Column("programme_id", UUID, nullable=False),
        sa.Column("cohort_id", UUID, nullable=True),
        sa.Column("actor_id", UUID, nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        *_lifecycle(),
    )
    op.create_index("ix_membership_hub_id_actor_id", "membership", ["hub_id", "actor_id"])
    op.create_index("ix_membership_actor_id", "membership", ["actor_id"])
    op.create_index("ix_membership_programme_id", "membership", ["programme_id"])
    op.create_index("ix_membership_updated_at_id", "membership", ["updated_at", "id"])

    op.create_table(
        "project",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("ref", sa.String(200), nullable=True, unique=True),
        sa.Column("actor_id", UUID, nullable=False),
        sa.Column("partner_ids", sa.JSON(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("issue_areas", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        *_lifecycle(),
    )
    op.create_index("ix_project_actor_id", "project", ["actor_id"])
    op.create_index("ix_project_country", "project", ["country"])
    op.create_index("ix_project_region", "project", ["region"])
    op.create_index("ix_project_updated_at_id", "project", ["updated_at", "id"])

    op.create_table(
        "case_study",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("ref", sa.String(200), nullable=True, unique=True),
        sa.Column("owner_account_id", sa.String(64), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("issue_areas", sa.JSON(), nullable=False),
        sa.Column("actor_ids", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("source_url", sa.String(500), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        *_lifecycle(),
    )
    op.create_index("ix_case_study_country", "case_study", ["country"])
    op.create_index("ix_case_study_region", "case_study", ["region"])
    op.create_index("ix_case_study_updated_at_id", "case_study", ["updated_at", "id"])

    op.create_table(
        "partnership",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("ref", sa.String(200), nullable=True, unique=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("actor_ids", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("match_ref", sa.String(200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        *_lifecycle(),
    )
    op.create_index("ix_partnership_status", "partnership", ["status"])
    op.create_index("ix_partnership_updated_at_id", "partnership", ["updated_at", "id"])

    op.create_table(
        "record_facet",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("facet", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(120), primary_key=True),
        sa.Column("record_id", UUID, primary_key=True),
    )
    op.create_index("ix_record_facet_record_id", "record_facet", ["record_id"])
    op.create_table(
        "record_term",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("term", sa.String(100), primary_key=True),
        sa.Column("record_id", UUID, primary_key=True),
    )
    op.create_index("ix_record_term_record_id", "record_term", ["record_id"])


def downgrade() -> None:
    for table in (
        "record_term", "record_facet", "partnership", "case_study", "project", "membership",
        "cohort", "programme", "hub_operator", "actor_facet", "actor_search_term", "actor",
        "idempotency_record",
    ):
        op.drop_table(table)
    drop_event_tables()
