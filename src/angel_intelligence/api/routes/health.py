"""Health: `/health` (authenticated, the spec's shape) and the Kubernetes probes."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from angel_intelligence import __version__
from angel_intelligence.api.deps import ServicesDep

router = APIRouter(tags=["health"])


class ModelStatePublic(BaseModel):
    version: str
    loaded: bool
    error: str | None = None
    current: str | None = None
    workers: dict[str, int] | None = None


class ModelInUsePublic(BaseModel):
    name: str
    version: str


class WorkerPublic(BaseModel):
    worker_id: str
    host: str
    device: str
    models: dict[str, ModelInUsePublic]
    model_errors: dict[str, str] = {}
    jobs_running: int
    last_seen_at: str | None = None
    seen_s_ago: float | None = None


class HealthPublic(BaseModel):
    status: Literal["healthy", "degraded"]
    version: str
    worker_id: str
    models_loaded: dict[str, ModelStatePublic]
    database: Literal["ok", "unavailable"]
    reasons: list[str] = []
    workers: list[WorkerPublic] = []
    """The live workers: what each runs now (`ai_workers`)."""


class ProbePublic(BaseModel):
    status: str


@router.get("/health", response_model=HealthPublic, response_model_exclude_none=True)
def read_health(services: ServicesDep) -> dict[str, Any]:
    """Service health, version, worker id, the models loaded here and by the live workers."""
    reasons = []
    database_ok = services.health.database_ok()
    if not database_ok:
        reasons.append("database unavailable")
    live = services.health.live(services.health.workers())
    models = services.health.models(live)
    reasons += [
        f"{name} model unavailable: {state.error}" for name, state in models.items() if state.error
    ]
    return {
        "status": "degraded" if reasons else "healthy",
        "version": __version__,
        "worker_id": services.health.worker_id,
        "models_loaded": {name: state.to_json() for name, state in models.items()},
        "database": "ok" if database_ok else "unavailable",
        "reasons": reasons,
        "workers": [worker.to_json() for worker in live],
    }


@router.get("/livez", response_model=ProbePublic)
def read_livez() -> dict[str, str]:
    """Liveness probe (no authentication; status only)."""
    return {"status": "alive"}


@router.get("/readyz", response_model=ProbePublic, responses={503: {"model": ProbePublic}})
def read_readyz(services: ServicesDep) -> Any:
    """Readiness probe: the database answers (no authentication; status only)."""
    if services.health.database_ok():
        return {"status": "ready"}
    return JSONResponse({"status": "not_ready"}, status_code=503)
