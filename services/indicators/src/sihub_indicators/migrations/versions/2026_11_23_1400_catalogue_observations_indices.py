"""indicator catalogue, observations with revisions, ingest log, theme indices, severities,
and the event tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 14:00
"""

import sqlalchemy as sa
from alembic import op

from sihub_shared.events.outbox import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CURRENT = sa.text("superseded_at IS NULL")


def upgrade() -> None:
    create_event_tables()
    op.create_table(
        "indicator",
        sa.Column("code", sa.String(80), primary_key=True),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("theme", sa.String(40), nullable=False, index=True),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(20), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("sdg_targets", sa.JSON(), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("notes", sa.String(4000), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "observation",
        sa.Column("indicator_code", sa.String(80), primary_key=True),
        sa.Column("geography", sa.String(12), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("revision", sa.Integer(), primary_key=True),
        sa.Column("comparison_set", sa.String(24), nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("break_in_series", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(500), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ingest_id", sa.String(36), nullable=False),
        sa.Column("superseded_by", sa.String(36), nullable=True),
    )
    # One current revision per key; led by the comparison set, so that a recompute loads a set
    # by index and the ingest's merge finds current rows by the same index.
    op.create_index(
        "ix_observation_current",
        "observation",
        ["comparison_set", "frequency", "indicator_code", "geography", "period"],
        unique=True,
        postgresql_where=CURRENT,
        sqlite_where=CURRENT,
    )
    staging_prefixes = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "observation_staging",
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("indicator_code", sa.String(80), nullable=False),
        sa.Column("geography", sa.String(12), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("comparison_set", sa.String(24), nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("break_in_series", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(500), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        prefixes=staging_prefixes,
    )
    op.create_table(
        "ingest",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("revised", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("summary", sa.JSON(), nullable=False),
    )
    op.create_table(
        "theme_index",
        sa.Column("geography", sa.String(12), primary_key=True),
        sa.Column("theme", sa.String(40), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("comparison_set", sa.String(24), nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("inputs", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("rank_best", sa.Integer(), nullable=True),
        sa.Column("rank_worst", sa.Integer(), nullable=True),
        sa.Column("ranked_among", sa.Integer(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("method_version", sa.String(20), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_theme_index_comparison_set", "theme_index", ["comparison_set", "frequency"])
    op.create_table(
        "severity",
        sa.Column("geography", sa.String(12), primary_key=True),
        sa.Column("theme", sa.String(40), primary_key=True),
        sa.Column("frequency", sa.String(10), primary_key=True),
        sa.Column("comparison_set", sa.String(24), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("index", sa.Float(), nullable=False),
        sa.Column("severity", sa.Float(), nullable=False),
        sa.Column("band", sa.String(10), nullable=False),
        sa.Column("trend_per_year", sa.Float(), nullable=True),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("inputs", sa.Integer(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("method_version", sa.String(20), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_severity_comparison_set", "severity", ["comparison_set", "frequency"])


def downgrade() -> None:
    op.drop_index("ix_severity_comparison_set", table_name="severity")
    op.drop_table("severity")
    op.drop_index("ix_theme_index_comparison_set", table_name="theme_index")
    op.drop_table("theme_index")
    op.drop_table("ingest")
    op.drop_table("observation_staging")
    op.drop_index("ix_observation_current", table_name="observation")
    op.drop_table("observation")
    op.drop_table("indicator")
    drop_event_tables()
