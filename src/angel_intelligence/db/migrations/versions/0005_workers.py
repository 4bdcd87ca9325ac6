"""ai_workers: each worker's report of itself (host, models and versions, device, jobs running).

Written by the worker's heartbeat; read by `/health` and `angel workers list` (docs/models.md,
issue 18). Additive: Pulse's tables are untouched.

Revision ID: 0005_workers
Revises: 0004_audio_redactions
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import TIMESTAMP, Integer, String, text

from angel_intelligence.db.naming import index_name
from angel_intelligence.db.types import BigIntPK, Json

revision = "0005_workers"
down_revision = "0004_audio_redactions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    options = (
        {
            "mysql_engine": "InnoDB",
            "mysql_charset": "utf8mb4",
            "mysql_collate": "utf8mb4_unicode_ci",
        }
        if dialect != "sqlite"
        else {}
    )
    op.create_table(
        "ai_workers",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("worker_id", String(64), nullable=False, unique=True),
        sa.Column("host", String(255)),
        sa.Column("pid", Integer()),
        sa.Column("device", String(32)),
        sa.Column("models", Json),
        sa.Column("model_errors", Json),
        sa.Column("jobs_running", Integer(), nullable=False, server_default=text("0")),
        sa.Column("status", String(16), nullable=False, server_default=text("'running'")),
        sa.Column("started_at", TIMESTAMP(), nullable=True),
        sa.Column("last_seen_at", TIMESTAMP(), nullable=True),
        sa.Column("created_at", TIMESTAMP(), nullable=True),
        sa.Column("updated_at", TIMESTAMP(), nullable=True),
        **options,
    )
    op.create_index(
        index_name(dialect, "ai_workers", "idx_worker_seen"), "ai_workers", ["last_seen_at"]
    )


def downgrade() -> None:
    op.drop_table("ai_workers")
