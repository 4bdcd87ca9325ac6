"""ai_call_transcriptions.audio_redactions: why each stretch of retained audio was bleeped.

Every interval with its reason (`finding`, `question_window`, `read_back`, `digit_run`), the PII
type asked for or found, and the rule or cue behind it, so Pulse and auditors can see why audio
was removed (docs/pii.md, "Audio redaction"; issue 14).

Revision ID: 0004_audio_redactions
Revises: 0003_redacted_segments
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from angel_intelligence.db.types import Json

revision = "0004_audio_redactions"
down_revision = "0003_redacted_segments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ai_call_transcriptions") as batch:
        batch.add_column(sa.Column("audio_redactions", Json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ai_call_transcriptions") as batch:
        batch.drop_column("audio_redactions")
