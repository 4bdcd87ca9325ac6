"""Shared fixtures: settings, and fresh databases on SQLite and on the real MariaDB.

Each xdist worker gets its own MariaDB database (`angel_test_<random>`), migrated once with
`angel db upgrade`'s code and emptied before every test; SQLite tests get a new file per test.
The `db` fixture runs a test on both, so repository tests prove both dialects.

MariaDB is at ANGEL_TEST_MYSQL_URL (default root@127.0.0.1:3306, no password; `.ci/run` starts
it when it is not running). A test that needs it fails, not skips, when it is unreachable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url, text

from angel_intelligence.config import Settings
from angel_intelligence.db import schema
from angel_intelligence.db.engine import engine_for_url

# Offline everywhere: no model hub, no public-suffix download (tldextract), R2-safe checksums.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

MYSQL_SERVER_URL = os.environ.get(
    "ANGEL_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4"
)
REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"

# Variables a developer's shell or `.env` might set; tests must not see them.
_ANGEL_ENV_PREFIXES = (
    "AI_DB_",
    "PBX_",
    "R2_",
    "ANGEL_ENV",
    "API_AUTH_TOKEN",
    "WHISPER_",
    "ANALYSIS_",
    "CHAT_",
    "MODELS_BASE_PATH",
    "MODEL_VERSIONS_PATH",
    "MODEL_CACHE_PATH",
    "LLM_",
    "USE_MOCK_MODELS",
    "POLL_INTERVAL",
    "MAX_CONCURRENT_JOBS",
    "MAX_RETRIES",
    "RETRY_DELAY_HOURS",
    "WORKER_ID",
    "CALL_ANALYSIS_CONFIG_PATH",
    "LEASE_SECONDS",
    "HEARTBEAT_SECONDS",
    "TEMP_DIR",
    "LOCAL_STORAGE_PATH",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(_ANGEL_ENV_PREFIXES):
            monkeypatch.delenv(name, raising=False)


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


@pytest.fixture(scope="session")
def _mariadb_migrated() -> Iterator[TestDatabase]:
    url = create_mariadb_database()
    engine = engine_for_url(url)
    schema.upgrade(engine)
    yield TestDatabase("mariadb", url, engine)
    engine.dispose()
    drop_mariadb_database(url)


def _empty_all_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = list(schema.Base.metadata.sorted_tables)
        if engine.dialect.name == "sqlite":
            for table in reversed(tables):
                conn.execute(table.delete())
            return
        conn.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
        for table in tables:
            conn.execute(text(f"TRUNCATE TABLE `{table.name}`"))
        conn.execute(text("SET FOREIGN_KEY_CHECKS = 1"))


@pytest.fixture
def mariadb(_mariadb_migrated: TestDatabase) -> TestDatabase:
    """The real MariaDB, migrated and empty."""
    _empty_all_tables(_mariadb_migrated.engine)
    return _mariadb_migrated


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[TestDatabase]:
    """A new SQLite file, migrated."""
    url = f"sqlite:///{tmp_path / 'angel.sqlite3'}"
    engine = engine_for_url(url)
    schema.upgrade(engine)
    yield TestDatabase("sqlite", url, engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def db(request: pytest.FixtureRequest) -> TestDatabase:
    """The test runs once on SQLite and once on MariaDB."""
    database: TestDatabase = request.getfixturevalue(request.param)
    return database


@pytest.fixture
def empty_mariadb() -> Iterator[Callable[[], str]]:
    """A factory of empty (unmigrated) MariaDB databases, dropped after the test."""
    created: list[str] = []

    def make() -> str:
        url = create_mariadb_database("angel_empty")
        created.append(url)
        return url

    yield make
    for url in created:
        drop_mariadb_database(url)


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a test: development defaults with paths inside the test's directory."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "ai_db_sqlite_path": tmp_path / "angel.sqlite3",
            "temp_dir": tmp_path / "temp",
            "local_storage_path": tmp_path / "storage",
            "models_base_path": tmp_path / "models",
            "worker_id": "test-worker",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make
