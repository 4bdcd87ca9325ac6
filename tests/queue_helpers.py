"""Helpers for the queue and worker tests: rows in `ai_call_recordings`, and reading them back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from angel_intelligence.db.expressions import now_plus
from angel_intelligence.db.models import AiCallAnalysis, AiCallRecording, AiCallTranscription
from angel_intelligence.db.queue import JobQueue

RECORDINGS = AiCallRecording.__table__


def add_recordings(engine: Engine, apex_ids: Iterable[str], **columns: Any) -> list[int]:
    """Insert recordings (as Pulse does) and return their ids, in order."""
    ids = []
    with engine.begin() as conn:
        for apex_id in apex_ids:
            result = conn.execute(
                insert(RECORDINGS).values(
                    **{"apex_id": apex_id, "call_date": dt.date(2025, 1, 15), **columns}
                )
            )
            ids.append(int(result.inserted_primary_key[0]))
    return ids


def add_recording(engine: Engine, apex_id: str, **columns: Any) -> int:
    return add_recordings(engine, [apex_id], **columns)[0]


def row(engine: Engine, recording_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(RECORDINGS).where(RECORDINGS.c.id == recording_id)).one()


def set_columns(engine: Engine, recording_id: int, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(RECORDINGS).where(RECORDINGS.c.id == recording_id).values(**values))


def move_time_forward(engine: Engine, recording_id: int) -> None:
    """Make a scheduled retry due now, as if its delay had passed."""
    set_columns(engine, recording_id, next_retry_at=now_plus(-1))


def expire_lease(engine: Engine, recording_id: int) -> None:
    """Make a lease expired, as if its worker had stopped renewing it long ago."""
    set_columns(engine, recording_id, lease_expires_at=now_plus(-5))


def db_now(engine: Engine) -> dt.datetime:
    with engine.connect() as conn:
        value = conn.execute(select(now_plus(0))).scalar_one()
    assert isinstance(value, dt.datetime)
    return value


def result_rows(engine: Engine, recording_id: int) -> tuple[int, int]:
    """How many transcription and analysis rows a recording has."""
    with engine.connect() as conn:
        transcriptions = conn.execute(
            select(func.count())
            .select_from(AiCallTranscription)
            .where(AiCallTranscription.ai_call_recording_id == recording_id)
        ).scalar_one()
        analyses = conn.execute(
            select(func.count())
            .select_from(AiCallAnalysis)
            .where(AiCallAnalysis.ai_call_recording_id == recording_id)
        ).scalar_one()
    return int(transcriptions), int(analyses)


def status_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(RECORDINGS.c.processing_status, func.count()).group_by(
                RECORDINGS.c.processing_status
            )
        ).all()
    return {status: int(count) for status, count in rows}


def make_queue(engine: Engine, **overrides: Any) -> JobQueue:
    values: dict[str, Any] = {
        "worker_id": "test-worker",
        "lease_s": 60,
        "max_retries": 3,
        "retry_delay_s": 3600,
    }
    values.update(overrides)
    return JobQueue(engine, **values)
