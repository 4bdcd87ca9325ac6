"""Shared fixtures: settings, and fresh databases on SQLite and on the real MariaDB.

Each xdist worker gets its own MariaDB database (`angel_test_<random>`), migrated once with
`angel db upgrade`'s code and emptied before every test; SQLite tests get a new file per test.
The `db` fixture runs a test on both, so repository tests prove both dialects.

MariaDB is at ANGEL_TEST_MYSQL_URL (default root@127.0.0.1:3306, no password; `.ci/run` starts
it when it is not running). A test that needs it fails, not skips, when it is unreachable.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import Engine, text

from angel_intelligence.db import schema
from angel_intelligence.db.engine import engine_for_url
from angel_intelligence.settings import Settings
from dbkit import (  # noqa: F401  (re-exported for tests written before dbkit existed)
    DATA_DIR,
    REPO_ROOT,
    TestDatabase,
    create_mariadb_database,
    drop_mariadb_database,
)

# Offline everywhere: no model hub, no public-suffix download (tldextract), R2-safe checksums.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


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
    "SHUTDOWN_GRACE_SECONDS",
    "JOB_TIMEOUT_SECONDS",
    "TEMP_DIR",
    "LOCAL_STORAGE_PATH",
    "PII_",
    "DIARIZATION_",
    "PYANNOTE_",
    "ORGANISATION_",
    "VOICE_",
)


@pytest.fixture(autouse=True)
def _restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A test that configures logging in this process (`configure_logging`, a CLI command run
    in-process) leaves it as it found it: structlog's configuration, the root logger's handlers
    and level, and no logger cached with its configuration (a cached one would stay out of
    reach of a later test's `capture_logs`)."""
    config = structlog.get_config()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure = structlog.configure

    def configure_without_caching(**settings: Any) -> None:
        configure(**(settings | {"cache_logger_on_first_use": False}))

    monkeypatch.setattr(structlog, "configure", configure_without_caching)
    yield
    structlog.configure(**config)
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(_ANGEL_ENV_PREFIXES):
            monkeypatch.delenv(name, raising=False)


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
