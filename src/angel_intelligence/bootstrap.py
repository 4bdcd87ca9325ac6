"""The composition root: settings → engine, models, queue, services. Nothing else builds them."""

from __future__ import annotations

from angel_intelligence.api.deps import ApiServices
from angel_intelligence.config import Settings
from angel_intelligence.db.engine import build_engine, session_factory
from angel_intelligence.services.models import ModelRegistry


def build_api_services(settings: Settings) -> ApiServices:
    """What the API process needs; models load lazily, on first use."""
    engine = build_engine(settings)
    return ApiServices(
        settings=settings, engine=engine, sessions=session_factory(engine), models=ModelRegistry()
    )
