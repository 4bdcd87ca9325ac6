"""Building an API app on a test database (shared by the API tests)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from angel_intelligence.bootstrap import build_api_app, build_api_services
from angel_intelligence.services.api_services import ApiServices
from angel_intelligence.services.models import ModelRegistry
from dbkit import TestDatabase

TOKEN = "t" * 40 + "0123456789abcdef0123456789"  # 66 characters
NEXT_TOKEN = "n" * 64
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def build_app(
    database: TestDatabase, *, models: ModelRegistry | None = None, **overrides: Any
) -> tuple[FastAPI, ApiServices]:
    """The app on `database`; `models`: what the process has registered (none by default)."""
    settings = database.settings(
        api_auth_token=TOKEN, api_auth_token_next=NEXT_TOKEN, worker_id="api-test", **overrides
    )
    services = build_api_services(settings, database.engine, models=models or ModelRegistry())
    return build_api_app(settings, services), services
