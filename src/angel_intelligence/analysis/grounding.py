"""The model judges and writes from the evidence; what it writes is checked against it (issue 16).

- **Before**: the config the model sees is narrowed to the candidates the evidence found (plus
  "none"), so the reply's schema cannot name a topic or action nobody raised; the prompt carries
  each candidate with its supporting turns (redacted text and times); the schema asks for no
  timestamps (0), no action items and no compliance flags, which come from the evidence.
- **After** (`check`): every topic and action has evidence; every timestamp lies inside the call;
  every due date is on or after the call date; the summary has 2–4 sentences, none repeated,
  ends on a complete sentence, and every number, amount, date word and proper noun in it
  appears in the transcript. A failed check is re-prompted
  with its reason; when every attempt fails, `fallback` writes the analysis from the evidence
  alone (an extractive or templated summary, no rubric scores), marked in `audio_analysis`.

The quality score is never the model's: it is the mean rubric score times 10
(`domain.analysis.quality_score_for`), computed when the analysis is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from angel_intelligence.analysis.client_config import ResolvedConfig
from angel_intelligence.analysis.evidence import Candidate, Evidence
from angel_intelligence.analysis.extractive import extractive_summary
from angel_intelligence.analysis.reply import AnalysisReply
from angel_intelligence.domain.analysis import (
    ActionItem,
    AgentAction,
    CallAnalysis,
    ComplianceFlag,
    KeyTopic,
)
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.language.british import to_british_english

NONE = "none"
"""The choice that means "none of the candidates"."""
MAX_EVIDENCE_CHARS = 160
"""Each supporting turn is quoted up to this many characters in the prompt."""
MIN_SENTENCES, MAX_SENTENCES = 2, 4

# --- Before the model -------------------------------------------------------------------------


def narrowed_config(config: ResolvedConfig, evidence: Evidence) -> ResolvedConfig:
    """The config with its topics and actions cut to the candidates found, plus "none"."""
    return replace(
        config,
        topics=(*(c.name for c in evidence.topics), NONE),
        agent_actions=(*(c.name for c in evidence.actions), NONE),
    )


TEMPLATED_SUMMARY = "Summary written from the evidence."
"""What a model that does not write the summary must reply with in its place."""


def restrict_schema(schema: dict[str, Any], *, model_summary: bool = True) -> dict[str, Any]:
    """The reply's schema with timestamps fixed at 0 and no action items or compliance flags:
    the evidence supplies them, so the model spends no tokens on them. Without `model_summary`
    (the bundled toy model, which rarely writes a faithful one) the summary is fixed too, and
    templated from the evidence afterwards."""
    properties = schema["properties"]
    if not model_summary:
        properties["summary"] = {"type": "string", "enum": [TEMPLATED_SUMMARY]}
    for name in ("key_topics", "agent_actions_performed"):
        item = properties[name]["items"]["properties"]
        for key in ("timestamp_start", "timestamp_end"):
            if key in item:
                item[key] = {"type": "number", "minimum": 0, "maximum": 0}
    for name in ("action_items", "compliance_flags"):
        properties[name]["maxItems"] = 0
    return schema


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_EVIDENCE_CHARS else text[: MAX_EVIDENCE_CHARS - 1] + "…"


def evidence_block(evidence: Evidence, model_summary: bool = True) -> str:
    """The evidence as the prompt shows it."""
    turns = evidence.turns

    def candidates(found: Sequence[Candidate]) -> list[str]:
        lines = []
        for candidate in found:
            lines.append(f"- {candidate.name} (confidence {candidate.confidence:.2f})")
            for s in candidate.support:
                turn = turns[s.turn]
                lines.append(f'    [{s.start_s:.1f}s] {turn.role.title()}: "{_quote(turn.text)}"')
        return lines or ["- (none found)"]

    parts = [
        "EVIDENCE found in the transcript before you (times in seconds):",
        "Topic candidates (choose those the call was really about, or none):",
        *candidates(evidence.topics),
        "Agent action candidates (choose those the agent really did, or none; rate quality 1-5):",
        *candidates(evidence.actions),
        f"Supporter sentiment (measured): {evidence.sentiment.label} "
        f"({evidence.sentiment.score:+.1f}), trend {evidence.sentiment.trend}.",
    ]
    if evidence.compliance:
        parts.append("Compliance issues (found by rules):")
        parts += [f"- [{f.start_s:.1f}s] {f.issue}" for f in evidence.compliance]
    if evidence.commitments:
        parts.append("Agent commitments:")
        parts += [f"- [{c.support.start_s:.1f}s] {c.description}" for c in evidence.commitments]
    summary = (
        "Write a short summary of a few complete sentences, in your own words, only from the "
        "transcript and this evidence: no names, numbers or dates that are not in the "
        "transcript, and no words from these instructions. "
        if model_summary
        else f'Reply with the summary "{TEMPLATED_SUMMARY}": it is written for you. '
    )
    parts.append(
        summary + "Timestamps, "
        "sentiment, action items and compliance flags are taken from the evidence: write 0 for "
        "every timestamp and leave action_items and compliance_flags empty."
    )
    return "\n".join(parts)


def with_evidence(
    messages: list[dict[str, Any]], evidence: Evidence, model_summary: bool = True
) -> list[dict[str, Any]]:
    """The messages with the evidence block at the end of the user message (before any
    feedback, which `Prompt.with_feedback` adds after it)."""
    out = [dict(m) for m in messages]
    out[-1]["content"] = f"{out[-1]['content']}\n\n{evidence_block(evidence, model_summary)}"
    return out


# --- The analysis from the reply and the evidence -------------------------------------------


def _topic(candidate: Candidate) -> KeyTopic:
    return KeyTopic(candidate.name, candidate.confidence, candidate.start_s, candidate.end_s)


def action_items(evidence: Evidence) -> tuple[ActionItem, ...]:
    return tuple(ActionItem(c.description, c.priority, c.due_date) for c in evidence.commitments)


def compliance_flags(evidence: Evidence) -> tuple[ComplianceFlag, ...]:
    return tuple(
        ComplianceFlag(f.rule, f.issue, f.severity, f.start_s, f.end_s) for f in evidence.compliance
    )


def _by_keyword(candidate: Candidate) -> bool:
    return any(s.cue.startswith("keyword") for s in candidate.support)


def grounded_parts(
    reply: AnalysisReply,
    evidence: Evidence,
    *,
    model_summary: bool = True,
    evidence_summary_text: str | None = None,
) -> dict[str, Any]:
    """The fields of the analysis: the model's choices among the candidates and its prose and
    rubric; times, sentiment, action items and flags from the evidence. A name the model chose
    that is not a candidate is kept here, so that `check` can reject it.

    Without `model_summary` (compact output: the bundled toy model) the evidence also decides
    what keywords found: a candidate with a keyword in its turns is kept even when the model
    left it out (measured on the held-out calls, the toy model dropped half the right ones),
    and the model judges only the candidates found by similarity."""
    topics = {c.name: c for c in evidence.topics}
    actions = {c.name: c for c in evidence.actions}
    key_topics = []
    for chosen in dict.fromkeys(t.name for t in reply.key_topics if t.name != NONE):
        found = topics.get(chosen)
        key_topics.append(_topic(found) if found else KeyTopic(chosen, 0.0, -1.0, -1.0))
    performed: list[AgentAction] = []
    for action in reply.agent_actions_performed:
        if action.action == NONE or any(a.action == action.action for a in performed):
            continue
        found_action = actions.get(action.action)
        start = found_action.start_s if found_action else -1.0
        performed.append(AgentAction(action.action, start, action.quality))
    if not model_summary:
        chosen_topics = {t.name for t in key_topics}
        key_topics += [_topic(c) for c in evidence.topics if _by_keyword(c) and
                       c.name not in chosen_topics]  # fmt: skip
        chosen_actions = {a.action for a in performed}
        performed += [AgentAction(c.name, c.start_s, 3) for c in evidence.actions
                      if _by_keyword(c) and c.name not in chosen_actions]  # fmt: skip
    return {
        "summary": reply.summary.strip()
        if model_summary
        else (evidence_summary_text or templated_summary(evidence)),
        "sentiment_score": evidence.sentiment.score,
        "key_topics": tuple(key_topics),
        "agent_actions_performed": tuple(performed),
        "performance_scores": MappingProxyType(dict(reply.performance_scores)),
        "action_items": action_items(evidence),
        "compliance_flags": compliance_flags(evidence),
    }


# --- Checks after the model ------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_NUMBER = re.compile(r"£?\d[\d,]*(?:\.\d+)?%?")
_NUMBER_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "half",
    ]
)
_DATE_WORDS = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "tomorrow",
        "yesterday",
        "today",
    ]
)
_ALWAYS_ALLOWED = frozenset({"the", "agent", "supporter", "i", "a", "an", "uk", "british"})
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def summary_problems(summary: str, transcript_text: str, names: Iterable[str] = ()) -> list[str]:
    """Why the summary cannot be saved (empty when it can). `names`: configured topic and action
    names, which the summary may quote (“…”) though the transcript does not say them."""
    problems = []
    for name in names:
        summary = summary.replace(f"“{name}”", "it")
    said = transcript_text.lower()
    said_words = set(_WORD.findall(said))
    parts = sentences(summary)
    if not MIN_SENTENCES <= len(parts) <= MAX_SENTENCES:
        problems.append(f"the summary must have 2 to 4 sentences; it has {len(parts)}")
    normalised = [re.sub(r"\W+", " ", p.lower()).strip() for p in parts]
    if len(set(normalised)) < len(normalised):
        problems.append("the summary repeats a sentence")
    if not summary.rstrip().endswith((".", "!", "?")):
        problems.append("the summary does not end on a complete sentence")
    invented: list[str] = []
    for number in _NUMBER.findall(summary):
        digits = number.strip("£%").replace(",", "")
        if digits and digits not in said.replace(",", ""):
            invented.append(number)
    for part in parts:
        words = _WORD.findall(part)
        for index, word in enumerate(words):
            lower = word.lower().strip("'’")
            if lower in _ALWAYS_ALLOWED:
                continue
            checked = (
                lower in _NUMBER_WORDS or lower in _DATE_WORDS or (index > 0 and word[0].isupper())
            )
            if checked and lower not in said_words and lower.rstrip("s") not in said_words:
                invented.append(word)
    if invented:
        listed = ", ".join(dict.fromkeys(invented))
        problems.append(f"the summary names what the transcript does not say: {listed}")
    return problems


def check(
    parts: Mapping[str, Any],
    evidence: Evidence,
    transcript: Transcript,
    *,
    model_summary: bool = True,
) -> list[str]:
    """Every check after the model (see the module docstring); the problems found. A templated
    summary (`model_summary` False) names only what the evidence found, and is not checked."""
    problems = []
    topics = {c.name for c in evidence.topics}
    actions = {c.name for c in evidence.actions}
    duration = max(evidence.duration_s, transcript.duration_s)
    for topic in parts["key_topics"]:
        if topic.name not in topics:
            problems.append(f"the topic {topic.name!r} has no evidence in the transcript")
        elif not 0 <= topic.timestamp_start <= topic.timestamp_end <= duration:
            problems.append(f"the topic {topic.name!r} has a time outside the call")
    for action in parts["agent_actions_performed"]:
        if action.action not in actions:
            problems.append(f"the action {action.action!r} has no evidence in the agent's turns")
        elif not 0 <= action.timestamp_start <= duration:
            problems.append(f"the action {action.action!r} has a time outside the call")
    for flag in parts["compliance_flags"]:
        if flag.timestamp_start is None or not 0 <= flag.timestamp_start <= duration:
            problems.append(f"the compliance flag {flag.type!r} has a time outside the call")
    for item in parts["action_items"]:
        if item.due_date is not None and item.due_date < evidence.call_date:
            problems.append(f"an action item is due on {item.due_date}, before the call")
    if model_summary:
        text = " ".join(s.text for s in transcript.segments)
        problems += summary_problems(parts["summary"], text)  # no quoting of the config
    return problems


# --- The fallback: the evidence alone ------------------------------------------------------


def _listed(names: Iterable[str]) -> str:
    items = [f"“{n}”" for n in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def templated_summary(evidence: Evidence) -> str:
    """A plain summary that says only what the evidence found (2–4 sentences)."""
    topics = [c.name for c in evidence.topics[:3]]
    actions = [c.name for c in evidence.actions[:3]]
    first = (
        f"The call was about {_listed(topics)}."
        if topics
        else "No configured topic was found in the call."
    )
    second = (
        f"The agent's actions found were {_listed(actions)}."
        if actions
        else "No configured agent action was found."
    )
    third = f"The supporter's sentiment was {evidence.sentiment.label.replace('_', ' ')}."
    fourth = " The compliance rules found issues to review." if evidence.compliance else ""
    return f"{first} {second} {third}{fourth}"


SUMMARY_STYLES = ("extractive", "templated")
DEFAULT_SUMMARY_STYLE = "extractive"
"""The summary when the model writes none (docs/analysis.md, "The summary without the model")."""


def evidence_summary(evidence: Evidence, style: str = DEFAULT_SUMMARY_STYLE) -> tuple[str, str]:
    """The summary written without the model, and how (`audio_analysis.summary_source`):
    "extractive" (the call's own sentences, `extractive.py`) when asked for and when it passes
    every summary check, else "templated" (`templated_summary`)."""
    if style not in SUMMARY_STYLES:
        raise ValueError(f"unknown summary style {style!r}; expected one of {SUMMARY_STYLES}")
    if style == "extractive":
        summary = extractive_summary(evidence)
        said = " ".join(t.text for t in evidence.turns)
        if summary is not None:
            summary = to_british_english(summary)
            if not summary_problems(summary, said):
                return summary, "extractive"
    return templated_summary(evidence), "templated"


def fallback_parts(evidence: Evidence, summary: str | None = None) -> dict[str, Any]:
    """The analysis from the evidence alone: every candidate, no rubric scores (nothing
    measured them), the given summary (default: the templated one)."""
    return {
        "summary": summary or templated_summary(evidence),
        "sentiment_score": evidence.sentiment.score,
        "key_topics": tuple(_topic(c) for c in evidence.topics),
        "agent_actions_performed": tuple(
            AgentAction(c.name, c.start_s, 3) for c in evidence.actions
        ),
        "performance_scores": MappingProxyType({}),
        "action_items": action_items(evidence),
        "compliance_flags": compliance_flags(evidence),
    }


def evidence_record(evidence: Evidence, source: str, reason: str | None) -> dict[str, Any]:
    """What `audio_analysis` keeps about the evidence: who wrote the analysis and why."""
    return {
        "analysis_source": source,
        "analysis_source_reason": reason,
        "evidence_seconds": round(evidence.seconds, 3),
    }


def analysis_from(
    parts: Mapping[str, Any],
    *,
    speaker_metrics: Mapping[str, Any],
    audio_analysis: Mapping[str, Any],
    model_used: str,
    model_version: str | None,
    processing_time_s: float,
) -> CallAnalysis:
    return CallAnalysis(
        **parts,
        speaker_metrics=MappingProxyType(dict(speaker_metrics)),
        audio_analysis=MappingProxyType(dict(audio_analysis)),
        model_used=model_used,
        model_version=model_version,
        processing_time_s=processing_time_s,
    )
