"""Small configs, transcripts and replies shared by the analysis tests."""

from __future__ import annotations

import copy
import json
from typing import Any

from angel_intelligence.analysis.client_config import ResolvedConfig, resolve_config
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.domain.speakers import SpeakerRole
from angel_intelligence.domain.transcript import Segment, Transcript

SMALL_CONFIG_FILE: dict[str, Any] = {
    "topics": [
        "Regular giving signup",
        "Gift Aid explanation/enrolment",
        "Address update/change of details",
    ],
    "agent_actions": [
        "Greeted supporter",
        "Verified supporter identity",
        "Requested regular giving signup",
    ],
    "performance_rubric": ["Clarity of speech", "Tone control", "Effective closing"],
}


def small_config(
    mode: AnalysisMode = AnalysisMode.TRANSCRIPT, client_ref: str | None = "ACME001"
) -> ResolvedConfig:
    return resolve_config(client_ref, [], file_config=SMALL_CONFIG_FILE, default_mode=mode)


LINES = [
    (
        SpeakerRole.AGENT,
        0.0,
        4.5,
        "Hello, thank you for calling Hope Trust, my name is Sarah. How can I help?",
    ),
    (
        SpeakerRole.SUPPORTER,
        5.0,
        9.0,
        "Hi, I'd like to set up a monthly donation of ten pounds please.",
    ),
    (
        SpeakerRole.AGENT,
        9.5,
        16.0,
        "That's wonderful. Can I confirm your postcode? Are you a UK taxpayer? We can claim Gift Aid.",
    ),
    (SpeakerRole.SUPPORTER, 16.5, 19.0, "Yes, I pay tax. Please add Gift Aid."),
    (
        SpeakerRole.AGENT,
        19.5,
        24.0,
        "Lovely, that's all set up. Thank you so much for your support, goodbye.",
    ),
]


def sample_transcript() -> Transcript:
    segments = tuple(
        Segment(text=text, start_s=start, end_s=end, speaker=role, confidence=0.9)
        for role, start, end, text in LINES
    )
    return Transcript(segments=segments, duration_s=24.0)


VALID_REPLY: dict[str, Any] = {
    "summary": "The supporter called to set up a monthly donation of £10 and agreed to add Gift Aid.",
    "sentiment_score": 6.5,
    "supporter_sentiment_trend": "positive",
    "key_topics": [
        {
            "name": "Regular giving signup",
            "confidence": 0.9,
            "timestamp_start": 5.0,
            "timestamp_end": 9.0,
        },
        {
            "name": "Gift Aid explanation/enrolment",
            "confidence": 0.8,
            "timestamp_start": 9.5,
            "timestamp_end": 19.0,
        },
    ],
    "agent_actions_performed": [
        {"action": "Greeted supporter", "timestamp_start": 0.0, "quality": 5},
        {"action": "Verified supporter identity", "timestamp_start": 9.5, "quality": 4},
    ],
    "performance_scores": {"Clarity of speech": 8, "Tone control": 9, "Effective closing": 7},
    "action_items": [
        {
            "description": "Send the Gift Aid declaration.",
            "priority": "medium",
            "due_date": "2026-01-20",
        }
    ],
    "compliance_flags": [
        {
            "type": "missing_disclosure",
            "issue": "The call recording notice was not given.",
            "severity": "high",
            "timestamp_start": 0.0,
            "timestamp_end": 4.5,
        }
    ],
}

AUDIO_OBSERVATIONS: dict[str, Any] = {
    "call_quality": "good",
    "background_noise": "low",
    "agent_tone": "friendly",
    "supporter_tone": "happy",
    "notes": "The supporter sounded pleased throughout.",
}


def reply(**changes: Any) -> dict[str, Any]:
    """VALID_REPLY with top-level keys replaced (None removes a key)."""
    data = copy.deepcopy(VALID_REPLY)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def reply_text(**changes: Any) -> str:
    return json.dumps(reply(**changes), ensure_ascii=False)
