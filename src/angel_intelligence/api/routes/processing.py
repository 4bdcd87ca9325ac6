"""`POST /api/process` (queue one call) and `GET /api/statistics` (the queue's numbers)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from angel_intelligence.api.deps import ServicesDep
from angel_intelligence.api.errors import ApiError, ErrorResponse
from angel_intelligence.domain.call import APEX_ID_PATTERN, validate_apex_id
from angel_intelligence.domain.job import RequestResult
from angel_intelligence.errors import InvalidApexIdError

router = APIRouter(prefix="/api", tags=["processing"])


class ProcessRequest(BaseModel):
    apex_id: str = Field(pattern=APEX_ID_PATTERN, max_length=41, examples=["1737123456.12345"])
    force_reprocess: bool = False


class ProcessPublic(BaseModel):
    success: bool = True
    recording_id: int
    status: str
    message: str


class StatisticsPublic(BaseModel):
    success: bool = True
    total: int
    pending: int
    queued: int
    processing: int
    completed: int
    failed: int
    failures_by_code: dict[str, int]
    oldest_pending_age_seconds: float | None
    oldest_queued_age_seconds: float | None
    retries_scheduled: int
    retries_due: int
    permanently_failed: int
    expired_leases: int


_REFUSALS = {
    RequestResult.NOT_FOUND: (404, "NOT_FOUND"),
    RequestResult.IN_PROGRESS: (409, "ALREADY_PROCESSING"),
    RequestResult.NEEDS_FORCE: (409, "ALREADY_PROCESSED"),
}


@router.post(
    "/process",
    response_model=ProcessPublic,
    responses={404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}},
)
def create_processing_request(body: ProcessRequest, services: ServicesDep) -> dict[str, Any]:
    """Queue a call for processing (force_reprocess re-runs a finished call)."""
    try:
        apex_id = validate_apex_id(body.apex_id)
    except InvalidApexIdError as error:
        raise ApiError(422, "VALIDATION_ERROR", error.message) from None
    outcome = services.queue.request_processing(apex_id, force=body.force_reprocess)
    if outcome.result is not RequestResult.QUEUED:
        status, code = _REFUSALS[outcome.result]
        raise ApiError(status, code, outcome.message)
    assert outcome.recording_id is not None
    return {
        "success": True,
        "recording_id": outcome.recording_id,
        "status": "queued",
        "message": outcome.message,
    }


@router.get("/statistics", response_model=StatisticsPublic)
def read_statistics(services: ServicesDep) -> dict[str, Any]:
    """Calls per status, failures by error code, and how long the oldest call has waited."""
    stats = services.queue.statistics()
    counts = {
        status: stats.by_status.get(status, 0)
        for status in ("pending", "queued", "processing", "completed", "failed")
    }
    return {
        "success": True,
        "total": stats.total,
        **counts,
        "failures_by_code": dict(stats.failures_by_code),
        "oldest_pending_age_seconds": stats.oldest_pending_age_s,
        "oldest_queued_age_seconds": stats.oldest_queued_age_s,
        "retries_scheduled": stats.retries_scheduled,
        "retries_due": stats.retries_due,
        "permanently_failed": stats.permanently_failed,
        "expired_leases": stats.expired_leases,
    }
