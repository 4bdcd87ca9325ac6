"""What evidence extraction finds in a call, before any language model reads it.

Every finding points at the turns that support it (their index, times and redacted text), so a
timestamp in the saved analysis is always the start of a turn that was said, never a number a
model wrote (docs/analysis.md, "Evidence").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from angel_intelligence.domain.transcript import Transcript


@dataclass(frozen=True, slots=True)
class Turn:
    """One segment of the redacted, speaker-labelled transcript."""

    index: int
    role: str
    """"agent" (any agent voice), "supporter", or "unknown" (an unlabelled segment)."""
    start_s: float
    end_s: float
    text: str


def turns_of(transcript: Transcript) -> tuple[Turn, ...]:
    """The transcript's segments with words in them, as turns."""
    turns: list[Turn] = []
    for segment in transcript.segments:
        text = segment.text.strip()
        if not text:
            continue
        if segment.speaker is None:
            role = "unknown"
        else:
            role = "agent" if segment.speaker.is_agent else "supporter"
        turns.append(Turn(len(turns), role, segment.start_s, segment.end_s, text))
    return tuple(turns)


@dataclass(frozen=True, slots=True)
class Support:
    """A turn that supports a finding, and why."""

    turn: int
    start_s: float
    end_s: float
    score: float
    """0–1: how strongly the turn supports it."""
    cue: str
    """What was found: `keyword "gift aid"`, `similarity 0.62`, a rule's cue."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A configured topic or agent action found in the call."""

    name: str
    confidence: float
    support: tuple[Support, ...]
    """The supporting turns, in time order (at least one)."""

    @property
    def start_s(self) -> float:
        return self.support[0].start_s

    @property
    def end_s(self) -> float:
        return max(s.end_s for s in self.support)


@dataclass(frozen=True, slots=True)
class TurnSentiment:
    turn: int
    start_s: float
    compound: float
    """VADER's compound score, −1 to 1."""


@dataclass(frozen=True, slots=True)
class SentimentEvidence:
    """The supporter's sentiment on the spec's scales."""

    score: float
    """−10 to 10 (`sentiment_score`)."""
    label: str
    """`sentiment_label`, from the score by `domain.analysis.sentiment_label_for`."""
    trend: str
    """`speaker_metrics.supporter.sentiment_trend`: improving, declining, positive, neutral or
    negative."""
    turns: tuple[TurnSentiment, ...]


@dataclass(frozen=True, slots=True)
class ComplianceFinding:
    """A compliance rule broken, where."""

    rule: str
    """The rule's name (`analysis/evidence/compliance.py`), stored as the flag's `type`."""
    issue: str
    severity: str
    support: tuple[Support, ...]

    @property
    def start_s(self) -> float:
        return self.support[0].start_s

    @property
    def end_s(self) -> float:
        return max(s.end_s for s in self.support)


@dataclass(frozen=True, slots=True)
class Commitment:
    """Something the agent said they (or the charity) would do: an action item."""

    description: str
    priority: str
    due_date: dt.date | None
    """Resolved against the call date; never before it. None when no time was said."""
    support: Support


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything extraction found in one call."""

    turns: tuple[Turn, ...]
    topics: tuple[Candidate, ...]
    actions: tuple[Candidate, ...]
    sentiment: SentimentEvidence
    compliance: tuple[ComplianceFinding, ...]
    commitments: tuple[Commitment, ...]
    call_date: dt.date
    duration_s: float
    seconds: float = 0.0
    """How long extraction took."""
