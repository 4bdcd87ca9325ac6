"""What the chat assistant and the monthly summaries are told: filters, a period, and the
figures the database computed for them (docs/chat.md).

The figures are computed in SQL (`db/insights.py`), never by the language model; the model only
words them, and every number it states is checked against them (`services/numbers.py`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any


class Feature(enum.StrEnum):
    """Which Pulse page asks: it selects the brief's emphasis (the spec's `feature`)."""

    CALL_QUALITY = "call_quality"
    COMPLIANCE = "compliance"
    SENTIMENT = "sentiment"
    TOPICS = "topics"
    AGENTS = "agents"


@dataclass(frozen=True, slots=True)
class Period:
    """Days from `start` to `end`, both included (by `ai_call_recordings.call_date`)."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (a calendar month's is the
        month before, whatever its length)."""
        if self.start.day == 1 and self.end == month_period(self.start.year, self.start.month).end:
            before = self.start - dt.timedelta(days=1)
            return month_period(before.year, before.month)
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def describe(self) -> str:
        """DD/MM/YYYY to DD/MM/YYYY, as prose shows dates."""
        return f"{self.start:%d/%m/%Y} to {self.end:%d/%m/%Y}"


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(dt.date(year, month, 1), dt.date(year, month, last))


@dataclass(frozen=True, slots=True)
class CallFilters:
    """The request's filters; None matches every value. `agent_id` is the agent's halo id."""

    client_ref: str | None = None
    campaign: str | None = None
    agent_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"client_ref": self.client_ref, "campaign": self.campaign, "agent_id": self.agent_id}


@dataclass(frozen=True, slots=True)
class SummaryKey:
    """The spec's unique key of a summary."""

    feature: str
    month: int
    year: int
    client_ref: str | None = None
    campaign: str | None = None
    agent_id: int | None = None

    def lock_name(self) -> str:
        """A name for GET_LOCK (at most 64 characters)."""
        digest = hashlib.sha256(repr(self).encode()).hexdigest()[:40]
        return f"angel_summary_{digest}"


@dataclass(frozen=True, slots=True)
class ChatTurn:
    """One message of a chat's history."""

    role: str  # user | assistant
    content: str


@dataclass(frozen=True, slots=True)
class Totals:
    """The headline figures of one period."""

    calls: int = 0
    completed: int = 0
    failed: int = 0
    analysed: int = 0
    sentiment_avg: float | None = None
    quality_avg: float | None = None
    compliance_flags: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "completed": self.completed,
            "failed": self.failed,
            "analysed": self.analysed,
            "sentiment_avg": self.sentiment_avg,
            "quality_avg": self.quality_avg,
            "compliance_flags": self.compliance_flags,
        }


@dataclass(frozen=True, slots=True)
class Count:
    """A name (topic, action, label, band) and how many analysed calls had it."""

    name: str
    count: int


@dataclass(frozen=True, slots=True)
class FlagCount:
    type: str
    severity: str
    count: int


@dataclass(frozen=True, slots=True)
class AgentFigures:
    halo_id: int
    agent_name: str | None
    calls: int
    quality_avg: float | None
    sentiment_avg: float | None
    compliance_flags: int


@dataclass(frozen=True, slots=True)
class CallNote:
    """One analysed call's summary (written from its redacted transcript), to quote."""

    apex_id: str
    call_date: dt.date | None
    summary: str
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything the database computed for a filter set and a period."""

    filters: CallFilters
    period: Period
    totals: Totals
    previous: Totals
    sentiment_labels: tuple[Count, ...] = ()
    quality_bands: tuple[Count, ...] = ()
    rubric_avgs: tuple[tuple[str, float], ...] = ()
    topics: tuple[Count, ...] = ()
    actions: tuple[Count, ...] = ()
    flags: tuple[FlagCount, ...] = ()
    agents: tuple[AgentFigures, ...] = ()
    notes: tuple[CallNote, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The figures as stored in `ai_monthly_summaries.metrics`."""
        change = {
            key: _change(getattr(self.totals, key), getattr(self.previous, key))
            for key in ("calls", "quality_avg", "sentiment_avg", "compliance_flags")
        }
        return {
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "filters": self.filters.to_json(),
            "totals": self.totals.to_json(),
            "previous_period": {
                "start": self.period.previous().start.isoformat(),
                "end": self.period.previous().end.isoformat(),
                **self.previous.to_json(),
            },
            "change": change,
            "sentiment_labels": {c.name: c.count for c in self.sentiment_labels},
            "quality_bands": {c.name: c.count for c in self.quality_bands},
            "rubric_averages": dict(self.rubric_avgs),
            "top_topics": [{"name": c.name, "count": c.count} for c in self.topics],
            "top_agent_actions": [{"action": c.name, "count": c.count} for c in self.actions],
            "compliance_flags": [
                {"type": f.type, "severity": f.severity, "count": f.count} for f in self.flags
            ],
            "agents": [
                {
                    "halo_id": a.halo_id,
                    "agent_name": a.agent_name,
                    "calls": a.calls,
                    "quality_avg": a.quality_avg,
                    "sentiment_avg": a.sentiment_avg,
                    "compliance_flags": a.compliance_flags,
                }
                for a in self.agents
            ],
        }


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return round(float(now) - float(before), 2)
