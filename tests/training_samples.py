"""Analysed calls with training annotations, as Pulse stores them (training tests)."""

from __future__ import annotations

import copy

from sqlalchemy.orm import Session

from analysis_samples import VALID_REPLY, sample_transcript
from angel_intelligence.db.models import (
    AiCallAnalysis,
    AiCallAnnotation,
    AiCallRecording,
    AiCallTranscription,
)
from dbkit import TestDatabase

SEGMENTS = [s.to_json() for s in sample_transcript().segments]


def add_call(db: TestDatabase, n: int, corrections: list[tuple[str, str | None, str]]) -> list[int]:
    """One analysed call (the sample reply) with annotations (type, field, corrected value)."""
    with Session(db.engine) as session, session.begin():
        recording = AiCallRecording(
            apex_id=f"1737123456.{n}", client_ref="ACME001", duration_seconds=24
        )
        session.add(recording)
        session.flush()
        session.add(
            AiCallTranscription(
                ai_call_recording_id=recording.id,
                full_transcript="raw text that must never be used",
                redacted_transcript="redacted",
                redacted_segments=SEGMENTS,
            )
        )
        reply = copy.deepcopy(VALID_REPLY)
        analysis = AiCallAnalysis(
            ai_call_recording_id=recording.id,
            summary=reply["summary"],
            sentiment_score=reply["sentiment_score"],
            sentiment_label="very_positive",
            key_topics=reply["key_topics"],
            agent_actions_performed=reply["agent_actions_performed"],
            performance_scores=reply["performance_scores"],
            action_items=reply["action_items"],
            compliance_flags=reply["compliance_flags"],
            speaker_metrics={"supporter_sentiment_trend": "positive"},
        )
        session.add(analysis)
        session.flush()
        rows = [
            AiCallAnnotation(
                ai_call_analysis_id=analysis.id,
                user_id=42,
                annotation_type=kind,
                field_name=field,
                corrected_value=value,
            )
            for kind, field, value in corrections
        ]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]
