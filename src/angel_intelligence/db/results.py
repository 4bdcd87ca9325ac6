"""A call's results: one transcription row and one analysis row per recording.

Called inside the queue's fenced completion transaction (`JobOutcome.write`). A re-run updates
the rows in place rather than deleting and inserting them: `ai_call_annotations` hangs off the
analysis row with ON DELETE CASCADE, so a delete would throw away people's corrections.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from angel_intelligence.db.models import AiCallAnalysis, AiCallRecording, AiCallTranscription

Row = TypeVar("Row", AiCallTranscription, AiCallAnalysis)


def _upsert(
    session: Session, model: type[Row], recording_id: int, values: Mapping[str, Any]
) -> Row:
    row = session.scalars(
        select(model).where(model.ai_call_recording_id == recording_id).with_for_update()
    ).one_or_none()
    if row is None:
        row = model(ai_call_recording_id=recording_id)
        session.add(row)
    columns = set(model.__table__.columns.keys())
    unknown = set(values) - columns
    if unknown:
        raise ValueError(f"{model.__tablename__} has no columns {sorted(unknown)}")
    for name, value in values.items():
        setattr(row, name, value)
    return row


def save_transcription(
    session: Session, recording_id: int, values: Mapping[str, Any]
) -> AiCallTranscription:
    """Insert or update the recording's `ai_call_transcriptions` row."""
    return _upsert(session, AiCallTranscription, recording_id, values)


def save_analysis(session: Session, recording_id: int, values: Mapping[str, Any]) -> AiCallAnalysis:
    """Insert or update the recording's `ai_call_analysis` row (its annotations are kept)."""
    return _upsert(session, AiCallAnalysis, recording_id, values)


@dataclass(frozen=True, slots=True)
class CallRows:
    """A recording's row and its result rows, as plain `{column: value}` dicts."""

    recording: dict[str, Any]
    transcription: dict[str, Any] | None
    analysis: dict[str, Any] | None


def read_call_rows(engine: Engine, apex_id: str) -> CallRows:
    """Read back what processing `apex_id` left (the demo, the benchmarks and the tests)."""
    with Session(engine) as session:
        recording = session.scalars(
            select(AiCallRecording).where(AiCallRecording.apex_id == apex_id)
        ).one()
        results = [
            session.scalars(
                select(model).where(model.ai_call_recording_id == recording.id)
            ).one_or_none()
            for model in (AiCallTranscription, AiCallAnalysis)
        ]
        transcription, analysis = (_columns(row) if row else None for row in results)
        return CallRows(_columns(recording), transcription, analysis)


def _columns(obj: Any) -> dict[str, Any]:
    return {column.name: getattr(obj, column.key) for column in obj.__mapper__.columns}
