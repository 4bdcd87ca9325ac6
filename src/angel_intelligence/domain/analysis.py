"""A call's analysis: what the analysis stage produces and `ai_call_analysis` stores.

`CallAnalysis.to_json()` gives the analysis in the spec's JSON shapes ("Key Topics JSON
Structure" and the others). Values that can be computed are computed here, never asked of the
language model: `quality_score` from `performance_scores`, `sentiment_label` from
`sentiment_score` (bands below).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


class AnalysisMode(enum.StrEnum):
    """Whether the analysis model hears the audio or reads the transcript."""

    AUDIO = "audio"
    TRANSCRIPT = "transcript"


class SentimentLabel(enum.StrEnum):
    """The spec's `sentiment_label` ENUM."""

    VERY_NEGATIVE = "very_negative"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"
    VERY_POSITIVE = "very_positive"


def sentiment_label_for(score: float) -> SentimentLabel:
    """The label for a sentiment score: ≤ −6 very negative, ≤ −2 negative, < 2 neutral,
    < 6 positive, else very positive (so 5.5, the spec's mock value, is positive)."""
    if score <= -6.0:
        return SentimentLabel.VERY_NEGATIVE
    if score <= -2.0:
        return SentimentLabel.NEGATIVE
    if score < 2.0:
        return SentimentLabel.NEUTRAL
    if score < 6.0:
        return SentimentLabel.POSITIVE
    return SentimentLabel.VERY_POSITIVE


def quality_score_for(performance_scores: Mapping[str, int]) -> float | None:
    """The mean rubric score (1–10) times 10, so 0–100 as the spec asks (in practice 10–100);
    None without scores."""
    if not performance_scores:
        return None
    mean = sum(performance_scores.values()) / len(performance_scores)
    return round(mean * 10.0, 2)


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


@dataclass(frozen=True, slots=True)
class KeyTopic:
    name: str  # one of the client's topics
    confidence: float  # 0–1
    timestamp_start: float  # seconds from the start of the call
    timestamp_end: float

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "confidence": _r(self.confidence),
            "timestamp_start": _r(self.timestamp_start, 1),
            "timestamp_end": _r(self.timestamp_end, 1),
        }


@dataclass(frozen=True, slots=True)
class AgentAction:
    action: str  # one of the client's agent actions
    timestamp_start: float
    quality: int  # 1–5

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "timestamp_start": _r(self.timestamp_start, 1),
            "quality": self.quality,
        }


@dataclass(frozen=True, slots=True)
class ActionItem:
    description: str
    priority: str  # low | medium | high
    due_date: dt.date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "priority": self.priority,
            "due_date": self.due_date.isoformat() if self.due_date else None,
        }


@dataclass(frozen=True, slots=True)
class ComplianceFlag:
    type: str  # snake_case issue type, e.g. "missing_disclosure"
    issue: str
    severity: str  # low | medium | high | critical
    timestamp_start: float | None = None
    timestamp_end: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "issue": self.issue,
            "severity": self.severity,
            "timestamp_start": _r(self.timestamp_start, 1),
            "timestamp_end": _r(self.timestamp_end, 1),
        }


@dataclass(frozen=True, slots=True)
class AudioObservations:
    """What a multimodal model heard (audio mode only); the spec's `audio_observations`."""

    call_quality: str  # good | fair | poor
    background_noise: str  # none | low | moderate | high
    agent_tone: str  # professional | friendly | neutral | rushed | frustrated
    supporter_tone: str  # happy | neutral | confused | frustrated | angry
    notes: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "call_quality": self.call_quality,
            "background_noise": self.background_noise,
            "agent_tone": self.agent_tone,
            "supporter_tone": self.supporter_tone,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class CallAnalysis:
    """A validated analysis of one call, ready to store."""

    summary: str
    sentiment_score: float
    key_topics: tuple[KeyTopic, ...]
    agent_actions_performed: tuple[AgentAction, ...]
    performance_scores: Mapping[str, int]
    action_items: tuple[ActionItem, ...] = ()
    compliance_flags: tuple[ComplianceFlag, ...] = ()
    speaker_metrics: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    audio_analysis: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    model_used: str = ""
    model_version: str | None = None
    processing_time_s: float = 0.0

    @property
    def sentiment_label(self) -> SentimentLabel:
        return sentiment_label_for(self.sentiment_score)

    @property
    def quality_score(self) -> float | None:
        return quality_score_for(self.performance_scores)

    def to_json(self) -> dict[str, Any]:
        """The analysis in the spec's shapes (what `angel analyse` prints; `db/results.py`
        stores it in `ai_call_analysis`)."""
        return {
            "summary": self.summary,
            "sentiment_score": _r(self.sentiment_score),
            "sentiment_label": self.sentiment_label.value,
            "key_topics": [t.to_json() for t in self.key_topics],
            "agent_actions_performed": [a.to_json() for a in self.agent_actions_performed],
            "performance_scores": dict(self.performance_scores),
            "action_items": [i.to_json() for i in self.action_items],
            "quality_score": self.quality_score,
            "compliance_flags": [f.to_json() for f in self.compliance_flags],
            "speaker_metrics": _plain(self.speaker_metrics),
            "audio_analysis": _plain(self.audio_analysis),
            "model_used": self.model_used,
            "model_version": self.model_version,
            "processing_time_seconds": max(0, round(self.processing_time_s)),
        }


def _plain(value: Any) -> Any:
    """Mappings and tuples as plain dicts and lists, for the JSON columns."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
