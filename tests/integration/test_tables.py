"""The models work the same on SQLite and MariaDB: defaults, JSON, cascades, UTC clock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from angel_intelligence.db.models import (
    AiCallAnalysis,
    AiCallAnnotation,
    AiCallRecording,
    AiCallTranscription,
    AiVoiceFingerprint,
)
from dbkit import TestDatabase


def test_a_recording_gets_the_spec_defaults(db: TestDatabase) -> None:
    with Session(db.engine) as session, session.begin():
        session.add(AiCallRecording(apex_id="1737123456.12345"))
    with Session(db.engine) as session:
        recording = session.scalars(select(AiCallRecording)).one()
        assert recording.processing_status == "pending"
        assert recording.retry_count == 0
        assert recording.retain_audio is False
        assert recording.file_format == "wav"
        assert recording.created_at is not None


def test_json_round_trips_unicode_and_pounds(db: TestDatabase) -> None:
    segments = [
        {
            "text": "Twenty pounds — £20 to the organisation",
            "start": 0.0,
            "end": 1.5,
            "words": [{"word": "£20", "start": 0.5, "end": 0.9, "confidence": 0.9}],
        }
    ]
    with Session(db.engine) as session, session.begin():
        recording = AiCallRecording(apex_id="1.2")
        session.add(recording)
        session.flush()
        session.add(
            AiCallTranscription(
                ai_call_recording_id=recording.id, full_transcript="x", segments=segments
            )
        )
    with Session(db.engine) as session:
        assert session.scalars(select(AiCallTranscription)).one().segments == segments


def test_deleting_a_recording_cascades_to_its_results(db: TestDatabase) -> None:
    with Session(db.engine) as session, session.begin():
        recording = AiCallRecording(apex_id="1.3")
        session.add(recording)
        session.flush()
        analysis = AiCallAnalysis(ai_call_recording_id=recording.id, summary="ok")
        session.add(analysis)
        session.add(AiCallTranscription(ai_call_recording_id=recording.id, full_transcript="x"))
        session.flush()
        session.add(
            AiCallAnnotation(
                ai_call_analysis_id=analysis.id, user_id=42, annotation_type="sentiment"
            )
        )
    with Session(db.engine) as session, session.begin():
        session.delete(session.scalars(select(AiCallRecording)).one())
    with Session(db.engine) as session:
        for model in (AiCallTranscription, AiCallAnalysis, AiCallAnnotation):
            assert session.scalar(select(func.count()).select_from(model)) == 0


def test_the_database_clock_is_utc(db: TestDatabase) -> None:
    with Session(db.engine) as session:
        now = session.scalar(select(func.now()))
    if isinstance(now, str):  # SQLite returns text
        now = dt.datetime.fromisoformat(now)
    assert now is not None
    utc_now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs((now.replace(tzinfo=None) - utc_now).total_seconds()) < 120


def test_fingerprints_store_binary_vectors(db: TestDatabase) -> None:
    vector = bytes(range(256)) * 4
    with Session(db.engine) as session, session.begin():
        session.add(AiVoiceFingerprint(halo_id=1001, agent_name="Sam", fingerprint_data=vector))
    with Session(db.engine) as session:
        row = session.scalars(select(AiVoiceFingerprint)).one()
        assert row.fingerprint_data == vector
        assert float(row.confidence_threshold or 0) == 0.85
        assert row.sample_count == 0
