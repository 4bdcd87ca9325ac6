"""Parsing and validating the language model's reply: nothing invalid gets through.

Validation always runs, even after constrained decoding: servers fall back to unconstrained
output silently (research/ecosystem.md), and the schema cannot say everything (a topic's end
after its start, timestamps inside the call, the prompt not copied into the summary).

A rejected reply raises `ReplyRejected` with `kind` "parse" (not one JSON object: empty, the
prompt echoed, prose around the JSON, cut off) or "validation" (JSON, but not a valid
analysis for this config), and a reason that names fields and enum values but never quotes
the reply's prose, which may hold personal data.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from angel_intelligence.analysis.client_config import ResolvedConfig
from angel_intelligence.analysis.schema import (
    COMPLIANCE_TYPE_PATTERN,
    OutputLimits,
    timestamp_max_s,
)
from angel_intelligence.domain.analysis import AnalysisMode

LEAK_NGRAM = 7  # words in a row shared with the prompt's instructions that count as a leak
PROSE_FIELDS = ("summary", "description", "issue", "notes")
_TEMPLATE_MARKERS = (
    "<transcript",
    "</transcript",
    "<config",
    "</config",
    "<audio",
    "config.topics",
    "config.agent_actions",
    "config.performance_rubric",
)
_MAX_PROBLEMS = 5
# Prose never holds braces or tags: they mean a template placeholder or JSON was copied.
# (PII placeholders such as [POSTCODE] use square brackets and may appear.)
_SYNTAX = re.compile(r"[{}]|<\s*/?\s*[A-Za-z_][^<>]*>")
_WORD = re.compile(r"[A-Za-z]{2,}")


class ReplyRejected(Exception):
    """The reply is not a valid analysis; `kind` is "parse" or "validation"."""

    def __init__(self, kind: Literal["parse", "validation"], reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9£']+", text.lower())


def ngrams(text: str, n: int = LEAK_NGRAM) -> frozenset[tuple[str, ...]]:
    tokens = words(text)
    return frozenset(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class ReplyContext:
    """What a reply is checked against."""

    config: ResolvedConfig
    mode: AnalysisMode
    duration_s: float = 0.0
    limits: OutputLimits = field(default_factory=OutputLimits)
    prompt_ngrams: frozenset[tuple[str, ...]] = frozenset()

    def leaks(self, text: str) -> bool:
        lowered = text.lower()
        if any(marker in lowered for marker in _TEMPLATE_MARKERS):
            return True
        return not self.prompt_ngrams.isdisjoint(ngrams(text))


# --- The reply's shape ---------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class TopicReply(_Strict):
    name: str
    confidence: float = Field(ge=0, le=1)
    timestamp_start: float = Field(ge=0)
    timestamp_end: float = Field(ge=0)


class ActionReply(_Strict):
    action: str
    timestamp_start: float = Field(ge=0)
    quality: int = Field(ge=1, le=5)


class ActionItemReply(_Strict):
    description: str
    priority: Literal["low", "medium", "high"]
    due_date: dt.date | None


class ComplianceFlagReply(_Strict):
    type: str = Field(pattern=COMPLIANCE_TYPE_PATTERN)
    issue: str
    severity: Literal["low", "medium", "high", "critical"]
    timestamp_start: float | None = Field(ge=0)
    timestamp_end: float | None = Field(ge=0)


class AudioObservationsReply(_Strict):
    call_quality: Literal["good", "fair", "poor"]
    background_noise: Literal["none", "low", "moderate", "high"]
    agent_tone: Literal["professional", "friendly", "neutral", "rushed", "frustrated"]
    supporter_tone: Literal["happy", "neutral", "confused", "frustrated", "angry"]
    notes: str


class AnalysisReply(_Strict):
    """The model's answer, after validation against the call's config."""

    summary: str
    sentiment_score: float = Field(ge=-10, le=10)
    supporter_sentiment_trend: Literal["positive", "neutral", "negative", "improving", "declining"]
    key_topics: list[TopicReply]
    agent_actions_performed: list[ActionReply]
    performance_scores: dict[str, int]
    action_items: list[ActionItemReply]
    compliance_flags: list[ComplianceFlagReply]
    audio_observations: AudioObservationsReply | None = None

    @model_validator(mode="after")
    def _against_config(self, info: ValidationInfo) -> AnalysisReply:
        context = info.context
        if not isinstance(context, ReplyContext):
            return self
        problems = list(_config_problems(self, context))
        if problems:
            raise ValueError(_join(problems))
        return self


def _config_problems(reply: AnalysisReply, ctx: ReplyContext) -> Iterable[str]:
    config, limits = ctx.config, ctx.limits
    topics, actions, rubric = (
        set(config.topics),
        set(config.agent_actions),
        config.performance_rubric,
    )
    max_s = timestamp_max_s(ctx.duration_s)
    yield from _length("summary", reply.summary, limits.summary_min_chars, limits.summary_max_chars)
    yield from _count("key_topics", reply.key_topics, limits.min_topics, limits.max_topics)
    for i, topic in enumerate(reply.key_topics):
        where = f"key_topics[{i}]"
        if topic.name not in topics:
            yield f"{where}.name {_short(topic.name)} is not one of the configured topics"
        yield from _span(where, topic.timestamp_start, topic.timestamp_end, max_s)
    yield from _count(
        "agent_actions_performed", reply.agent_actions_performed, 0, limits.max_actions
    )
    for i, action in enumerate(reply.agent_actions_performed):
        where = f"agent_actions_performed[{i}]"
        if action.action not in actions:
            name = _short(action.action)
            yield f"{where}.action {name} is not one of the configured agent actions"
        yield from _span(where, action.timestamp_start, None, max_s)
    missing = [key for key in rubric if key not in reply.performance_scores]
    extra = [key for key in reply.performance_scores if key not in set(rubric)]
    if missing:
        yield f"performance_scores is missing {', '.join(_short(k) for k in missing)}"
    if extra:
        yield f"performance_scores has {', '.join(_short(k) for k in extra)}, not in the rubric"
    for key, score in reply.performance_scores.items():
        if not 1 <= score <= 10:
            yield f"performance_scores[{_short(key)}] is {score}; scores are 1 to 10"
    yield from _count("action_items", reply.action_items, 0, limits.max_action_items)
    for i, item in enumerate(reply.action_items):
        yield from _length(
            f"action_items[{i}].description",
            item.description,
            limits.text_min_chars,
            limits.description_max_chars,
        )
    yield from _count("compliance_flags", reply.compliance_flags, 0, limits.max_compliance_flags)
    for i, flag in enumerate(reply.compliance_flags):
        where = f"compliance_flags[{i}]"
        yield from _length(
            f"{where}.issue", flag.issue, limits.text_min_chars, limits.issue_max_chars
        )
        yield from _span(where, flag.timestamp_start, flag.timestamp_end, max_s)
    if ctx.mode is AnalysisMode.AUDIO and reply.audio_observations is None:
        yield "audio_observations is required in audio mode"
    if ctx.mode is AnalysisMode.TRANSCRIPT and reply.audio_observations is not None:
        yield "audio_observations is only given in audio mode"
    if reply.audio_observations is not None:
        obs = reply.audio_observations
        yield from _length(
            "audio_observations.notes", obs.notes, limits.text_min_chars, limits.notes_max_chars
        )
    for name, text in _prose(reply):
        if ctx.leaks(text):
            yield f"{name} repeats the prompt's instructions instead of describing the call"
        elif _SYNTAX.search(text):
            yield f"{name} contains template or JSON syntax ({{ }} or <tags>) instead of prose"
        elif len(_WORD.findall(text)) < 3:
            yield f"{name} is not prose (fewer than three words)"


def _prose(reply: AnalysisReply) -> Iterable[tuple[str, str]]:
    yield "summary", reply.summary
    for i, item in enumerate(reply.action_items):
        yield f"action_items[{i}].description", item.description
    for i, flag in enumerate(reply.compliance_flags):
        yield f"compliance_flags[{i}].issue", flag.issue
    if reply.audio_observations is not None:
        yield "audio_observations.notes", reply.audio_observations.notes


def _length(where: str, text: str, low: int, high: int) -> Iterable[str]:
    if len(text.strip()) < low:
        yield f"{where} is shorter than {low} characters"
    elif len(text) > high:
        yield f"{where} is {len(text)} characters; at most {high}"


def _count(where: str, items: list[Any], low: int, high: int) -> Iterable[str]:
    if len(items) < low:
        yield f"{where} needs at least {low} item{'s' if low != 1 else ''}"
    elif len(items) > high:
        yield f"{where} has {len(items)} items; at most {high}"


def _span(where: str, start: float | None, end: float | None, max_s: float) -> Iterable[str]:
    for name, value in (("timestamp_start", start), ("timestamp_end", end)):
        if value is not None and value > max_s:
            yield f"{where}.{name} {value:g} is after the end of the call ({max_s:g} s)"
    if start is not None and end is not None and end < start:
        yield f"{where}.timestamp_end {end:g} is before its timestamp_start {start:g}"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "…'"


def _join(problems: list[str]) -> str:
    shown = problems[:_MAX_PROBLEMS]
    more = len(problems) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more else "")


# --- Parsing ---------------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ReplyRejected("parse", f"the reply repeats the key {_short(key)}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ReplyRejected("parse", f"the reply contains {name}, which is not a JSON number")


def parse_reply(text: str, context: ReplyContext) -> AnalysisReply:
    """The validated reply, or ReplyRejected saying exactly what is wrong."""
    stripped = text.strip()
    if not stripped:
        raise ReplyRejected("parse", "the reply is empty")
    if not stripped.startswith("{"):
        if context.leaks(stripped):
            raise ReplyRejected(
                "parse", "the reply repeats the prompt instead of answering with JSON"
            )
        if "{" in stripped:
            raise ReplyRejected(
                "parse",
                "the reply has text before the JSON object; reply with the JSON object only",
            )
        raise ReplyRejected("parse", "the reply is not JSON")
    decoder = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    try:
        data, end = decoder.raw_decode(stripped)
    except json.JSONDecodeError as error:
        if error.pos >= len(stripped) - 1 or "Unterminated string" in error.msg:
            raise ReplyRejected(
                "parse", f"the reply is cut off: the JSON ends early ({error.msg}); keep it shorter"
            ) from None
        raise ReplyRejected(
            "parse", f"the reply is not valid JSON: {error.msg} at character {error.pos}"
        ) from None
    if stripped[end:].strip():
        raise ReplyRejected(
            "parse", "the reply has text after the JSON object; reply with the JSON object only"
        )
    if not isinstance(data, dict):
        raise ReplyRejected("parse", f"the reply is a JSON {type(data).__name__}, not an object")
    try:
        return AnalysisReply.model_validate_json(stripped, context=context)
    except ValidationError as error:
        raise ReplyRejected("validation", describe_validation_error(error)) from None


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem: the field's path, what is wrong, and the value unless it is prose."""
    problems = []
    for item in error.errors(include_url=False, include_context=False):
        path = _path(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if not path:
            problems.extend(message.split("; "))
            continue
        value = item.get("input")
        shown = ""
        last = str(item["loc"][-1]) if item["loc"] else ""
        quotable = value is None or isinstance(value, bool | int | float)
        quotable = quotable or (isinstance(value, str) and len(value) <= 60)
        if item["type"] not in ("missing", "extra_forbidden") and last not in PROSE_FIELDS:
            shown = f" (got {value!r})" if quotable else ""
        problems.append(f"{path}: {message}{shown}")
    return _join(problems)


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("function-after", "model-after") or "[" in str(part):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path
