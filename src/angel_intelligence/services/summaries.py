"""Monthly summaries (`POST /api/summary/generate`, `angel summaries generate`).

The month's figures come from SQL, as the chat brief's do, with the change against the month
before, and are stored in `metrics`. The chat model writes `summary_data` = {`summary`,
`key_insights`, `recommendations`} under a JSON schema (constrained decoding where the backend
can, then validated, re-prompted with the reason), in British English, and every number it
states is checked against the brief as a chat answer's is. A month without calls gets a summary
that says so, without the model. The row is upserted on the spec's unique key under a lock
(`db/summaries.py`), so generating again, or twice at once, leaves one row.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from angel_intelligence.db.insights import InsightsRepository
from angel_intelligence.db.summaries import SummaryRepository
from angel_intelligence.domain.insights import (
    CallFilters,
    Feature,
    Figures,
    SummaryKey,
    month_period,
)
from angel_intelligence.errors import (
    ChatModelFailedError,
    ChatModelUnavailableError,
    ModelLoadError,
    SummaryNotFoundError,
)
from angel_intelligence.language.british import to_british_english
from angel_intelligence.logging import get_logger
from angel_intelligence.ports import LanguageModel
from angel_intelligence.services.brief import Brief, build_brief, estimate_tokens, headline_answer
from angel_intelligence.services.chat import ChatOptions
from angel_intelligence.services.numbers import Allowed, repair, unsupported

log = get_logger(__name__)

MAX_ITEMS = 5
_PROSE = r"^[^{}<>\n]*$"  # one paragraph, no template or JSON syntax
CHARS_PER_TOKEN_WORST = 3  # JSON-escaped prose under a small BPE vocabulary


@dataclass(frozen=True, slots=True)
class SummaryLimits:
    """How long `summary_data` may be: the full size, or compact for the bundled toy model
    on a CPU (as the analysis's ANALYSIS_COMPACT_OUTPUT)."""

    summary_max_chars: int = 900
    items: int = MAX_ITEMS
    item_max_chars: int = 300

    def max_new_tokens(self) -> int:
        """Enough tokens for the longest reply the schema allows, so it is never cut short."""
        chars = self.summary_max_chars + 2 * self.items * (self.item_max_chars + 4)
        return chars // CHARS_PER_TOKEN_WORST + 64


COMPACT = SummaryLimits(summary_max_chars=320, items=2, item_max_chars=120)


def summary_schema(limits: SummaryLimits) -> dict[str, Any]:
    """The JSON schema `summary_data` is decoded under."""
    item = {
        "type": "string",
        "minLength": 10,
        "maxLength": limits.item_max_chars,
        "pattern": _PROSE,
    }
    items = {"type": "array", "minItems": 1, "maxItems": limits.items, "items": item}
    return {
        "title": "monthly_summary",
        "type": "object",
        "properties": {
            "summary": {
                "type": "string",
                "minLength": 40,
                "maxLength": limits.summary_max_chars,
                "pattern": _PROSE,
            },
            "key_insights": items,
            "recommendations": items,
        },
        "required": ["summary", "key_insights", "recommendations"],
        "additionalProperties": False,
    }


SUMMARY_PROMPT = (
    "You write the monthly summary of a UK charity contact centre's calls for its managers. "
    "Use only the data brief below: state only numbers that appear in it, exactly as written, "
    "and never invent a figure. Reply with JSON: `summary` (one paragraph on the month, "
    "including the change against the previous month), `key_insights` (a few short "
    "findings) and `recommendations` (a few short, practical actions). British English."
    "\n\n"
)


class SummaryReply(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    summary: str = Field(min_length=1, max_length=SummaryLimits().summary_max_chars)
    key_insights: list[str] = Field(max_length=MAX_ITEMS)
    recommendations: list[str] = Field(max_length=MAX_ITEMS)


@dataclass(frozen=True, slots=True)
class GeneratedSummary:
    id: int
    summary_data: dict[str, Any]
    metrics: dict[str, Any]


def _month_name(key: SummaryKey) -> str:
    return f"{month_period(key.year, key.month).start:%B %Y}"


def _no_calls(key: SummaryKey, figures: Figures) -> dict[str, Any]:
    scope = figures.filters
    parts = [p for p in (scope.client_ref, scope.campaign) if p]
    if scope.agent_id is not None:
        parts.append(f"agent {scope.agent_id}")
    who = f" for {', '.join(parts)}" if parts else ""
    return {
        "summary": f"There were no calls{who} in {_month_name(key)}, so there is nothing to "
        "summarise for this month.",
        "key_insights": [],
        "recommendations": [],
    }


class SummaryService:
    def __init__(
        self,
        insights: InsightsRepository,
        summaries: SummaryRepository,
        model: Callable[[], LanguageModel],
        options: ChatOptions,
    ) -> None:
        self._insights = insights
        self._summaries = summaries
        self._model = model
        self.options = options

    def generate(self, key: SummaryKey) -> GeneratedSummary:
        """Compute, write and store the summary of `key`; raises ChatModelUnavailableError
        or ChatModelFailedError (nothing is stored then)."""
        started = time.monotonic()
        filters = CallFilters(key.client_ref, key.campaign, key.agent_id)
        figures = self._insights.figures(filters, month_period(key.year, key.month), notes=3)
        metrics = figures.to_json()
        if figures.totals.calls == 0:
            summary_data = _no_calls(key, figures)
            metrics["generation"] = {"model": None, "no_data": True}
        else:
            try:
                model = self._model()
            except ModelLoadError as error:
                raise ChatModelUnavailableError(error.message) from error
            brief = build_brief(
                figures, Feature(key.feature), budget_tokens=self.options.brief_max_tokens
            )
            summary_data, generation = self._write(model, brief, key)
            metrics["generation"] = generation
        metrics["generation"]["duration_ms"] = round((time.monotonic() - started) * 1000)
        summary_id = self._summaries.upsert(key, summary_data, metrics)
        log.info(
            "summary_generated",
            summary_id=summary_id,
            month=key.month,
            year=key.year,
            calls=figures.totals.calls,
            duration_ms=metrics["generation"]["duration_ms"],
        )
        return GeneratedSummary(summary_id, summary_data, metrics)

    def _write(
        self, model: LanguageModel, brief: Brief, key: SummaryKey
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        allowed = Allowed.of(brief.text)
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SUMMARY_PROMPT + brief.text},
            {"role": "user", "content": f"Write the summary for {_month_name(key)}."},
        ]
        prompt_tokens = sum(estimate_tokens(m["content"]) for m in messages)
        limits = COMPACT if model.model_version == "bundled" else SummaryLimits()
        schema = summary_schema(limits)
        tokens, attempts, problem = 0, 0, ""
        reply: SummaryReply | None = None
        bad: list[str] = []
        while True:
            attempts += 1
            try:
                raw = model.generate(
                    messages,
                    json_schema=schema,
                    max_new_tokens=limits.max_new_tokens(),
                )
            except ModelLoadError as error:
                raise ChatModelUnavailableError(error.message) from error
            except Exception as error:
                log.warning("summary_generation_failed", error_type=type(error).__name__)
                raise ChatModelFailedError() from error
            tokens += prompt_tokens + estimate_tokens(raw)
            try:
                parsed = SummaryReply.model_validate(json.loads(raw))
            except (ValueError, ValidationError) as error:
                problem = f"the reply is not valid JSON for the schema ({type(error).__name__})"
                reason = f"Your reply was not usable: {problem}. Reply with the JSON only."
            else:
                reply = _british(parsed)
                bad = _unsupported(reply, allowed)
                if not bad:
                    break
                reason = (
                    f"Your summary stated numbers that are not in the data brief: "
                    f"{', '.join(bad)}. Write it again, stating only numbers exactly as the "
                    "brief writes them."
                )
            if attempts > self.options.max_regenerations:
                break
            messages += [
                {"role": "assistant", "content": raw},
                {"role": "user", "content": reason},
            ]
            prompt_tokens += estimate_tokens(raw) + estimate_tokens(reason)
        check: dict[str, Any] = {"passed": not bad, "regenerations": attempts - 1}
        source: dict[str, Any] = {"source": "model"}
        if reply is None:
            # No usable JSON after the re-prompts (a small model loops until the schema's
            # length runs out): the month's figures are true whatever the model does, so the
            # summary is written from the brief alone and says so, rather than none at all.
            log.warning("summary_from_brief", attempts=attempts, problem=problem)
            reply = SummaryReply(
                summary=headline_answer(brief), key_insights=[], recommendations=[]
            )
            check = {"passed": True, "regenerations": attempts - 1}
            source = {"source": "brief", "reason": problem}
        elif bad:
            reply, done = _repaired(reply, brief)
            check |= {"unsupported": bad, **done}
        generation = {
            "model": model.model_name,
            "model_version": model.model_version,
            "tokens_used": tokens,
            "number_check": check,
            **source,
        }
        return reply.model_dump(), generation

    def clients(self, month: int, year: int) -> list[str]:
        """The clients with calls in the month (what `--all-clients` summarises)."""
        return self._insights.clients(month_period(year, month))

    def get(self, summary_id: int) -> dict[str, Any]:
        found = self._summaries.get(summary_id)
        if found is None:
            raise SummaryNotFoundError(f"No summary with id {summary_id}.")
        return found

    def find(self, **filters: Any) -> list[dict[str, Any]]:
        return self._summaries.find(**filters)


def _texts(reply: SummaryReply) -> list[str]:
    return [reply.summary, *reply.key_insights, *reply.recommendations]


def _british(reply: SummaryReply) -> SummaryReply:
    return SummaryReply(
        summary=to_british_english(reply.summary.strip()),
        key_insights=[to_british_english(t.strip()) for t in reply.key_insights if t.strip()],
        recommendations=[to_british_english(t.strip()) for t in reply.recommendations if t.strip()],
    )


def _unsupported(reply: SummaryReply, allowed: Allowed) -> list[str]:
    found: list[str] = []
    for text in _texts(reply):
        found += [n for n in unsupported(text, allowed) if n not in found]
    return found


def _repaired(reply: SummaryReply, brief: Brief) -> tuple[SummaryReply, dict[str, Any]]:
    replaced: list[dict[str, str]] = []
    removed = 0

    def fix(text: str) -> str:
        nonlocal removed
        fixed, done = repair(text, brief)
        replaced.extend(done.replaced)
        removed += done.removed_sentences
        return fixed

    summary = fix(reply.summary) or headline_answer(brief)
    insights = [t for t in (fix(t) for t in reply.key_insights) if t]
    recommendations = [t for t in (fix(t) for t in reply.recommendations) if t]
    report = {"replaced": replaced, "removed_sentences": removed}
    return SummaryReply(
        summary=summary, key_insights=insights, recommendations=recommendations
    ), report
