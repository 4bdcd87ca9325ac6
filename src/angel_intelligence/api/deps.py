"""What routes get from the application: its services, as `Annotated` dependency aliases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.db.queue import JobQueue
from angel_intelligence.services.models import ModelRegistry
from angel_intelligence.settings import Settings


@dataclass
class ApiServices:
    """Everything the API's routes use, built once by `bootstrap.build_api_services`."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    queue: JobQueue
    models: ModelRegistry = field(default_factory=ModelRegistry)


def get_services(request: Request) -> ApiServices:
    services: ApiServices = request.app.state.services
    return services


ServicesDep = Annotated[ApiServices, Depends(get_services)]
