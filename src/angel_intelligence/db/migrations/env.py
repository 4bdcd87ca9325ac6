"""Alembic environment: runs on the connection `angel db upgrade` hands it."""

from __future__ import annotations

from alembic import context

from angel_intelligence.db.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    transaction_per_migration=True,
    version_table=context.config.get_main_option("version_table") or "alembic_version",
)
with context.begin_transaction():
    context.run_migrations()
