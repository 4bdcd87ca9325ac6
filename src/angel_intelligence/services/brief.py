"""The data brief: the database's figures written out for the chat model, within a budget.

The brief is the only thing the model may answer from. It is plain British English prose with
dates as DD/MM/YYYY, built from `domain.insights.Figures` (computed in SQL), its sections
ordered by the request's `feature` and cut to `budget_tokens` (the headline always stays, then
whole sections in order, then as many call summaries as fit). Each figure is also kept as a
`Fact` (a label and the value as written), which is what the number check repairs from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from angel_intelligence.domain.insights import Feature, Figures, Totals

CHARS_PER_TOKEN = 4
NOTE_MAX_CHARS = 300


def estimate_tokens(text: str) -> int:
    """Tokens a text takes, estimated as characters / 4 (English prose under the BPE
    tokenizers of Qwen2.5 and SmolLM2 averages 4 to 4.5 characters a token)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


@dataclass(frozen=True, slots=True)
class Fact:
    """One figure of the brief: what it measures, and its value as the brief writes it."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Brief:
    text: str
    facts: tuple[Fact, ...]
    figures: Figures
    calls_quoted: tuple[str, ...]
    """The apex ids of the call summaries the brief includes."""

    @property
    def tokens(self) -> int:
        return estimate_tokens(self.text)


def _num(value: float | None, digits: int = 1) -> str:
    return "none" if value is None else f"{value:.{digits}f}"


def _signed(now: float | None, before: float | None, digits: int = 1) -> str | None:
    if now is None or before is None:
        return None
    return f"{now - before:+.{digits}f}"


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "0.0%"


class _Writer:
    """Lines and facts, written together so that every fact is in the text."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.facts: list[Fact] = []

    def line(self, text: str, *facts: tuple[str, str]) -> None:
        self.lines.append(text)
        self.facts.extend(Fact(label, value) for label, value in facts)


def _scope(figures: Figures) -> str:
    f = figures.filters
    parts = [
        f"client {f.client_ref}" if f.client_ref else "all clients",
        f"campaign {f.campaign}" if f.campaign else "all campaigns",
        f"agent (halo id) {f.agent_id}" if f.agent_id is not None else "all agents",
    ]
    return ", ".join(parts)


def _headline(w: _Writer, figures: Figures) -> None:
    t, p = figures.totals, figures.previous
    period, before = figures.period, figures.period.previous()
    w.line(
        f"Data brief for {_scope(figures)}, calls dated {period.describe()} ({period.days} days).",
    )
    w.line(
        f"Calls: {t.calls} (completed {t.completed}, {_share(t.completed, t.calls)}; failed "
        f"{t.failed}, {_share(t.failed, t.calls)}; analysed {t.analysed}).",
        ("calls", str(t.calls)),
        ("completed calls", str(t.completed)),
        ("failed calls", str(t.failed)),
        ("analysed calls", str(t.analysed)),
    )
    change = t.calls - p.calls
    w.line(
        f"Previous period ({before.describe()}): {p.calls} calls, so a change of {change:+d} "
        "calls.",
        ("previous period calls", str(p.calls)),
        ("change in calls", f"{change:+d}"),
    )


def _quality(w: _Writer, figures: Figures) -> None:
    t, p = figures.totals, figures.previous
    line = f"Average quality score (0 to 100): {_num(t.quality_avg)}"
    facts = [("average quality score", _num(t.quality_avg))]
    if (delta := _signed(t.quality_avg, p.quality_avg)) is not None:
        line += f" (previous period {_num(p.quality_avg)}, change {delta})"
        facts += [("previous average quality score", _num(p.quality_avg))]
        facts += [("change in quality score", delta)]
    w.line(line + ".", *facts)
    if figures.quality_bands:
        bands = ", ".join(f"{c.name}: {c.count}" for c in figures.quality_bands)
        w.line(f"Calls by quality score band: {bands}.")
    if figures.rubric_avgs:
        rubric = ", ".join(f"{name} {avg:.1f}" for name, avg in figures.rubric_avgs)
        w.line(
            f"Average rubric scores (1 to 10): {rubric}.",
            *((f"average {name} score", f"{avg:.1f}") for name, avg in figures.rubric_avgs),
        )


def _sentiment(w: _Writer, figures: Figures) -> None:
    t, p = figures.totals, figures.previous
    line = f"Average sentiment score (-10 to 10): {_num(t.sentiment_avg, 2)}"
    facts = [("average sentiment score", _num(t.sentiment_avg, 2))]
    if (delta := _signed(t.sentiment_avg, p.sentiment_avg, 2)) is not None:
        line += f" (previous period {_num(p.sentiment_avg, 2)}, change {delta})"
        facts += [("change in sentiment score", delta)]
    w.line(line + ".", *facts)
    if figures.sentiment_labels:
        total = sum(c.count for c in figures.sentiment_labels)
        labels = ", ".join(
            f"{c.name.replace('_', ' ')} {c.count} ({_share(c.count, total)})"
            for c in figures.sentiment_labels
        )
        w.line(
            f"Calls by sentiment: {labels}.",
            *(
                (f"{c.name.replace('_', ' ')} sentiment calls", str(c.count))
                for c in figures.sentiment_labels
            ),
        )


def _compliance(w: _Writer, figures: Figures) -> None:
    t, p = figures.totals, figures.previous
    w.line(
        f"Compliance flags: {t.compliance_flags} in total (previous period {p.compliance_flags}).",
        ("compliance flags", str(t.compliance_flags)),
        ("previous period compliance flags", str(p.compliance_flags)),
    )
    if figures.flags:
        flags = ", ".join(f"{f.type} ({f.severity}) {f.count}" for f in figures.flags)
        w.line(
            f"Compliance flags by type (severity): {flags}.",
            *((f"{f.type.replace('_', ' ')} flags", str(f.count)) for f in figures.flags),
        )


def _topics(w: _Writer, figures: Figures) -> None:
    if figures.topics:
        topics = ", ".join(f"{c.name} {c.count}" for c in figures.topics)
        w.line(
            f"Top topics (calls): {topics}.",
            *((f"{c.name} topic calls", str(c.count)) for c in figures.topics),
        )
    if figures.actions:
        actions = ", ".join(f"{c.name} {c.count}" for c in figures.actions)
        w.line(
            f"Top agent actions (calls): {actions}.",
            *((f"{c.name} action calls", str(c.count)) for c in figures.actions),
        )


def _agents(w: _Writer, figures: Figures) -> None:
    if not figures.agents:
        return
    w.line("Agents (halo id, name: calls, average quality, average sentiment, flags):")
    for a in figures.agents:
        name = a.agent_name or "unnamed"
        w.line(
            f"- {a.halo_id}, {name}: {a.calls} calls, quality {_num(a.quality_avg)}, "
            f"sentiment {_num(a.sentiment_avg, 2)}, flags {a.compliance_flags}.",
            (f"{name} calls", str(a.calls)),
            (f"{name} quality score", _num(a.quality_avg)),
        )


_SECTIONS: dict[Feature, tuple[Callable[[_Writer, Figures], None], ...]] = {
    Feature.CALL_QUALITY: (_quality, _compliance, _sentiment, _topics, _agents),
    Feature.COMPLIANCE: (_compliance, _quality, _sentiment, _agents, _topics),
    Feature.SENTIMENT: (_sentiment, _quality, _topics, _compliance, _agents),
    Feature.TOPICS: (_topics, _sentiment, _quality, _compliance, _agents),
    Feature.AGENTS: (_agents, _quality, _compliance, _sentiment, _topics),
}


def build_brief(figures: Figures, feature: Feature, *, budget_tokens: int) -> Brief:
    """The brief for `figures`, its sections ordered by `feature`, within `budget_tokens`."""
    w = _Writer()
    _headline(w, figures)
    used = estimate_tokens("\n".join(w.lines))
    for section in _SECTIONS[feature]:
        part = _Writer()
        section(part, figures)
        cost = estimate_tokens("\n".join(part.lines)) + 1
        if used + cost > budget_tokens:
            continue  # a later, shorter section may still fit
        w.lines += part.lines
        w.facts += part.facts
        used += cost
    quoted: list[str] = []
    notes = [n for n in figures.notes if n.summary.strip()]
    if notes:
        header = "Calls most relevant to the question (cite them by apex id in square brackets):"
        used += estimate_tokens(header) + 1
        lines = []
        for note in notes:
            summary = " ".join(note.summary.split())[:NOTE_MAX_CHARS]
            when = f"{note.call_date:%d/%m/%Y}" if note.call_date else "undated"
            topics = f" ({', '.join(note.topics)})" if note.topics else ""
            line = f"[{note.apex_id}] {when}{topics}: {summary}"
            if used + estimate_tokens(line) + 1 > budget_tokens:
                break
            lines.append(line)
            quoted.append(note.apex_id)
            used += estimate_tokens(line) + 1
        if lines:
            w.lines += [header, *lines]
    return Brief("\n".join(w.lines), tuple(w.facts), figures, tuple(quoted))


def headline_answer(brief: Brief) -> str:
    """An answer made of the brief's own headline, for when every sentence the model wrote
    had to be removed."""
    t: Totals = brief.figures.totals
    parts = [
        f"From {brief.figures.period.describe()} there were {t.calls} calls "
        f"({t.completed} completed, {t.failed} failed)."
    ]
    if t.quality_avg is not None:
        parts.append(f"The average quality score was {_num(t.quality_avg)}.")
    if t.sentiment_avg is not None:
        parts.append(f"The average sentiment score was {_num(t.sentiment_avg, 2)}.")
    parts.append(f"There were {t.compliance_flags} compliance flags.")
    return " ".join(parts)


def no_data_answer(figures: Figures) -> str:
    """The answer when the filters match no calls (the model is not asked)."""
    return (
        f"There is no call data for {_scope(figures)} from {figures.period.describe()}: "
        "no calls match these filters, so there is nothing to report. Try a wider date range "
        "or fewer filters."
    )
