"""Monthly summaries: `POST /api/summary/generate`, `GET /api/summary`, `GET /api/summary/{id}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from angel_intelligence.api.deps import ServicesDep
from angel_intelligence.api.errors import ApiError, ErrorResponse
from angel_intelligence.domain.insights import Feature, SummaryKey
from angel_intelligence.errors import (
    ChatModelFailedError,
    ChatModelUnavailableError,
    SummaryNotFoundError,
)

router = APIRouter(prefix="/api", tags=["summaries"])

MAX_ID = 2**63 - 1
YEAR_MIN, YEAR_MAX = 2000, 2100


class GenerateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feature: Feature = Feature.CALL_QUALITY
    month: int = Field(ge=1, le=12)
    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    client_ref: str | None = Field(default=None, max_length=255)
    campaign: str | None = Field(default=None, max_length=255)
    agent_id: int | None = Field(default=None, ge=0, le=MAX_ID, description="The halo id")


class SummaryData(BaseModel):
    summary: str
    key_insights: list[str]
    recommendations: list[str]


class GeneratedPublic(BaseModel):
    success: bool = True
    summary_id: int
    summary_data: SummaryData
    metrics: dict[str, Any]


class SummaryPublic(BaseModel):
    id: int
    feature: str
    month: int
    year: int
    client_ref: str | None
    campaign: str | None
    agent_id: int | None
    summary_data: dict[str, Any]
    metrics: dict[str, Any] | None
    generated_at: str | None
    created_at: str | None
    updated_at: str | None


class SummaryPage(BaseModel):
    success: bool = True
    count: int
    data: list[SummaryPublic]


class OneSummary(BaseModel):
    success: bool = True
    data: SummaryPublic


@router.post(
    "/summary/generate",
    response_model=GeneratedPublic,
    responses={503: {"model": ErrorResponse, "description": "The chat model is not available"}},
)
def generate_summary(body: GenerateBody, services: ServicesDep) -> dict[str, Any]:
    """Generate (or regenerate) the summary of a month for a feature and filters."""
    key = SummaryKey(
        feature=body.feature.value,
        month=body.month,
        year=body.year,
        client_ref=body.client_ref,
        campaign=body.campaign,
        agent_id=body.agent_id,
    )
    try:
        generated = services.summaries.generate(key)
    except (ChatModelUnavailableError, ChatModelFailedError) as error:
        raise ApiError(503, error.code, error.message) from None
    return {
        "success": True,
        "summary_id": generated.id,
        "summary_data": generated.summary_data,
        "metrics": generated.metrics,
    }


@router.get("/summary", response_model=SummaryPage)
def read_summaries(
    services: ServicesDep,
    month: Annotated[int, Query(ge=1, le=12)],
    year: Annotated[int, Query(ge=YEAR_MIN, le=YEAR_MAX)],
    feature: Feature | None = None,
    client_ref: Annotated[str | None, Query(max_length=255)] = None,
    campaign: Annotated[str | None, Query(max_length=255)] = None,
    agent_id: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> dict[str, Any]:
    """The stored summaries of a month; each filter given narrows them."""
    found = services.summaries.find(
        month=month,
        year=year,
        feature=feature.value if feature else None,
        client_ref=client_ref,
        campaign=campaign,
        agent_id=agent_id,
    )
    return {"success": True, "count": len(found), "data": found}


@router.get(
    "/summary/{summary_id}",
    response_model=OneSummary,
    responses={404: {"model": ErrorResponse, "description": "No such summary"}},
)
def read_summary(
    services: ServicesDep, summary_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> dict[str, Any]:
    """One stored summary."""
    try:
        return {"success": True, "data": services.summaries.get(summary_id)}
    except SummaryNotFoundError as error:
        raise ApiError(404, error.code, error.message) from None
