"""The database tables: the spec's nine `ai_*` tables, exactly, plus Angel's additions.

Column names, types, enums, defaults, keys and index names follow the spec's DDL
(`docs/schema.md` lists every addition and why). Pulse owns the spec tables too, so additions
are only ever additive: nullable columns, extra indexes, unique keys and new tables.

Timestamps are naive UTC: every connection runs with `time_zone = '+00:00'` and the times
that matter (leases, retries) come from the database clock.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    TIMESTAMP,
    BigInteger,
    Boolean,
    Computed,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from angel_intelligence.db.types import (
    BigIntPK,
    Blob,
    Json,
    LongText,
    UnsignedBigInt,
    UnsignedSmallInt,
    UnsignedTinyInt,
)


class Base(DeclarativeBase):
    metadata = MetaData()


class ProcessingStatus(enum.StrEnum):
    """`ai_call_recordings.processing_status`: the queue states."""

    PENDING = "pending"
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


SENTIMENT_LABELS = ("very_negative", "negative", "neutral", "positive", "very_positive")
CHAT_ROLES = ("user", "assistant", "system")


def _enum(*values: str, name: str) -> Enum:
    # native ENUM on MySQL; VARCHAR on SQLite (no CHECK: Pulse's DDL has none either)
    return Enum(
        *values,
        name=name,
        native_enum=True,
        create_constraint=False,
        length=max(len(v) for v in values),
    )


def _created() -> Mapped[dt.datetime | None]:
    return mapped_column(TIMESTAMP(), nullable=True, default=func.now())


def _updated() -> Mapped[dt.datetime | None]:
    return mapped_column(TIMESTAMP(), nullable=True, default=func.now(), onupdate=func.now())


class AiCallRecording(Base):
    """One call to process; the table is also the job queue (docs/worker.md)."""

    __tablename__ = "ai_call_recordings"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    apex_id: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    client_ref: Mapped[str | None] = mapped_column(String(255))
    campaign: Mapped[str | None] = mapped_column(String(255))
    halo_id: Mapped[int | None] = mapped_column(UnsignedBigInt)
    agent_name: Mapped[str | None] = mapped_column(String(255))
    creative: Mapped[str | None] = mapped_column(String(255))
    direction: Mapped[str | None] = mapped_column(String(255))
    invoicing: Mapped[str | None] = mapped_column(String(255))
    call_date: Mapped[dt.date | None] = mapped_column(Date)
    retain_audio: Mapped[bool | None] = mapped_column(Boolean, server_default=text("0"))
    r2_path: Mapped[str | None] = mapped_column(String(255))
    r2_bucket: Mapped[str | None] = mapped_column(String(255))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    file_size_bytes: Mapped[int | None] = mapped_column(BigInteger())
    file_format: Mapped[str | None] = mapped_column(String(255), server_default=text("'wav'"))
    processing_status: Mapped[str | None] = mapped_column(
        _enum(*(s.value for s in ProcessingStatus), name="processing_status"),
        server_default=text("'pending'"),
    )
    processing_error: Mapped[str | None] = mapped_column(Text)
    retry_count: Mapped[int | None] = mapped_column(UnsignedTinyInt, server_default=text("0"))
    next_retry_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    uploaded_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    processing_started_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    processing_completed_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()
    deleted_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    # --- Angel additions: the job lease (docs/schema.md) ---
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)

    transcription: Mapped[AiCallTranscription | None] = relationship(
        back_populates="recording", uselist=False, passive_deletes=True
    )
    analysis: Mapped[AiCallAnalysis | None] = relationship(
        back_populates="recording", uselist=False, passive_deletes=True
    )

    __table_args__ = (
        Index("idx_apex_id", "apex_id"),
        Index("idx_client_ref", "client_ref"),
        Index("idx_campaign", "campaign"),
        Index("idx_call_date", "call_date"),
        Index("idx_processing_status", "processing_status"),
        Index("idx_halo_id", "halo_id"),
        Index("idx_agent_name", "agent_name"),
        Index("idx_next_retry", "next_retry_at"),
        # additions: index-ordered claim and reap queries (research/reliability_anchors.md §3)
        Index("idx_claim_retry", "processing_status", "next_retry_at"),
        Index("idx_claim_lease", "processing_status", "lease_expires_at"),
        # addition: a client's period in one index range (chat brief, summaries; docs/chat.md)
        Index("idx_client_call_date", "client_ref", "call_date"),
    )


class AiCallTranscription(Base):
    __tablename__ = "ai_call_transcriptions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    ai_call_recording_id: Mapped[int] = mapped_column(
        BigInteger(),
        ForeignKey("ai_call_recordings.id", ondelete="CASCADE"),
        nullable=False,
    )
    full_transcript: Mapped[str] = mapped_column(LongText, nullable=False)
    segments: Mapped[Any] = mapped_column(Json, nullable=True)
    redacted_transcript: Mapped[str | None] = mapped_column(LongText)
    pii_detected: Mapped[Any] = mapped_column(Json, nullable=True)
    language_detected: Mapped[str | None] = mapped_column(String(255))
    confidence_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    model_used: Mapped[str | None] = mapped_column(
        String(255), server_default=text("'whisper-medium'")
    )
    processing_time_seconds: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()
    # addition: the redacted copy of `segments`, for display (docs/schema.md)
    redacted_segments: Mapped[Any] = mapped_column(Json, nullable=True)
    # addition: every bleeped interval with its reason, type and rule (docs/schema.md)
    audio_redactions: Mapped[Any] = mapped_column(Json, nullable=True)

    recording: Mapped[AiCallRecording] = relationship(back_populates="transcription")

    __table_args__ = (
        Index("idx_recording", "ai_call_recording_id"),
        # addition: one transcription per recording, so a re-run cannot duplicate rows
        UniqueConstraint("ai_call_recording_id", name="uq_transcription_recording"),
    )


class AiCallAnalysis(Base):
    __tablename__ = "ai_call_analysis"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    ai_call_recording_id: Mapped[int] = mapped_column(
        BigInteger(),
        ForeignKey("ai_call_recordings.id", ondelete="CASCADE"),
        nullable=False,
    )
    summary: Mapped[str | None] = mapped_column(Text)
    sentiment_score: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    sentiment_label: Mapped[str | None] = mapped_column(
        _enum(*SENTIMENT_LABELS, name="sentiment_label")
    )
    key_topics: Mapped[Any] = mapped_column(Json, nullable=True)
    agent_actions_performed: Mapped[Any] = mapped_column(Json, nullable=True)
    performance_scores: Mapped[Any] = mapped_column(Json, nullable=True)
    action_items: Mapped[Any] = mapped_column(Json, nullable=True)
    quality_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    compliance_flags: Mapped[Any] = mapped_column(Json, nullable=True)
    speaker_metrics: Mapped[Any] = mapped_column(Json, nullable=True)
    audio_analysis: Mapped[Any] = mapped_column(Json, nullable=True)
    model_used: Mapped[str | None] = mapped_column(
        String(255), server_default=text("'qwen2.5-omni-7b'")
    )
    model_version: Mapped[str | None] = mapped_column(String(255))
    processing_time_seconds: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()

    recording: Mapped[AiCallRecording] = relationship(back_populates="analysis")

    __table_args__ = (
        Index("idx_recording", "ai_call_recording_id"),
        Index("idx_sentiment", "sentiment_label"),
        Index("idx_quality", "quality_score"),
        UniqueConstraint("ai_call_recording_id", name="uq_analysis_recording"),
    )


class AiCallAnnotation(Base):
    """A human correction of an analysis, used as training data."""

    __tablename__ = "ai_call_annotations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    ai_call_analysis_id: Mapped[int] = mapped_column(
        BigInteger(),
        ForeignKey("ai_call_analysis.id", ondelete="CASCADE"),
        nullable=False,
    )
    user_id: Mapped[int] = mapped_column(UnsignedBigInt, nullable=False)
    annotation_type: Mapped[str] = mapped_column(String(255), nullable=False)
    field_name: Mapped[str | None] = mapped_column(String(255))
    original_value: Mapped[str | None] = mapped_column(Text)
    corrected_value: Mapped[str | None] = mapped_column(Text)
    timestamp_start: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    timestamp_end: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    tags: Mapped[Any] = mapped_column(Json, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text)
    is_training_data: Mapped[bool | None] = mapped_column(Boolean, server_default=text("1"))
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()

    __table_args__ = (
        Index("idx_analysis", "ai_call_analysis_id"),
        Index("idx_user", "user_id"),
        Index("idx_type", "annotation_type"),
        Index("idx_training", "is_training_data"),
    )


class AiMonthlySummary(Base):
    __tablename__ = "ai_monthly_summaries"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    feature: Mapped[str] = mapped_column(String(255), nullable=False)
    month: Mapped[int] = mapped_column(UnsignedSmallInt, nullable=False)
    year: Mapped[int] = mapped_column(UnsignedSmallInt, nullable=False)
    client_ref: Mapped[str | None] = mapped_column(String(255))
    campaign: Mapped[str | None] = mapped_column(String(255))
    agent_id: Mapped[int | None] = mapped_column(UnsignedBigInt)
    summary_data: Mapped[Any] = mapped_column(Json, nullable=False)
    metrics: Mapped[Any] = mapped_column(Json, nullable=True)
    generated_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()

    __table_args__ = (
        UniqueConstraint(
            "feature", "month", "year", "client_ref", "campaign", "agent_id", name="unique_summary"
        ),
        Index("idx_feature", "feature"),
        Index("idx_month_year", "month", "year"),
    )


class AiChatConversation(Base):
    __tablename__ = "ai_chat_conversations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(UnsignedBigInt, nullable=False)
    feature: Mapped[str] = mapped_column(String(255), nullable=False)
    filters: Mapped[Any] = mapped_column(Json, nullable=True)
    title: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()

    __table_args__ = (
        Index("idx_user", "user_id"),
        Index("idx_feature", "feature"),
    )


class AiChatMessage(Base):
    __tablename__ = "ai_chat_messages"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    ai_chat_conversation_id: Mapped[int] = mapped_column(
        BigInteger(),
        ForeignKey("ai_chat_conversations.id", ondelete="CASCADE"),
        nullable=False,
    )
    role: Mapped[str] = mapped_column(_enum(*CHAT_ROLES, name="chat_role"), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    metadata_: Mapped[Any] = mapped_column("metadata", Json, nullable=True)
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()

    __table_args__ = (Index("idx_conversation", "ai_chat_conversation_id"),)


class AiVoiceFingerprint(Base):
    """An agent's voice embedding (L2-normalised float32 vector), refined call by call."""

    __tablename__ = "ai_voice_fingerprints"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    halo_id: Mapped[int] = mapped_column(UnsignedBigInt, nullable=False)
    agent_name: Mapped[str] = mapped_column(String(255), nullable=False)
    fingerprint_data: Mapped[bytes] = mapped_column(Blob, nullable=False)
    sample_count: Mapped[int | None] = mapped_column(Integer, server_default=text("0"))
    confidence_threshold: Mapped[Decimal | None] = mapped_column(
        Numeric(3, 2), server_default=text("0.85")
    )
    last_updated_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()

    __table_args__ = (
        UniqueConstraint("halo_id", name="unique_agent"),
        Index("idx_agent_name", "agent_name"),
    )


class AiClientConfig(Base):
    """A per-client (or global, `client_ref` NULL) override of the analysis config."""

    __tablename__ = "ai_client_configs"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    client_ref: Mapped[str | None] = mapped_column(String(255))
    config_type: Mapped[str] = mapped_column(String(50), nullable=False)
    config_data: Mapped[Any] = mapped_column(Json, nullable=False)
    is_active: Mapped[bool | None] = mapped_column(Boolean, server_default=text("1"))
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()
    # addition: MySQL unique keys let any number of NULLs through, so the spec's
    # unique_config does not stop two global rows of one type. scope_key makes NULL a value.
    scope_key: Mapped[str | None] = mapped_column(
        String(255), Computed("COALESCE(client_ref, '')", persisted=False)
    )

    __table_args__ = (
        UniqueConstraint("client_ref", "config_type", name="unique_config"),
        Index("idx_client", "client_ref"),
        Index("idx_type", "config_type"),
        UniqueConstraint("scope_key", "config_type", name="uq_client_config_scope"),
    )


# --- Angel tables (additions) ----------------------------------------------------------------

TRAINING_JOB_STATUSES = ("queued", "running", "completed", "failed", "cancelled")
MODEL_TYPES = ("analysis", "chat", "whisper")


class AiTrainingJob(Base):
    """A fine-tuning run of the analysis model, claimed by a training worker like a call."""

    __tablename__ = "ai_training_jobs"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    model_type: Mapped[str] = mapped_column(String(50), nullable=False)
    status: Mapped[str] = mapped_column(
        _enum(*TRAINING_JOB_STATUSES, name="training_status"),
        nullable=False,
        server_default=text("'queued'"),
    )
    options: Mapped[Any] = mapped_column(Json, nullable=True)
    training_data: Mapped[Any] = mapped_column(Json, nullable=True)
    example_count: Mapped[int | None] = mapped_column(Integer)
    base_version: Mapped[str | None] = mapped_column(String(255))
    result_version: Mapped[str | None] = mapped_column(String(255))
    metrics: Mapped[Any] = mapped_column(Json, nullable=True)
    error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()

    __table_args__ = (Index("idx_training_status", "status"),)


class AiModelVersion(Base):
    """A version of a model on shared storage (MODELS_BASE_PATH/<type>/versions/<version>)."""

    __tablename__ = "ai_model_versions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    model_type: Mapped[str] = mapped_column(_enum(*MODEL_TYPES, name="model_type"), nullable=False)
    version: Mapped[str] = mapped_column(String(255), nullable=False)
    path: Mapped[str] = mapped_column(String(1024), nullable=False)
    base_model: Mapped[str | None] = mapped_column(String(255))
    training_job_id: Mapped[int | None] = mapped_column(
        BigInteger(), ForeignKey("ai_training_jobs.id", ondelete="SET NULL")
    )
    metrics: Mapped[Any] = mapped_column(Json, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("0"))
    activated_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()

    __table_args__ = (
        UniqueConstraint("model_type", "version", name="uq_model_version"),
        Index("idx_model_current", "model_type", "is_current"),
    )


class AiWorker(Base):
    """A worker's report of itself, renewed by its heartbeat (revision `0005_workers`)."""

    __tablename__ = "ai_workers"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    device: Mapped[str | None] = mapped_column(String(32))
    models: Mapped[Any] = mapped_column(Json, nullable=True)
    model_errors: Mapped[Any] = mapped_column(Json, nullable=True)
    jobs_running: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=text("'running'")
    )
    started_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMP(), nullable=True)
    created_at: Mapped[dt.datetime | None] = _created()
    updated_at: Mapped[dt.datetime | None] = _updated()

    __table_args__ = (Index("idx_worker_seen", "last_seen_at"),)


SPEC_TABLES: tuple[str, ...] = (
    "ai_call_recordings",
    "ai_call_transcriptions",
    "ai_call_analysis",
    "ai_call_annotations",
    "ai_monthly_summaries",
    "ai_chat_conversations",
    "ai_chat_messages",
    "ai_voice_fingerprints",
    "ai_client_configs",
)
"""The nine tables of the spec, which Pulse may have created itself."""
