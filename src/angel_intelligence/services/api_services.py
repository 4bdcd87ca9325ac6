"""What the API's routes are handed: its services, built once by `bootstrap.build_api_services`.

Routes reach the system through these only (never `db/` or `backends/` directly).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from angel_intelligence.db.queue import JobQueue
from angel_intelligence.services.chat import ChatService
from angel_intelligence.services.client_configs import ClientConfigService
from angel_intelligence.services.health import HealthService
from angel_intelligence.services.models import ModelRegistry
from angel_intelligence.services.summaries import SummaryService
from angel_intelligence.services.training_data import TrainingDataService
from angel_intelligence.services.training_jobs import TrainingJobs


@dataclass
class ApiServices:
    """Everything the API's routes use."""

    queue: JobQueue
    """Processing requests and the queue's statistics."""
    client_configs: ClientConfigService
    training_data: TrainingDataService
    training: TrainingJobs
    """`POST /api/training/import` and `GET /api/training/jobs/{id}`."""
    health: HealthService
    chat: ChatService
    summaries: SummaryService
    models: ModelRegistry
    engine: Engine
    """Disposed when the app stops."""

    def close(self) -> None:
        self.models.close()
        self.engine.dispose()
