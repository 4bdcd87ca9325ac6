"""What `angel doctor` asks the database: SKIP LOCKED really works, and the user's grants.

The server version and the schema revision come from `engine.check_database` and `schema`;
this module holds the two queries that are only diagnostics.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

# Privileges that let a user change the schema or other users: a worker or API user that holds
# one could do far more damage than its work needs (issue 15, least privilege).
DDL_PRIVILEGES = frozenset(
    {
        "ALL PRIVILEGES",
        "ALTER",
        "CREATE",
        "DROP",
        "GRANT OPTION",
        "INDEX",
        "SUPER",
        "REFERENCES",
        "TRIGGER",
        "CREATE VIEW",
        "ALTER ROUTINE",
        "CREATE ROUTINE",
    }
)
_GRANT = re.compile(r"^GRANT (?P<privileges>.+?) ON (?P<target>\S+) TO ", re.IGNORECASE)


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


def ddl_grants(lines: list[str]) -> list[str]:
    """The schema-changing privileges in `SHOW GRANTS` output, as "PRIVILEGE on target".

    The generic check: flags every DDL privilege wherever it is granted. A role's exact table
    lists (db/grants.py, issue 15 part B) can replace it through `angel doctor`'s seam.
    """
    found: list[str] = []
    for line in lines:
        match = _GRANT.match(line.strip())
        if match is None:
            continue
        privileges = {
            p.strip().upper() for p in re.sub(r"\([^)]*\)", "", match["privileges"]).split(",")
        }
        if re.search(r"WITH\b.*\bGRANT OPTION", line, re.IGNORECASE):
            privileges.add("GRANT OPTION")
        target = match["target"].replace("`", "")
        found += [f"{p} on {target}" for p in sorted(privileges & DDL_PRIVILEGES)]
    return found
