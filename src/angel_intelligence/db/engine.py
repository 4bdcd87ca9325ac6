"""Engines and sessions: the connection settings every Angel connection runs with.

MySQL/MariaDB sessions run READ COMMITTED in UTC with a short lock wait, because the claim
queries need them (research/reliability_anchors.md §3.2: repeatable read deadlocks under load,
and a session time zone other than UTC shifts every TIMESTAMP). SQLite runs in WAL mode with
foreign keys on, so the API and one worker can share the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.errors import DatabaseUnavailableError

LOCK_WAIT_TIMEOUT_S = 5
MIN_MYSQL = (8, 0, 1)
MIN_MARIADB = (10, 6, 0)


@dataclass(frozen=True, slots=True)
class DatabaseOptions:
    """The database section (AI_DB_*): where it is and how many connections to pool."""

    url: str = field(repr=False)  # holds the password; `masked_url` is the one to show
    masked_url: str = ""
    pool_size: int = 5
    read_timeout_s: float | None = 60.0
    """How long one statement may wait for the server (MySQL/MariaDB): a hung or partitioned
    database fails the statement instead of hanging the caller. None: no limit (migrations)."""


def build_engine(options: DatabaseOptions) -> Engine:
    """The engine for the configured database, with Angel's session settings."""
    return engine_for_url(
        options.url, pool_size=options.pool_size, read_timeout_s=options.read_timeout_s
    )


def engine_for_url(url: str, *, pool_size: int = 5, read_timeout_s: float | None = None) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_recycle=1800,  # below the server's wait_timeout (8 h default, often 1 h on hosts)
        pool_size=pool_size,
        max_overflow=pool_size,
        isolation_level="READ COMMITTED",
        connect_args=_timeouts(read_timeout_s),
        # An error's text never carries the statement's values: they may be a transcript or
        # PII, and errors get logged (issue 19).
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _session_settings(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION time_zone = '+00:00'")
            cursor.execute(f"SET SESSION innodb_lock_wait_timeout = {LOCK_WAIT_TIMEOUT_S}")
            cursor.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_TRANS_TABLES')")
        dbapi_connection.commit()

    return engine


def _timeouts(read_timeout_s: float | None) -> dict[str, Any]:
    """PyMySQL's socket timeouts: connecting, and each read and write of a statement (whole
    seconds, at least one)."""
    args: dict[str, Any] = {"connect_timeout": 10}
    if read_timeout_s is not None:
        seconds = max(1, round(read_timeout_s))
        args |= {"read_timeout": seconds, "write_timeout": seconds}
    return args


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy manage transactions (pysqlite's own BEGIN handling is off).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock up front: a read that later writes cannot
        # deadlock against another writer (SQLite has no row locks).
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def server_version(engine: Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return str(conn.execute(text("select sqlite_version()")).scalar_one())
        return str(conn.execute(text("SELECT VERSION()")).scalar_one())


def check_database(engine: Engine) -> str:
    """Connect once and check the server is new enough; returns its version string.

    MySQL < 8.0.1 and MariaDB < 10.6 have no `SKIP LOCKED`, and some libraries then silently
    claim nothing; we refuse to start instead.
    """
    try:
        version = server_version(engine)
    except OperationalError as error:
        where = engine.url.render_as_string(hide_password=True)
        reason = str(error.orig).strip() if error.orig else str(error)
        raise DatabaseUnavailableError(
            f"cannot connect to the database at {where}: {reason}. Check AI_DB_HOST, "
            "AI_DB_PORT, AI_DB_USERNAME and AI_DB_PASSWORD, and that the server is running."
        ) from None
    if engine.dialect.name == "sqlite":
        return f"SQLite {version}"
    numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:3])
    mariadb = "mariadb" in version.lower()
    minimum = MIN_MARIADB if mariadb else MIN_MYSQL
    if numbers < minimum:
        product = "MariaDB" if mariadb else "MySQL"
        raise DatabaseUnavailableError(
            f"{product} {version} is too old: Angel needs {product} "
            f"{'.'.join(map(str, minimum))} or later (for SELECT … FOR UPDATE SKIP LOCKED)"
        )
    return ("MariaDB " if mariadb else "MySQL ") + version
