"""Angel's additions: job leases, one result row per recording, a NULL-safe config key,
training jobs and model versions. All additive (docs/schema.md).

Revision ID: 0002_angel_additions
Revises: 0001_spec_tables
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import TIMESTAMP, Boolean, Integer, String, Text, text

from angel_intelligence.db.naming import index_name
from angel_intelligence.db.types import BigIntPK, Json

revision = "0002_angel_additions"
down_revision = "0001_spec_tables"
branch_labels = None
depends_on = None


def _duplicates(table: str) -> int:
    sql = (
        f"SELECT COUNT(*) FROM (SELECT ai_call_recording_id FROM {table} "
        "GROUP BY ai_call_recording_id HAVING COUNT(*) > 1) AS d"
    )
    return int(op.get_bind().execute(text(sql)).scalar_one())


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    options = (
        {
            "mysql_engine": "InnoDB",
            "mysql_charset": "utf8mb4",
            "mysql_collate": "utf8mb4_unicode_ci",
        }
        if dialect != "sqlite"
        else {}
    )

    # 1. The job lease on the queue table (research/reliability_anchors.md §3.1).
    with op.batch_alter_table("ai_call_recordings") as batch:
        batch.add_column(sa.Column("claimed_by", String(64), nullable=True))
        batch.add_column(sa.Column("claim_token", String(32), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", TIMESTAMP(), nullable=True))
    op.create_index(
        index_name(dialect, "ai_call_recordings", "idx_claim_retry"),
        "ai_call_recordings",
        ["processing_status", "next_retry_at"],
    )
    op.create_index(
        index_name(dialect, "ai_call_recordings", "idx_claim_lease"),
        "ai_call_recordings",
        ["processing_status", "lease_expires_at"],
    )

    # 2. One transcription and one analysis per recording: a retry replaces, never duplicates.
    for table, name in (
        ("ai_call_transcriptions", "uq_transcription_recording"),
        ("ai_call_analysis", "uq_analysis_recording"),
    ):
        duplicates = _duplicates(table)
        if duplicates:
            raise RuntimeError(
                f"{table} has {duplicates} recordings with more than one row; keep the newest "
                f"row of each and run `angel db upgrade` again (docs/schema.md, 'Adoption')"
            )
        op.create_index(
            index_name(dialect, table, name), table, ["ai_call_recording_id"], unique=True
        )

    # 3. The global (NULL) client is a value too: unique (scope_key, config_type).
    op.add_column(
        "ai_client_configs",
        sa.Column(
            "scope_key", String(255), sa.Computed("COALESCE(client_ref, '')", persisted=False)
        ),
    )
    op.create_index(
        index_name(dialect, "ai_client_configs", "uq_client_config_scope"),
        "ai_client_configs",
        ["scope_key", "config_type"],
        unique=True,
    )

    # 4. Training jobs and model versions (the training facility).
    op.create_table(
        "ai_training_jobs",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("job_id", String(64), nullable=False, unique=True),
        sa.Column("model_type", String(50), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "completed",
                "failed",
                "cancelled",
                name="training_status",
                native_enum=True,
                create_constraint=False,
                length=9,
            ),
            nullable=False,
            server_default=text("'queued'"),
        ),
        sa.Column("options", Json),
        sa.Column("training_data", Json),
        sa.Column("example_count", Integer()),
        sa.Column("base_version", String(255)),
        sa.Column("result_version", String(255)),
        sa.Column("metrics", Json),
        sa.Column("error", Text()),
        sa.Column("claimed_by", String(64)),
        sa.Column("claim_token", String(32)),
        sa.Column("lease_expires_at", TIMESTAMP(), nullable=True),
        sa.Column("started_at", TIMESTAMP(), nullable=True),
        sa.Column("completed_at", TIMESTAMP(), nullable=True),
        sa.Column("created_at", TIMESTAMP(), nullable=True),
        sa.Column("updated_at", TIMESTAMP(), nullable=True),
        **options,
    )
    op.create_index(
        index_name(dialect, "ai_training_jobs", "idx_training_status"),
        "ai_training_jobs",
        ["status"],
    )
    op.create_table(
        "ai_model_versions",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column(
            "model_type",
            sa.Enum(
                "analysis",
                "chat",
                "whisper",
                name="model_type",
                native_enum=True,
                create_constraint=False,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("version", String(255), nullable=False),
        sa.Column("path", String(1024), nullable=False),
        sa.Column("base_model", String(255)),
        sa.Column(
            "training_job_id",
            sa.BigInteger(),
            sa.ForeignKey("ai_training_jobs.id", ondelete="SET NULL"),
        ),
        sa.Column("metrics", Json),
        sa.Column("notes", Text()),
        sa.Column("is_current", Boolean(), nullable=False, server_default=text("0")),
        sa.Column("activated_at", TIMESTAMP(), nullable=True),
        sa.Column("created_at", TIMESTAMP(), nullable=True),
        sa.Column("updated_at", TIMESTAMP(), nullable=True),
        sa.UniqueConstraint("model_type", "version", name="uq_model_version"),
        **options,
    )
    op.create_index(
        index_name(dialect, "ai_model_versions", "idx_model_current"),
        "ai_model_versions",
        ["model_type", "is_current"],
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table("ai_model_versions")
    op.drop_table("ai_training_jobs")
    op.drop_index(
        index_name(dialect, "ai_client_configs", "uq_client_config_scope"),
        table_name="ai_client_configs",
    )
    with op.batch_alter_table("ai_client_configs") as batch:
        batch.drop_column("scope_key")
    for table, name in (
        ("ai_call_transcriptions", "uq_transcription_recording"),
        ("ai_call_analysis", "uq_analysis_recording"),
    ):
        op.drop_index(index_name(dialect, table, name), table_name=table)
    for name in ("idx_claim_retry", "idx_claim_lease"):
        op.drop_index(
            index_name(dialect, "ai_call_recordings", name), table_name="ai_call_recordings"
        )
    with op.batch_alter_table("ai_call_recordings") as batch:
        batch.drop_column("lease_expires_at")
        batch.drop_column("claim_token")
        batch.drop_column("claimed_by")
