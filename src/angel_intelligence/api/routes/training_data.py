"""`GET /api/training-data`: annotations marked for training, in the spec's training schema."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from angel_intelligence.api.deps import ServicesDep
from angel_intelligence.domain.training import TrainingDataFilter
from angel_intelligence.services.training_data import TrainingDataService

router = APIRouter(prefix="/api", tags=["training data"])

MAX_PAGE = 1000


class TrainingDataPage(BaseModel):
    success: bool = True
    count: int
    """Every matching record, over all pages (`data` holds one page of them)."""
    data: list[dict[str, Any]]
    next_after_id: int | None = None


@router.get(
    "/training-data",
    response_model=TrainingDataPage,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def read_training_data(
    services: ServicesDep,
    since: Annotated[dt.date | None, Query(description="First day, inclusive (YYYY-MM-DD)")] = None,
    until: Annotated[dt.date | None, Query(description="Last day, inclusive (YYYY-MM-DD)")] = None,
    annotation_type: Annotated[
        str | None, Query(alias="type", max_length=255, description="annotation_type")
    ] = None,
    user_id: Annotated[int | None, Query(ge=0, le=2**64 - 1)] = None,
    output_format: Annotated[Literal["json", "jsonl"], Query(alias="format")] = "json",
    shape: Annotated[
        Literal["training", "flat"],
        Query(description="training: the spec's training schema; flat: its endpoint example"),
    ] = "training",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    after_id: Annotated[int, Query(ge=0, le=2**63 - 1, description="Page cursor")] = 0,
) -> Any:
    """Export annotations with is_training_data = TRUE (redacted transcripts only)."""
    filters = TrainingDataFilter(
        since=since, until=until, annotation_type=annotation_type, user_id=user_id
    )
    flat = shape == "flat"
    if output_format == "jsonl":
        return StreamingResponse(
            _jsonl(services.training_data, filters, flat), media_type="application/x-ndjson"
        )
    records, cursor = services.training_data.page(
        filters, after_id=after_id, limit=limit, flat=flat
    )
    count = services.training_data.count(filters)
    return {"success": True, "count": count, "data": records, "next_after_id": cursor}


def _jsonl(
    service: TrainingDataService, filters: TrainingDataFilter, flat: bool
) -> Iterator[bytes]:
    for record in service.stream(filters, flat=flat):
        yield (json.dumps(record, ensure_ascii=False) + "\n").encode()
