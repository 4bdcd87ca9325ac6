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
from angel_intelligence.db.training_data import (
    TrainingDataFilter,
    iter_training_rows,
    read_training_rows,
)
from angel_intelligence.services.training_data import training_record

router = APIRouter(prefix="/api", tags=["training data"])

MAX_PAGE = 1000


class TrainingDataPage(BaseModel):
    success: bool = True
    count: int
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
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    after_id: Annotated[int, Query(ge=0, le=2**63 - 1, description="Page cursor")] = 0,
) -> Any:
    """Export annotations with is_training_data = TRUE (redacted transcripts only)."""
    filters = TrainingDataFilter(
        since=since, until=until, annotation_type=annotation_type, user_id=user_id
    )
    if output_format == "jsonl":
        return StreamingResponse(_jsonl(services, filters), media_type="application/x-ndjson")
    rows = read_training_rows(services.sessions, filters, after_id=after_id, limit=limit)
    return {
        "success": True,
        "count": len(rows),
        "data": [training_record(row) for row in rows],
        "next_after_id": rows[-1].annotation.id if len(rows) == limit else None,
    }


def _jsonl(services: Any, filters: TrainingDataFilter) -> Iterator[bytes]:
    for row in iter_training_rows(services.sessions, filters):
        yield (json.dumps(training_record(row), ensure_ascii=False) + "\n").encode()
