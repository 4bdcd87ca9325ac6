"""Test databases: helpers shared by conftest files and tests (import from here, not conftest:
a sub-directory's own conftest.py would shadow the root one)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, make_url, text

from angel_intelligence.db.engine import engine_for_url
from angel_intelligence.settings import Settings

MYSQL_SERVER_URL = os.environ.get(
    "ANGEL_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4"
)
REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class TestDatabase:
    """A migrated database for one test, and the settings that point Angel at it."""

    __test__ = False  # not a test class

    dialect: str
    url: str
    engine: Engine

    def settings_overrides(self) -> dict[str, Any]:
        parsed = make_url(self.url)
        if self.dialect == "sqlite":
            return {"ai_db_connection": "sqlite", "ai_db_sqlite_path": Path(parsed.database or "")}
        return {
            "ai_db_connection": "mysql",
            "ai_db_host": parsed.host,
            "ai_db_port": parsed.port or 3306,
            "ai_db_database": parsed.database,
            "ai_db_username": parsed.username,
            "ai_db_password": parsed.password or "",
        }

    def env(self) -> dict[str, str]:
        """The same, as environment variables (for subprocesses and the CLI)."""
        return {key.upper(): str(value) for key, value in self.settings_overrides().items()}

    def settings(self, **overrides: Any) -> Settings:
        values = {**self.settings_overrides(), **overrides}
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _server_engine() -> Engine:
    return engine_for_url(MYSQL_SERVER_URL, pool_size=1)


def create_mariadb_database(prefix: str = "angel_test") -> str:
    """Create an empty database on the test server and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    server = _server_engine()
    with server.begin() as conn:
        conn.execute(
            text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    server.dispose()
    return make_url(MYSQL_SERVER_URL).set(database=name).render_as_string(hide_password=False)


def drop_mariadb_database(url: str) -> None:
    server = _server_engine()
    with server.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{make_url(url).database}`"))
    server.dispose()
