"""`POST /api/training/import` and `GET /api/training/jobs/{job_id}`: fine-tuning jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from angel_intelligence.api.deps import ServicesDep
from angel_intelligence.api.errors import ApiError, ErrorResponse
from angel_intelligence.services.training_jobs import TrainingRequestError

router = APIRouter(prefix="/api/training", tags=["training"])


class TrainingImport(BaseModel):
    model_type: str = Field(max_length=50)
    training_data: list[int | str | dict[str, Any]] = Field(max_length=100_000)
    options: dict[str, Any] = {}


class TrainingQueued(BaseModel):
    success: bool = True
    job_id: str
    status: str


class TrainingJobPublic(BaseModel):
    success: bool = True
    job_id: str
    model_type: str
    status: str
    options: dict[str, Any]
    example_count: int | None
    base_version: str | None
    result_version: str | None
    metrics: dict[str, Any]
    error: str | None
    created_at: str | None
    started_at: str | None
    completed_at: str | None


@router.post(
    "/import",
    response_model=TrainingQueued,
    responses={
        409: {"model": ErrorResponse, "description": "A training job is queued or running"},
        422: {"model": ErrorResponse, "description": "Bad training data or options"},
    },
)
def import_training_data(body: TrainingImport, services: ServicesDep) -> dict[str, Any]:
    """Queue a fine-tuning job of the analysis model on these annotations."""
    try:
        job = services.training.submit(body.model_type, body.training_data, body.options)
    except TrainingRequestError as error:
        code = "TRAINING_BUSY" if error.status == 409 else "INVALID_TRAINING_DATA"
        raise ApiError(error.status, code, str(error)) from None
    return {"success": True, "job_id": job.job_id, "status": job.status}


@router.get(
    "/jobs/{job_id}",
    response_model=TrainingJobPublic,
    responses={404: {"model": ErrorResponse, "description": "No such job"}},
)
def read_training_job(job_id: str, services: ServicesDep) -> dict[str, Any]:
    """A training job's status, progress, metrics, error and the version it produced."""
    job = services.training.get(job_id)
    if job is None:
        raise ApiError(404, "NOT_FOUND", f"no training job {job_id!r}")

    def iso(moment: Any) -> str | None:
        return None if moment is None else moment.isoformat(timespec="seconds") + "Z"

    return {
        "success": True,
        "job_id": job.job_id,
        "model_type": job.model_type,
        "status": job.status,
        "options": job.options,
        "example_count": job.example_count,
        "base_version": job.base_version,
        "result_version": job.result_version,
        "metrics": job.metrics,
        "error": job.error,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "completed_at": iso(job.completed_at),
    }
