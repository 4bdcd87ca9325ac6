"""ai_call_recordings.idx_client_call_date (client_ref, call_date): a client's month in one range.

The chat assistant's brief and the monthly summaries aggregate one client over a period
(docs/chat.md). With only the spec's single-column indexes, MariaDB scans the whole table for
"client X in June" (100,000 calls: about 60 ms a query, ten queries a brief); with this index
it reads the month's rows only (docs/performance.md; issue 17).

Revision ID: 0006_insights_index
Revises: 0005_workers
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

from angel_intelligence.db.naming import index_name

revision = "0006_insights_index"
down_revision = "0005_workers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_index(
        index_name(dialect, "ai_call_recordings", "idx_client_call_date"),
        "ai_call_recordings",
        ["client_ref", "call_date"],
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index(
        index_name(dialect, "ai_call_recordings", "idx_client_call_date"),
        table_name="ai_call_recordings",
    )
