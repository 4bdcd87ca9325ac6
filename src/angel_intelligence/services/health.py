"""Health: whether the database answers, and the models this process holds."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from angel_intelligence.services.models import ModelRegistry, ModelState


class HealthService:
    """What `/health` and `/readyz` report."""

    def __init__(self, engine: Engine, models: ModelRegistry, *, worker_id: str) -> None:
        self._engine = engine
        self._models = models
        self.worker_id = worker_id

    def database_ok(self) -> bool:
        """Whether the database answers a trivial query now."""
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def models(self) -> dict[str, ModelState]:
        return self._models.status()
