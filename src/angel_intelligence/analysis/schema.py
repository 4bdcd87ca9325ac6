"""The JSON schema the language model's reply must match, built from the call's config.

Topic names, agent actions and rubric keys are enums, so a constrained decoder (llguidance
in-process, `response_format: json_schema` on servers) cannot produce anything else; numbers
have ranges and a step (`multipleOf`), strings and lists have maximum lengths, so a weak model
cannot ramble until it runs out of tokens. Keys come in a fixed order and every key is
required, so there is nothing for the model to invent.

The model is only asked for what it alone can judge. `quality_score`, `sentiment_label` and
the speaker numbers are computed afterwards (docs/analysis.md, "Derived fields").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from angel_intelligence.analysis.client_config import ResolvedConfig
from angel_intelligence.domain.analysis import AnalysisMode

SENTIMENT_TRENDS = ("positive", "neutral", "negative", "improving", "declining")
PRIORITIES = ("low", "medium", "high")
SEVERITIES = ("low", "medium", "high", "critical")
CALL_QUALITIES = ("good", "fair", "poor")
BACKGROUND_NOISE = ("none", "low", "moderate", "high")
AGENT_TONES = ("professional", "friendly", "neutral", "rushed", "frustrated")
SUPPORTER_TONES = ("happy", "neutral", "confused", "frustrated", "angry")
COMPLIANCE_TYPE_PATTERN = r"^[a-z][a-z0-9_]{2,39}$"
UNKNOWN_DURATION_MAX_S = 36_000.0  # ten hours: the bound when the call's length is unknown
SCHEMA_NAME = "call_analysis"


@dataclass(frozen=True, slots=True)
class OutputLimits:
    """Sizes of the reply. Smaller limits make a small model on a CPU answer sooner."""

    summary_min_chars: int = 20
    summary_max_chars: int = 600
    min_topics: int = 1
    max_topics: int = 5
    max_actions: int = 10
    max_action_items: int = 5
    max_compliance_flags: int = 5
    text_min_chars: int = 3
    description_max_chars: int = 200
    issue_max_chars: int = 300
    notes_max_chars: int = 300


# For a small model on a CPU (tests, benchmark, the embedded default's demo): the same fields,
# fewer items, so a reply is a few hundred tokens.
COMPACT_LIMITS = OutputLimits(
    summary_max_chars=300,
    max_topics=2,
    max_actions=3,
    max_action_items=1,
    max_compliance_flags=1,
    description_max_chars=120,
    issue_max_chars=120,
    notes_max_chars=120,
)


def timestamp_max_s(duration_s: float) -> float:
    """The largest timestamp allowed: the call's length rounded up, or ten hours if unknown."""
    return float(math.ceil(duration_s)) if duration_s > 0 else UNKNOWN_DURATION_MAX_S


def _enum(values: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


# Prose: no braces or angle brackets (template or JSON syntax), at least three words of two or
# more letters. The same rules `reply.py` checks, put into the grammar so constrained decoding
# cannot produce what validation would reject (a small model otherwise spends its re-prompts on it).
_NO_SYNTAX = r"[^{}<>]*"
_WORD = r"[A-Za-z]{2}"
_GAP = r"[^A-Za-z{}<>]"
PROSE_PATTERN = (
    f"^{_NO_SYNTAX}{_WORD}{_NO_SYNTAX}{_GAP}{_NO_SYNTAX}{_WORD}{_NO_SYNTAX}{_GAP}"
    f"{_NO_SYNTAX}{_WORD}{_NO_SYNTAX}$"
)


def _text(min_chars: int, max_chars: int) -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": min_chars,
        "maxLength": max_chars,
        "pattern": PROSE_PATTERN,
    }


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def build_output_schema(
    config: ResolvedConfig,
    mode: AnalysisMode,
    *,
    duration_s: float = 0.0,
    limits: OutputLimits = OutputLimits(),
) -> dict[str, Any]:
    """The JSON schema of the reply for this config, mode and call length."""
    time_s = {
        "type": "number",
        "minimum": 0,
        "maximum": timestamp_max_s(duration_s),
        "multipleOf": 0.1,
    }
    optional_time_s = {"anyOf": [time_s, {"type": "null"}]}
    properties: dict[str, Any] = {
        "summary": _text(limits.summary_min_chars, limits.summary_max_chars),
        "sentiment_score": {"type": "number", "minimum": -10, "maximum": 10, "multipleOf": 0.1},
        "supporter_sentiment_trend": _enum(SENTIMENT_TRENDS),
        "key_topics": {
            "type": "array",
            "minItems": limits.min_topics,
            "maxItems": limits.max_topics,
            "items": _object(
                {
                    "name": _enum(config.topics),
                    "confidence": {
                        "type": "number",
                        "minimum": 0,
                        "maximum": 1,
                        "multipleOf": 0.01,
                    },
                    "timestamp_start": time_s,
                    "timestamp_end": time_s,
                }
            ),
        },
        "agent_actions_performed": {
            "type": "array",
            "maxItems": limits.max_actions,
            "items": _object(
                {
                    "action": _enum(config.agent_actions),
                    "timestamp_start": time_s,
                    "quality": {"type": "integer", "minimum": 1, "maximum": 5},
                }
            ),
        },
        "performance_scores": _object(
            {
                key: {"type": "integer", "minimum": 1, "maximum": 10}
                for key in config.performance_rubric
            }
        ),
        "action_items": {
            "type": "array",
            "maxItems": limits.max_action_items,
            "items": _object(
                {
                    "description": _text(limits.text_min_chars, limits.description_max_chars),
                    "priority": _enum(PRIORITIES),
                    "due_date": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
                }
            ),
        },
        "compliance_flags": {
            "type": "array",
            "maxItems": limits.max_compliance_flags,
            "items": _object(
                {
                    "type": {"type": "string", "pattern": COMPLIANCE_TYPE_PATTERN},
                    "issue": _text(limits.text_min_chars, limits.issue_max_chars),
                    "severity": _enum(SEVERITIES),
                    "timestamp_start": optional_time_s,
                    "timestamp_end": optional_time_s,
                }
            ),
        },
    }
    if mode is AnalysisMode.AUDIO:
        properties["audio_observations"] = _object(
            {
                "call_quality": _enum(CALL_QUALITIES),
                "background_noise": _enum(BACKGROUND_NOISE),
                "agent_tone": _enum(AGENT_TONES),
                "supporter_tone": _enum(SUPPORTER_TONES),
                "notes": _text(limits.text_min_chars, limits.notes_max_chars),
            }
        )
    return {"title": SCHEMA_NAME, **_object(properties)}
