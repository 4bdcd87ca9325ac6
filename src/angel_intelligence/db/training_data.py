"""Reading annotations marked as training data, with their analysis and transcription."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.db.models import (
    AiCallAnalysis,
    AiCallAnnotation,
    AiCallRecording,
    AiCallTranscription,
)
from angel_intelligence.domain.training import TrainingDataFilter


@dataclass(frozen=True)
class TrainingRow:
    annotation: AiCallAnnotation
    analysis: AiCallAnalysis
    redacted_transcript: str | None


def _query(  # type: ignore[no-untyped-def]
    filters: TrainingDataFilter, after_id: int, limit: int, largest_user_id: int
):
    query = (
        select(AiCallAnnotation, AiCallAnalysis, AiCallTranscription.redacted_transcript)
        .join(AiCallAnalysis, AiCallAnalysis.id == AiCallAnnotation.ai_call_analysis_id)
        .outerjoin(
            AiCallTranscription,
            AiCallTranscription.ai_call_recording_id == AiCallAnalysis.ai_call_recording_id,
        )
        .where(AiCallAnnotation.is_training_data.is_(True), AiCallAnnotation.id > after_id)
        .order_by(AiCallAnnotation.id)
        .limit(limit)
    )
    if filters.since:
        query = query.where(
            AiCallAnnotation.created_at >= dt.datetime.combine(filters.since, dt.time())
        )
    if filters.until and filters.until < dt.date.max:  # 9999-12-31: no end (no day after it)
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time())
        query = query.where(AiCallAnnotation.created_at < end)
    if filters.annotation_type:
        query = query.where(AiCallAnnotation.annotation_type == filters.annotation_type)
    if filters.user_id is not None:
        if filters.user_id > largest_user_id:
            query = query.where(false())  # no stored row can hold it (SQLite's signed 64 bits)
        else:
            query = query.where(AiCallAnnotation.user_id == filters.user_id)
    return query


def _largest_integer(session: Session) -> int:
    """The largest integer the database stores (BIGINT UNSIGNED; SQLite's INTEGER is signed)."""
    return 2**63 - 1 if session.get_bind().dialect.name == "sqlite" else 2**64 - 1


def read_training_rows(
    sessions: sessionmaker[Session], filters: TrainingDataFilter, *, after_id: int = 0, limit: int
) -> list[TrainingRow]:
    """One page of rows with annotation id > `after_id`, in id order."""
    with sessions() as session:
        return [
            TrainingRow(annotation, analysis, transcript)
            for annotation, analysis, transcript in session.execute(
                _query(filters, after_id, limit, _largest_integer(session))
            )
        ]


def count_training_rows(sessions: sessionmaker[Session], filters: TrainingDataFilter) -> int:
    """How many rows match `filters` (all pages together)."""
    with sessions() as session:
        matching = _query(filters, 0, 2**62, _largest_integer(session)).order_by(None).limit(None)
        return int(session.scalar(select(func.count()).select_from(matching.subquery())) or 0)


def iter_training_rows(
    sessions: sessionmaker[Session], filters: TrainingDataFilter, *, batch_size: int = 500
) -> Iterator[TrainingRow]:
    """Every matching row, read in batches (keyset paging: constant memory, no OFFSET)."""
    after_id = 0
    while True:
        rows = read_training_rows(sessions, filters, after_id=after_id, limit=batch_size)
        yield from rows
        if len(rows) < batch_size:
            return
        after_id = rows[-1].annotation.id


@dataclass(frozen=True)
class TrainingCall:
    """One analysed call with its training annotations: one fine-tuning example."""

    analysis: AiCallAnalysis
    annotations: tuple[AiCallAnnotation, ...]
    client_ref: str | None
    duration_s: float
    redacted_transcript: str | None
    redacted_segments: list[dict[str, Any]] | None


def read_training_calls(
    sessions: sessionmaker[Session],
    filters: TrainingDataFilter,
    *,
    annotation_ids: Collection[int] | None = None,
) -> list[TrainingCall]:
    """The calls behind the matching training annotations (or exactly `annotation_ids`, which
    must be training data), each with all its matching annotations, in analysis id order."""
    with sessions() as session:
        query = (
            select(
                AiCallAnnotation,
                AiCallAnalysis,
                AiCallRecording.client_ref,
                AiCallRecording.duration_seconds,
                AiCallTranscription.redacted_transcript,
                AiCallTranscription.redacted_segments,
            )
            .join(AiCallAnalysis, AiCallAnalysis.id == AiCallAnnotation.ai_call_analysis_id)
            .join(AiCallRecording, AiCallRecording.id == AiCallAnalysis.ai_call_recording_id)
            .outerjoin(
                AiCallTranscription,
                AiCallTranscription.ai_call_recording_id == AiCallAnalysis.ai_call_recording_id,
            )
            .where(AiCallAnnotation.is_training_data.is_(True))
            .order_by(AiCallAnalysis.id, AiCallAnnotation.id)
        )
        if annotation_ids is not None:
            query = query.where(AiCallAnnotation.id.in_(list(annotation_ids)))
        else:
            matching = _query(filters, 0, 2**62, _largest_integer(session)).order_by(None)
            ids = matching.with_only_columns(AiCallAnnotation.id).limit(None).subquery()
            query = query.where(AiCallAnnotation.id.in_(select(ids.c.id)))
        calls: dict[int, TrainingCall] = {}
        for annotation, analysis, client_ref, duration, text, segments in session.execute(query):
            call = calls.get(analysis.id)
            if call is None:
                calls[analysis.id] = TrainingCall(
                    analysis, (annotation,), client_ref, float(duration or 0), text, segments
                )
            else:
                calls[analysis.id] = replace(call, annotations=(*call.annotations, annotation))
        return list(calls.values())
