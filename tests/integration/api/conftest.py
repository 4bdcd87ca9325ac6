"""An API app on a real database, and a client that speaks to it in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apikit import build_app
from starlette.testclient import TestClient

from dbkit import TestDatabase


@pytest.fixture
def api(db: TestDatabase) -> Iterator[TestClient]:
    """A client on SQLite and on MariaDB (no token sent unless a test adds one)."""
    app, _ = build_app(db)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def mariadb_api(mariadb: TestDatabase) -> Iterator[TestClient]:
    app, _ = build_app(mariadb)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
