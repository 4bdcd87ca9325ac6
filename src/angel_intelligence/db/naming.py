"""Index names per dialect.

The spec reuses index names across tables (`idx_recording`, `idx_user`, `idx_type`, ...). MySQL
scopes index names to a table, SQLite to the whole database, so on SQLite every index name is
prefixed with its table. The drift check strips the prefix again.
"""

from __future__ import annotations

SQLITE_SEPARATOR = "__"


def index_name(dialect: str, table: str, name: str) -> str:
    """The physical name of the index `name` on `table` for this dialect."""
    return f"{table}{SQLITE_SEPARATOR}{name}" if dialect == "sqlite" else name


def logical_index_name(dialect: str, table: str, physical: str) -> str:
    """The spec's name of a physical index (inverse of `index_name`)."""
    prefix = f"{table}{SQLITE_SEPARATOR}"
    if dialect == "sqlite" and physical.startswith(prefix):
        return physical[len(prefix) :]
    return physical
