"""An API app on a real database, and a client that speaks to it in-process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from angel_intelligence.api.app import create_app
from angel_intelligence.api.deps import ApiServices
from angel_intelligence.db.engine import session_factory
from angel_intelligence.services.models import ModelRegistry
from conftest import TestDatabase

TOKEN = "t" * 40 + "0123456789abcdef0123456789"  # 66 characters
NEXT_TOKEN = "n" * 64
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def build_app(database: TestDatabase, **overrides: Any) -> tuple[FastAPI, ApiServices]:
    settings = database.settings(api_auth_token=TOKEN, api_auth_token_next=NEXT_TOKEN,
                                 worker_id="api-test", **overrides)
    services = ApiServices(settings=settings, engine=database.engine,
                           sessions=session_factory(database.engine), models=ModelRegistry())
    return create_app(settings, services), services


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
