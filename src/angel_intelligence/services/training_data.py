"""Training-data export: annotations as the spec's "Training Data Schema" records.

The transcript is always the PII-redacted one (`redacted_transcript`); a record whose call has
no redacted transcript carries `"transcript": null` rather than ever falling back to the raw text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.db.training_data import (
    TrainingRow,
    count_training_rows,
    iter_training_rows,
    read_training_rows,
)
from angel_intelligence.domain.training import TrainingDataFilter

# The analysis field an annotation type corrects when the annotation names no field.
DEFAULT_FIELD = {
    "sentiment": "sentiment_label",
    "quality": "quality_score",
    "compliance": "compliance_flags",
}


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _value(text: str | None) -> Any:
    """A stored corrected/original value: JSON when it parses (numbers, lists), else the text."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _iso(moment: dt.datetime | None) -> str | None:
    return (
        None if moment is None else moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    )


def training_record(row: TrainingRow) -> dict[str, Any]:
    """One record in the spec's training-data schema."""
    annotation, analysis = row.annotation, row.analysis
    field = annotation.field_name or DEFAULT_FIELD.get(annotation.annotation_type)
    corrected: dict[str, Any] = {}
    if field and annotation.corrected_value is not None:
        corrected[field] = _value(annotation.corrected_value)
    record: dict[str, Any] = {
        "id": f"annotation_{annotation.id}",
        "transcript": row.redacted_transcript,
        "original_analysis": {
            "sentiment_label": analysis.sentiment_label,
            "sentiment_score": _number(analysis.sentiment_score),
            "quality_score": _number(analysis.quality_score),
            "key_topics": analysis.key_topics or [],
        },
        "corrected_analysis": corrected,
        "annotation_metadata": {
            "annotator_id": annotation.user_id,
            "annotation_type": annotation.annotation_type,
            "field_name": field,
            "original_value": _value(annotation.original_value),
            "notes": annotation.notes,
            "tags": annotation.tags,
            "timestamp_start": _number(annotation.timestamp_start),
            "timestamp_end": _number(annotation.timestamp_end),
            "created_at": _iso(annotation.created_at),
        },
    }
    return record


def flat_record(row: TrainingRow) -> dict[str, Any]:
    """One record in the spec's flat endpoint example ("Get Training Data"): the transcript,
    the sentiment before and after the correction, and the annotator's notes; plus the
    annotation's id, type, field and values, so a correction of another field is not lost."""
    annotation, analysis = row.annotation, row.analysis
    field = annotation.field_name or DEFAULT_FIELD.get(annotation.annotation_type)
    corrected = _value(annotation.corrected_value)
    return {
        "id": f"annotation_{annotation.id}",
        "transcript": row.redacted_transcript,
        "original_sentiment": analysis.sentiment_label,
        "corrected_sentiment": corrected if field == "sentiment_label" else None,
        "annotator_notes": annotation.notes,
        "annotation_type": annotation.annotation_type,
        "field_name": field,
        "original_value": _value(annotation.original_value),
        "corrected_value": corrected,
    }


class TrainingDataService:
    """`GET /api/training-data`: pages of records, or all of them as a stream."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def page(
        self, filters: TrainingDataFilter, *, after_id: int, limit: int, flat: bool = False
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Up to `limit` records after annotation `after_id`, and the next page's cursor
        (`flat`: the spec's flat endpoint shape instead of the training schema)."""
        rows = read_training_rows(self._sessions, filters, after_id=after_id, limit=limit)
        cursor = rows[-1].annotation.id if len(rows) == limit else None
        shape = flat_record if flat else training_record
        return [shape(row) for row in rows], cursor

    def count(self, filters: TrainingDataFilter) -> int:
        """How many records match, over all pages."""
        return count_training_rows(self._sessions, filters)

    def stream(
        self, filters: TrainingDataFilter, *, flat: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every matching record, read in batches."""
        shape = flat_record if flat else training_record
        for row in iter_training_rows(self._sessions, filters):
            yield shape(row)
