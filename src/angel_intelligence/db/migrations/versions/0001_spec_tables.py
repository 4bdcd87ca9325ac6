"""The spec's nine ai_* tables, exactly as its DDL has them.

Pulse may already have created some or all of these tables itself (Laravel migrations with the
spec's DDL), so this revision adopts rather than assumes: a missing table is created, an
existing one gets only the spec columns and indexes it lacks (e.g. `agent_actions_performed`,
`performance_scores`, `model_version`, which the spec's change list says older deployments
miss). Nothing existing is altered or dropped.

Revision ID: 0001_spec_tables
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import TIMESTAMP, Boolean, Date, Integer, Numeric, String, Text, text

from angel_intelligence.db.naming import index_name
from angel_intelligence.db.types import (
    BigIntPK,
    Blob,
    Json,
    LongText,
    UnsignedBigInt,
    UnsignedSmallInt,
    UnsignedTinyInt,
)

revision = "0001_spec_tables"
down_revision = None
branch_labels = None
depends_on = None


def _enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(
        *values,
        name=name,
        native_enum=True,
        create_constraint=False,
        length=max(len(v) for v in values),
    )


def _pk() -> sa.Column[int]:
    return sa.Column("id", BigIntPK, primary_key=True, autoincrement=True)


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, TIMESTAMP(), nullable=True)


def _fk(name: str, target: str) -> sa.Column[int]:
    return sa.Column(
        name, sa.BigInteger(), sa.ForeignKey(target, ondelete="CASCADE"), nullable=False
    )


# (table, columns, unique constraints, indexes) in creation order (parents first).
TABLES: list[
    tuple[str, list[sa.Column[object]], list[tuple[str, list[str]]], list[tuple[str, list[str]]]]
] = [
    (
        "ai_call_recordings",
        [
            _pk(),
            sa.Column("apex_id", String(255), nullable=False, unique=True),
            sa.Column("client_ref", String(255)),
            sa.Column("campaign", String(255)),
            sa.Column("halo_id", UnsignedBigInt),
            sa.Column("agent_name", String(255)),
            sa.Column("creative", String(255)),
            sa.Column("direction", String(255)),
            sa.Column("invoicing", String(255)),
            sa.Column("call_date", Date()),
            sa.Column("retain_audio", Boolean(), server_default=text("0")),
            sa.Column("r2_path", String(255)),
            sa.Column("r2_bucket", String(255)),
            sa.Column("duration_seconds", Integer()),
            sa.Column("file_size_bytes", sa.BigInteger()),
            sa.Column("file_format", String(255), server_default=text("'wav'")),
            sa.Column(
                "processing_status",
                _enum(
                    "pending",
                    "queued",
                    "processing",
                    "completed",
                    "failed",
                    name="processing_status",
                ),
                server_default=text("'pending'"),
            ),
            sa.Column("processing_error", Text()),
            sa.Column("retry_count", UnsignedTinyInt, server_default=text("0")),
            _ts("next_retry_at"),
            _ts("uploaded_at"),
            _ts("processing_started_at"),
            _ts("processing_completed_at"),
            _ts("created_at"),
            _ts("updated_at"),
            _ts("deleted_at"),
        ],
        [],
        [
            ("idx_apex_id", ["apex_id"]),
            ("idx_client_ref", ["client_ref"]),
            ("idx_campaign", ["campaign"]),
            ("idx_call_date", ["call_date"]),
            ("idx_processing_status", ["processing_status"]),
            ("idx_halo_id", ["halo_id"]),
            ("idx_agent_name", ["agent_name"]),
            ("idx_next_retry", ["next_retry_at"]),
        ],
    ),
    (
        "ai_call_transcriptions",
        [
            _pk(),
            _fk("ai_call_recording_id", "ai_call_recordings.id"),
            sa.Column("full_transcript", LongText, nullable=False),
            sa.Column("segments", Json),
            sa.Column("redacted_transcript", LongText),
            sa.Column("pii_detected", Json),
            sa.Column("language_detected", String(255)),
            sa.Column("confidence_score", Numeric(5, 4)),
            sa.Column("model_used", String(255), server_default=text("'whisper-medium'")),
            sa.Column("processing_time_seconds", Integer()),
            _ts("created_at"),
            _ts("updated_at"),
        ],
        [],
        [("idx_recording", ["ai_call_recording_id"])],
    ),
    (
        "ai_call_analysis",
        [
            _pk(),
            _fk("ai_call_recording_id", "ai_call_recordings.id"),
            sa.Column("summary", Text()),
            sa.Column("sentiment_score", Numeric(4, 2)),
            sa.Column(
                "sentiment_label",
                _enum(
                    "very_negative",
                    "negative",
                    "neutral",
                    "positive",
                    "very_positive",
                    name="sentiment_label",
                ),
            ),
            sa.Column("key_topics", Json),
            sa.Column("agent_actions_performed", Json),
            sa.Column("performance_scores", Json),
            sa.Column("action_items", Json),
            sa.Column("quality_score", Numeric(5, 2)),
            sa.Column("compliance_flags", Json),
            sa.Column("speaker_metrics", Json),
            sa.Column("audio_analysis", Json),
            sa.Column("model_used", String(255), server_default=text("'qwen2.5-omni-7b'")),
            sa.Column("model_version", String(255)),
            sa.Column("processing_time_seconds", Integer()),
            _ts("created_at"),
            _ts("updated_at"),
        ],
        [],
        [
            ("idx_recording", ["ai_call_recording_id"]),
            ("idx_sentiment", ["sentiment_label"]),
            ("idx_quality", ["quality_score"]),
        ],
    ),
    (
        "ai_call_annotations",
        [
            _pk(),
            _fk("ai_call_analysis_id", "ai_call_analysis.id"),
            sa.Column("user_id", UnsignedBigInt, nullable=False),
            sa.Column("annotation_type", String(255), nullable=False),
            sa.Column("field_name", String(255)),
            sa.Column("original_value", Text()),
            sa.Column("corrected_value", Text()),
            sa.Column("timestamp_start", Numeric(10, 3)),
            sa.Column("timestamp_end", Numeric(10, 3)),
            sa.Column("tags", Json),
            sa.Column("notes", Text()),
            sa.Column("is_training_data", Boolean(), server_default=text("1")),
            _ts("created_at"),
            _ts("updated_at"),
        ],
        [],
        [
            ("idx_analysis", ["ai_call_analysis_id"]),
            ("idx_user", ["user_id"]),
            ("idx_type", ["annotation_type"]),
            ("idx_training", ["is_training_data"]),
        ],
    ),
    (
        "ai_monthly_summaries",
        [
            _pk(),
            sa.Column("feature", String(255), nullable=False),
            sa.Column("month", UnsignedSmallInt, nullable=False),
            sa.Column("year", UnsignedSmallInt, nullable=False),
            sa.Column("client_ref", String(255)),
            sa.Column("campaign", String(255)),
            sa.Column("agent_id", UnsignedBigInt),
            sa.Column("summary_data", Json, nullable=False),
            sa.Column("metrics", Json),
            _ts("generated_at"),
            _ts("created_at"),
            _ts("updated_at"),
        ],
        [("unique_summary", ["feature", "month", "year", "client_ref", "campaign", "agent_id"])],
        [
            ("idx_feature", ["feature"]),
            ("idx_month_year", ["month", "year"]),
        ],
    ),
    (
        "ai_chat_conversations",
        [
            _pk(),
            sa.Column("user_id", UnsignedBigInt, nullable=False),
            sa.Column("feature", String(255), nullable=False),
            sa.Column("filters", Json),
            sa.Column("title", String(255)),
            _ts("created_at"),
            _ts("updated_at"),
        ],
        [],
        [("idx_user", ["user_id"]), ("idx_feature", ["feature"])],
    ),
    (
        "ai_chat_messages",
        [
            _pk(),
            _fk("ai_chat_conversation_id", "ai_chat_conversations.id"),
            sa.Column(
                "role", _enum("user", "assistant", "system", name="chat_role"), nullable=False
            ),
            sa.Column("content", Text(), nullable=False),
            sa.Column("metadata", Json),
            _ts("created_at"),
            _ts("updated_at"),
        ],
        [],
        [("idx_conversation", ["ai_chat_conversation_id"])],
    ),
    (
        "ai_voice_fingerprints",
        [
            _pk(),
            sa.Column("halo_id", UnsignedBigInt, nullable=False),
            sa.Column("agent_name", String(255), nullable=False),
            sa.Column("fingerprint_data", Blob, nullable=False),
            sa.Column("sample_count", Integer(), server_default=text("0")),
            sa.Column("confidence_threshold", Numeric(3, 2), server_default=text("0.85")),
            _ts("last_updated_at"),
            _ts("created_at"),
            _ts("updated_at"),
        ],
        [("unique_agent", ["halo_id"])],
        [("idx_agent_name", ["agent_name"])],
    ),
    (
        "ai_client_configs",
        [
            _pk(),
            sa.Column("client_ref", String(255)),
            sa.Column("config_type", String(50), nullable=False),
            sa.Column("config_data", Json, nullable=False),
            sa.Column("is_active", Boolean(), server_default=text("1")),
            _ts("created_at"),
            _ts("updated_at"),
        ],
        [("unique_config", ["client_ref", "config_type"])],
        [
            ("idx_client", ["client_ref"]),
            ("idx_type", ["config_type"]),
        ],
    ),
]


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    options = (
        {
            "mysql_engine": "InnoDB",
            "mysql_charset": "utf8mb4",
            "mysql_collate": "utf8mb4_unicode_ci",
        }
        if dialect != "sqlite"
        else {}
    )
    for table, columns, uniques, indexes in TABLES:
        if table not in existing:
            op.create_table(
                table,
                *columns,
                *(sa.UniqueConstraint(*cols, name=name) for name, cols in uniques),
                **options,
            )
            have_indexes: set[str] = set()
        else:
            have_columns = {c["name"] for c in inspector.get_columns(table)}
            for column in columns:
                if column.name not in have_columns:
                    # Nullable so it can be added to a table that already has rows.
                    op.add_column(
                        table,
                        sa.Column(
                            column.name,
                            column.type,
                            nullable=True,
                            server_default=column.server_default,
                        ),
                    )
            have_indexes = {i["name"] for i in inspector.get_indexes(table)} | {
                u["name"] for u in inspector.get_unique_constraints(table) if u["name"]
            }
            for name, cols in uniques:
                if name not in have_indexes:
                    op.create_index(index_name(dialect, table, name), table, cols, unique=True)
        for name, cols in indexes:
            physical = index_name(dialect, table, name)
            if name not in have_indexes and physical not in have_indexes:
                op.create_index(physical, table, cols)


def downgrade() -> None:
    # Pulse owns these tables too: never drop them automatically.
    raise RuntimeError("0001_spec_tables cannot be downgraded: the tables belong to Pulse too")
