"""Least-privilege database grants: what each of Angel's database users may do, table by table.

The canonical lists live here, as data, so that one source renders the SQL scripts under
`deploy/sql/` (`angel db grants ROLE`) and can be compared with a live server's grants (issue
15's `angel doctor`). Three users (docs/operations.md, "Database users"):

- **worker** (`angel worker`, `angel process`): claims and updates recordings, writes their
  results and the agents' voice fingerprints, reads client configs. No DDL, no DELETE.
- **api** (`angel api`): reads the queue and results, re-queues calls, manages client configs,
  exports training data. No DDL.
- **migration** (`angel db upgrade`, the Kubernetes migrate Job): DDL and DML on Angel's tables
  only, never on the rest of Pulse's database.

Privileges are granted per table, so none of the three can touch Pulse's own tables (users,
clients, ...) that share the `ai` connection's database. Each list is what the code does today
and is proved by `tests/integration/deploy/test_grants.py`, which runs the real worker, API and
migration as these users on MariaDB; a command that needs more (issue 17's summaries, issue 18's
training) adds its tables here with its test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

Role = Literal["worker", "api", "migration"]
ROLES: Final[tuple[Role, ...]] = ("worker", "api", "migration")

MIGRATIONS_TABLE: Final = "ai_angel_migrations"
"""Alembic's version table (db/schema.py): read by every process that checks the revision."""

SPEC_TABLES: Final = (
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
ANGEL_TABLES: Final = ("ai_training_jobs", "ai_model_versions", "ai_workers", MIGRATIONS_TABLE)

DDL: Final = frozenset({"CREATE", "ALTER", "DROP", "INDEX", "REFERENCES", "TRIGGER", "CREATE VIEW"})
"""Privileges that change the schema; the worker and API users hold none of them."""

_MIGRATION: Final = (
    "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "INDEX", "REFERENCES", "DROP",
)  # fmt: skip
# DROP: the downgrades of revisions 0002-0004 (`angel db upgrade --revision ...`) drop Angel's
# own tables, indexes and columns; revision 0001 never drops Pulse's tables.

GRANTS: Final[dict[Role, dict[str, tuple[str, ...]]]] = {
    "worker": {
        "ai_call_recordings": ("SELECT", "UPDATE"),  # claim, lease, results' columns, reap
        "ai_call_transcriptions": ("SELECT", "INSERT", "UPDATE"),  # upserted in place
        "ai_call_analysis": ("SELECT", "INSERT", "UPDATE"),  # never deleted (annotations)
        "ai_voice_fingerprints": ("SELECT", "INSERT", "UPDATE"),  # auto-enrolment
        "ai_client_configs": ("SELECT",),  # the call's effective config
        "ai_workers": ("SELECT", "INSERT", "UPDATE"),  # its own row, on every heartbeat
        MIGRATIONS_TABLE: ("SELECT",),  # the schema revision check at start
    },
    "api": {
        "ai_call_recordings": ("SELECT", "UPDATE"),  # statistics, POST /api/process
        "ai_call_transcriptions": ("SELECT",),
        "ai_call_analysis": ("SELECT",),
        "ai_call_annotations": ("SELECT",),  # GET /api/training-data
        "ai_client_configs": ("SELECT", "INSERT", "UPDATE", "DELETE"),  # /api/config
        # POST /api/chat, the summaries (also the monthly CronJob, as this user)
        "ai_chat_conversations": ("SELECT", "INSERT", "UPDATE"),
        "ai_chat_messages": ("SELECT", "INSERT"),
        "ai_monthly_summaries": ("SELECT", "INSERT", "UPDATE"),
        # POST /api/training/import, and `angel train run` (the training Job, as this user)
        "ai_training_jobs": ("SELECT", "INSERT", "UPDATE"),
        "ai_model_versions": ("SELECT", "INSERT", "UPDATE"),
        "ai_workers": ("SELECT",),  # /health's models_loaded and workers
        MIGRATIONS_TABLE: ("SELECT",),  # /health's schema revision
    },
    "migration": dict.fromkeys(SPEC_TABLES + ANGEL_TABLES, _MIGRATION),
}

DEFAULT_USERS: Final[dict[Role, str]] = {
    "worker": "angel_worker",
    "api": "angel_api",
    "migration": "angel_migrate",
}
DEFAULT_DATABASE: Final = "pulse"

_NAME = re.compile(r"^[A-Za-z0-9_$-]{1,64}$")
_HOST = re.compile(r"^[A-Za-z0-9_.:%-]{1,255}$")


@dataclass(frozen=True, slots=True)
class Account:
    """Where the grants go: a database and a `'user'@'host'` account."""

    database: str = DEFAULT_DATABASE
    user: str = ""
    host: str = "%"

    def __post_init__(self) -> None:
        # Identifiers cannot be bound as parameters: accept only plain names (no quoting games).
        for what, value, pattern in (
            ("database", self.database, _NAME),
            ("user", self.user, _NAME),
            ("host", self.host, _HOST),
        ):
            if not pattern.fullmatch(value):
                raise ValueError(f"{what} {value!r}: letters, digits, _ $ - only (1-64)")


def account_for(role: Role, database: str = DEFAULT_DATABASE, host: str = "%") -> Account:
    """The default account of `role` (`angel_worker`, `angel_api`, `angel_migrate`)."""
    return Account(database=database, user=DEFAULT_USERS[role], host=host)


def grant_statements(role: Role, account: Account) -> list[str]:
    """The `GRANT` statements that give `account` exactly `role`'s privileges."""
    return [
        f"GRANT {', '.join(privileges)} ON `{account.database}`.`{table}` "
        f"TO '{account.user}'@'{account.host}'"
        for table, privileges in GRANTS[role].items()
    ]


def render_script(role: Role, account: Account) -> str:
    """The SQL script for `role`: a comment saying how to create the user, then its grants."""
    header = [
        f"-- Angel Intelligence: least-privilege grants for the {role} user.",
        "-- Generated by `angel db grants "
        f"{role} --database {account.database} --user {account.user} --host '{account.host}'` "
        "from src/angel_intelligence/db/grants.py; do not edit by hand.",
        "-- Create the user first, with a password from your secret store:",
        f"--   CREATE USER '{account.user}'@'{account.host}' IDENTIFIED BY '<password>';",
        "-- Then, as an administrator"
        + (
            ":"
            if role == "migration"
            else " (after the first `angel db upgrade`: table grants need the tables):"
        ),
    ]
    return "\n".join(header + [f"{s};" for s in grant_statements(role, account)]) + "\n"


_SHOW_GRANT = re.compile(
    r"^GRANT (?P<privileges>.+?) ON "
    r"[`\"]?(?P<database>[^`.\"]+)[`\"]?\.[`\"]?(?P<table>[^`\"]+)[`\"]? TO ",
)


def parse_show_grants(lines: list[str]) -> dict[tuple[str, str], frozenset[str]]:
    """`SHOW GRANTS` output as `{(database, table): privileges}` (`*` for every table).

    `USAGE` (no privilege at all) is dropped; `ALL PRIVILEGES` is kept as one item, which
    `excess_privileges` always reports.
    """
    held: dict[tuple[str, str], set[str]] = {}
    for line in lines:
        match = _SHOW_GRANT.match(line.strip())
        if match is None:
            continue
        raw = match["privileges"].upper()
        privileges = {p.strip() for p in re.sub(r"\([^)]*\)", "", raw).split(",")} - {"USAGE"}
        if privileges:
            key = (match["database"].replace("\\_", "_"), match["table"])
            held.setdefault(key, set()).update(privileges)
    return {key: frozenset(value) for key, value in held.items()}


def excess_privileges(
    role: Role, database: str, held: dict[tuple[str, str], frozenset[str]]
) -> list[str]:
    """What `held` (from `parse_show_grants`) allows beyond `role`'s lists, one line each."""
    wanted = GRANTS[role]
    excess: list[str] = []
    for (db, table), privileges in sorted(held.items()):
        allowed = set(wanted.get(table, ())) if db == database else set()
        extra = sorted(privileges - allowed)
        if extra:
            excess.append(f"{', '.join(extra)} on {db}.{table}")
    return excess
