"""The spec's JSON shapes for the stored result columns, as JSON schemas (checked with
jsonschema_rs, independently of the code that writes them).

Sources: the spec's "Segments JSON Structure", "PII Detected JSON Structure" and the
`ai_call_analysis` structures (key topics, agent actions, performance scores, action items,
compliance flags, speaker metrics); docs/pii.md and docs/speakers.md for the values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from angel_intelligence.domain.pii import PLACEHOLDERS, PiiType

SPEAKER_ID = r"^(agent_[0-9]+|agent_unknown(_[0-9]+)?|supporter)$"


def _number(minimum: float | None = None, maximum: float | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def _object(properties: dict[str, Any], *, optional: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def segments_schema(duration_s: float) -> dict[str, Any]:
    """`ai_call_transcriptions.segments` (and `redacted_segments`): the karaoke shape."""
    time = _number(0, duration_s)
    word = _object(
        {
            "word": {"type": "string", "minLength": 1},
            "start": time,
            "end": time,
            "confidence": _number(0, 1),
        }
    )
    segment = _object(
        {
            "text": {"type": "string", "minLength": 1},
            "start": time,
            "end": time,
            "speaker": {"enum": ["agent", "supporter", "agent_unknown"]},
            "speaker_id": {"type": "string", "pattern": SPEAKER_ID},
            "speaker_confidence": _number(0, 1),
            "confidence": _number(0, 1),
            "words": {"type": "array", "minItems": 1, "items": word},
        }
    )
    return {"type": "array", "minItems": 1, "items": segment}


def pii_detected_schema(duration_s: float) -> dict[str, Any]:
    """`ai_call_transcriptions.pii_detected`: exactly the spec's keys."""
    time = _number(0, duration_s)
    item = _object(
        {
            "type": {"enum": [t.value for t in PiiType]},
            "original": {"type": "string", "minLength": 1},
            "redacted": {"enum": list(PLACEHOLDERS.values())},
            "timestamp_start": time,
            "timestamp_end": time,
            "confidence": _number(0, 1),
        }
    )
    return {"type": "array", "items": item}


def _role_metrics(extra: Mapping[str, Any]) -> dict[str, Any]:
    return _object(
        {
            "talk_time_seconds": _number(0),
            "interruptions": {"type": "integer", "minimum": 0},
            "average_pace_wpm": _number(0),
            "silence_percentage": _number(0, 100),
            **extra,
        },
        optional=list(extra),
    )


def analysis_row_schema(
    config: Mapping[str, Sequence[str]], duration_s: float, *, from_evidence: bool = False
) -> dict[str, Any]:
    """The JSON columns and scores of an `ai_call_analysis` row, for a client's `config`
    (its `topics`, `agent_actions` and `performance_rubric` lists). `from_evidence`: the
    analysis was written from the evidence alone (docs/analysis.md), so it has no rubric scores
    and no quality score (the columns are NULL-able in the spec)."""
    time = _number(0, float(int(duration_s) + 1))
    nullable_time = {"anyOf": [time, {"type": "null"}]}
    rubric = list(config["performance_rubric"])
    trend = {"enum": ["positive", "neutral", "negative", "improving", "declining"]}
    return {
        "type": "object",
        "required": [
            "summary",
            "sentiment_score",
            "sentiment_label",
            "key_topics",
            "agent_actions_performed",
            "performance_scores",
            "action_items",
            "quality_score",
            "compliance_flags",
            "speaker_metrics",
            "audio_analysis",
            "model_used",
            "model_version",
        ],
        "properties": {
            "summary": {"type": "string", "minLength": 20},
            "sentiment_score": _number(-10, 10),
            "sentiment_label": {
                "enum": ["very_negative", "negative", "neutral", "positive", "very_positive"]
            },
            "key_topics": {
                "type": "array",  # empty when no configured topic was found in the call
                "items": _object(
                    {
                        "name": {"enum": list(config["topics"])},
                        "confidence": _number(0, 1),
                        "timestamp_start": time,
                        "timestamp_end": time,
                    }
                ),
            },
            "agent_actions_performed": {
                "type": "array",
                "items": _object(
                    {
                        "action": {"enum": list(config["agent_actions"])},
                        "timestamp_start": time,
                        "quality": {"type": "integer", "minimum": 1, "maximum": 5},
                    }
                ),
            },
            "performance_scores": {
                "type": "object",
                "properties": {
                    name: {"type": "integer", "minimum": 1, "maximum": 10} for name in rubric
                },
                "required": [] if from_evidence else rubric,
                "maxProperties": 0 if from_evidence else len(rubric),
                "additionalProperties": False,
            },
            "action_items": {
                "type": "array",
                "items": _object(
                    {
                        "description": {"type": "string", "minLength": 1},
                        "priority": {"enum": ["low", "medium", "high"]},
                        "due_date": {
                            "anyOf": [
                                {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                                {"type": "null"},
                            ]
                        },
                    }
                ),
            },
            "quality_score": {"type": "null"} if from_evidence else _number(0, 100),
            "compliance_flags": {
                "type": "array",
                "items": _object(
                    {
                        "type": {"type": "string", "pattern": r"^[a-z][a-z0-9_]+$"},
                        "issue": {"type": "string", "minLength": 1},
                        "severity": {"enum": ["low", "medium", "high", "critical"]},
                        "timestamp_start": nullable_time,
                        "timestamp_end": nullable_time,
                    }
                ),
            },
            "speaker_metrics": {
                "type": "object",
                "properties": {
                    "agent": _role_metrics({}),
                    "supporter": _role_metrics({"sentiment_trend": trend}),
                    "by_speaker": {
                        "type": "object",
                        "additionalProperties": _role_metrics({}),
                    },
                },
                "required": ["agent", "supporter"],
                "additionalProperties": False,
            },
            "audio_analysis": {"type": "object"},
            "model_used": {"type": "string", "minLength": 1},
            "model_version": {"type": ["string", "null"]},
        },
    }
