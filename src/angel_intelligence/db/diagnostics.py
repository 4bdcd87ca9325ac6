"""What `angel doctor` asks the database: SKIP LOCKED really works, and the user's grants
(compared with the role's lists by `db/grants.py`).

The server version and the schema revision come from `engine.check_database` and `schema`;
this module holds the two queries that are only diagnostics.
"""

from __future__ import annotations

from sqlalchemy import Engine, text


def probe_skip_locked(engine: Engine) -> None:
    """Run the claim's locking clause once (rolled back); raises the server's error if refused."""
    with engine.connect() as conn, conn.begin() as transaction:
        conn.execute(
            text("SELECT id FROM ai_call_recordings ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED")
        )
        transaction.rollback()


def show_grants(engine: Engine) -> list[str]:
    """`SHOW GRANTS` for the connected user, one statement a line."""
    with engine.connect() as conn:
        return [str(row[0]) for row in conn.execute(text("SHOW GRANTS FOR CURRENT_USER()"))]
