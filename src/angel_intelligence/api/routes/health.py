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


class HealthPublic(BaseModel):
    status: Literal["healthy", "degraded"]
    version: str
    worker_id: str
    models_loaded: dict[str, ModelStatePublic]
    database: Literal["ok", "unavailable"]
    reasons: list[str] = []


class ProbePublic(BaseModel):
    status: str


@router.get("/health", response_model=HealthPublic, response_model_exclude_none=True)
def read_health(services: ServicesDep) -> dict[str, Any]:
    """Service health, version, worker id and the models this process has loaded."""
    reasons = []
    database_ok = services.health.database_ok()
    if not database_ok:
        reasons.append("database unavailable")
    models = services.health.models()
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
