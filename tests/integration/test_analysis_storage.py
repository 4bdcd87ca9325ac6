"""An analysis fits `ai_call_analysis` on both databases, in the spec's shapes."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis_samples import sample_transcript, small_config
from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.backends.llm.mock import MockLanguageModel
from angel_intelligence.db.models import AiCallAnalysis, AiCallRecording
from angel_intelligence.domain.speakers import Handover
from dbkit import TestDatabase


def test_the_row_round_trips(db: TestDatabase) -> None:
    analysis = CallAnalyser(MockLanguageModel()).analyse(
        sample_transcript(),
        small_config(),
        speaker_metrics={
            "agent": {
                "talk_time_seconds": 14,
                "interruptions": 1,
                "average_pace_wpm": 150,
                "silence_percentage": 10,
            }
        },
        handovers=[Handover(12.0, "agent_1001", "agent_unknown_1")],
    )
    row = analysis.to_json()
    with Session(db.engine) as session, session.begin():
        recording = AiCallRecording(apex_id="1737123456.12345")
        session.add(recording)
        session.flush()
        session.add(AiCallAnalysis(ai_call_recording_id=recording.id, **row))
    with Session(db.engine) as session:
        stored = session.scalars(select(AiCallAnalysis)).one()
        assert stored.summary == row["summary"]
        assert stored.sentiment_score == Decimal("5.50")
        assert stored.sentiment_label == "positive"
        assert stored.quality_score == Decimal(str(row["quality_score"]))
        assert stored.key_topics == row["key_topics"]
        assert stored.agent_actions_performed == row["agent_actions_performed"]
        assert stored.performance_scores == row["performance_scores"]
        assert stored.action_items == row["action_items"]
        assert stored.compliance_flags == []
        assert stored.speaker_metrics["supporter"] == {"sentiment_trend": "positive"}
        assert stored.speaker_metrics["agent"]["average_pace_wpm"] == 150
        assert stored.audio_analysis["handovers"][0]["time_seconds"] == 12.0
        assert stored.model_used == "mock" and stored.model_version == "mock"
        assert stored.processing_time_seconds == 0
