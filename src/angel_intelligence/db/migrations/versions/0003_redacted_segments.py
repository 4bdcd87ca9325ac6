"""ai_call_transcriptions.redacted_segments: the PII-redacted copy of the segments, for display.

`redacted_transcript` is the spec's redacted text; the karaoke view needs the same redaction
word by word, with the words of a finding merged under its placeholder (docs/pii.md).

Revision ID: 0003_redacted_segments
Revises: 0002_angel_additions
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from angel_intelligence.db.types import Json

revision = "0003_redacted_segments"
down_revision = "0002_angel_additions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ai_call_transcriptions") as batch:
        batch.add_column(sa.Column("redacted_segments", Json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ai_call_transcriptions") as batch:
        batch.drop_column("redacted_segments")
