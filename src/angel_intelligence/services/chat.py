"""The chat assistant (`POST /api/chat`): answers from the data brief, never invented.

One answer: the database computes the figures for the filters and period (`db/insights.py`),
they are written out as the brief (`services/brief.py`), and the chat model (its own instance,
never the analysis model) answers the question from the brief, the history and the question
only. The answer is put into British English, then every number it states is checked against
the brief; an answer that fails is regenerated with the reason, and if it still fails the
number is replaced by the brief's figure or its sentence removed (`services/numbers.py`). The
metadata says which. Filters that match no calls are answered without the model.

The question and the answer are stored in the conversation with the answer's metadata; stored
history is used when the request gives none, capped by tokens, oldest dropped first.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from angel_intelligence.db.chat import ChatRepository, NewMessage
from angel_intelligence.db.insights import InsightsRepository
from angel_intelligence.domain.insights import CallFilters, ChatTurn, Feature, Period
from angel_intelligence.errors import (
    ChatModelFailedError,
    ChatModelUnavailableError,
    ConversationNotFoundError,
    ModelLoadError,
)
from angel_intelligence.language.british import to_british_english
from angel_intelligence.logging import get_logger
from angel_intelligence.ports import LanguageModel
from angel_intelligence.services.brief import (
    Brief,
    build_brief,
    estimate_tokens,
    headline_answer,
    no_data_answer,
)
from angel_intelligence.services.numbers import Allowed, repair, unsupported

log = get_logger(__name__)

SYSTEM_PROMPT = (
    "You are the AI assistant of Pulse, the software of a UK charity's contact centre. "
    "Answer the manager's question from the data brief below and nothing else. State only "
    "numbers that appear in the brief, exactly as written there; never estimate or invent a "
    "figure. When you refer to a call, cite its apex id in square brackets, as the brief does. "
    "If the brief does not answer the question, say so. Write in British English, in a few "
    "short sentences, without headings.\n\n"
)
TITLE_MAX_CHARS = 80


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """The chat section: CHAT_MAX_NEW_TOKENS, CHAT_BRIEF_MAX_TOKENS, CHAT_HISTORY_MAX_TOKENS,
    CHAT_MAX_REGENERATIONS."""

    max_new_tokens: int = 300
    brief_max_tokens: int = 1500
    history_max_tokens: int = 1000
    max_regenerations: int = 1
    notes: int = 5
    """Call summaries quoted in the brief, the most relevant to the question first."""


@dataclass(frozen=True, slots=True)
class ChatRequest:
    message: str
    feature: Feature
    filters: CallFilters
    period: Period
    user_id: int
    conversation_id: int | None = None
    history: tuple[ChatTurn, ...] | None = None


@dataclass(frozen=True, slots=True)
class ChatAnswer:
    response: str
    conversation_id: int
    metadata: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Checked:
    """A generated text after the number check."""

    text: str
    attempts: int
    tokens_used: int
    number_check: dict[str, Any]


def default_period(start: dt.date | None, end: dt.date | None, today: dt.date) -> Period:
    """The request's dates, or: from the first of this month to today without either; the 30
    days to `end` without a start; from `start` to today without an end."""
    if start is None and end is None:
        return Period(today.replace(day=1), today)
    if start is None:
        assert end is not None
        return Period(end - dt.timedelta(days=29), end)
    return Period(start, end if end is not None else max(start, today))


def cap_history(history: Sequence[ChatTurn], max_tokens: int) -> list[ChatTurn]:
    """The newest messages whose tokens fit `max_tokens`, oldest first (the oldest dropped)."""
    kept: list[ChatTurn] = []
    used = 0
    for message in reversed(history):
        cost = estimate_tokens(message.content) + 4  # the role's tokens
        if used + cost > max_tokens:
            break
        kept.append(message)
        used += cost
    return list(reversed(kept))


def generate_checked(
    model: LanguageModel,
    messages: list[dict[str, Any]],
    brief: Brief,
    *,
    max_new_tokens: int,
    max_regenerations: int,
) -> Checked:
    """Generate, put into British English and check every number against the brief;
    regenerate with the reason, then repair. Raises ChatModelFailedError when generation
    fails."""
    allowed = Allowed.of(brief.text)
    prompt_tokens = sum(estimate_tokens(str(m["content"])) for m in messages)
    conversation = list(messages)
    tokens, attempts = 0, 0
    while True:
        attempts += 1
        try:
            raw = model.generate(conversation, max_new_tokens=max_new_tokens)
        except ModelLoadError as error:
            raise ChatModelUnavailableError(error.message) from error
        except Exception as error:  # a server or backend failure: the caller may retry
            log.warning("chat_generation_failed", error_type=type(error).__name__)
            raise ChatModelFailedError() from error
        tokens += prompt_tokens + estimate_tokens(raw)
        answer = to_british_english(raw.strip())
        bad = unsupported(answer, allowed)
        if not bad or attempts > max_regenerations:
            break
        reason = (
            f"Your answer stated numbers that are not in the data brief: {', '.join(bad)}. "
            "Answer again, stating only numbers exactly as the brief writes them."
        )
        conversation += [
            {"role": "assistant", "content": raw},
            {"role": "user", "content": reason},
        ]
        prompt_tokens += estimate_tokens(raw) + estimate_tokens(reason)
    check: dict[str, Any] = {"passed": not bad, "regenerations": attempts - 1}
    if bad:
        check["unsupported"] = bad
        answer, done = repair(answer, brief)
        check |= done.to_json()
    if not answer:
        answer = headline_answer(brief)
        check["fallback"] = "headline"
    return Checked(answer, attempts, tokens, check)


class ChatService:
    """`POST /api/chat`."""

    def __init__(
        self,
        insights: InsightsRepository,
        conversations: ChatRepository,
        model: Callable[[], LanguageModel],
        options: ChatOptions,
        *,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date(),
    ) -> None:
        self._insights = insights
        self._conversations = conversations
        self._model = model
        self.options = options
        self.today = today

    def _chat_model(self) -> LanguageModel:
        try:
            return self._model()
        except ModelLoadError as error:
            raise ChatModelUnavailableError(error.message) from error

    def answer(self, request: ChatRequest) -> ChatAnswer:
        """Answer the question, store it and the answer; raises ConversationNotFoundError,
        ChatModelUnavailableError, ChatModelFailedError."""
        started = time.monotonic()
        if request.conversation_id is not None and not self._conversations.owns(
            request.conversation_id, request.user_id
        ):
            raise ConversationNotFoundError(f"No conversation with id {request.conversation_id}.")
        history = request.history
        if history is None and request.conversation_id is not None:
            history = tuple(self._conversations.history(request.conversation_id))
        kept = cap_history(history or (), self.options.history_max_tokens)

        figures = self._insights.figures(
            request.filters, request.period, question=request.message, notes=self.options.notes
        )
        metadata: dict[str, Any] = {
            "context_calls_analysed": figures.totals.analysed,
            "filters": {
                **request.filters.to_json(),
                "start_date": request.period.start.isoformat(),
                "end_date": request.period.end.isoformat(),
            },
            "period": {
                "start": request.period.start.isoformat(),
                "end": request.period.end.isoformat(),
                "days": request.period.days,
            },
            "feature": request.feature.value,
            "history_messages": len(kept),
        }
        if figures.totals.calls == 0:
            response = to_british_english(no_data_answer(figures))
            metadata |= {"model": None, "tokens_used": 0, "no_data": True}
        else:
            model = self._chat_model()
            brief = build_brief(
                figures, request.feature, budget_tokens=self.options.brief_max_tokens
            )
            messages: list[dict[str, Any]] = [
                {"role": "system", "content": SYSTEM_PROMPT + brief.text},
                *({"role": m.role, "content": m.content} for m in kept),
                {"role": "user", "content": request.message},
            ]
            checked = generate_checked(
                model,
                messages,
                brief,
                max_new_tokens=self.options.max_new_tokens,
                max_regenerations=self.options.max_regenerations,
            )
            response = checked.text
            metadata |= {
                "model": model.model_name,
                "model_version": model.model_version,
                "tokens_used": checked.tokens_used,
                "brief_tokens": brief.tokens,
                "calls_cited": [c for c in brief.calls_quoted if f"[{c}]" in response],
                "number_check": checked.number_check,
            }
        metadata["duration_ms"] = round((time.monotonic() - started) * 1000)
        conversation_id = self._conversations.save_exchange(
            request.conversation_id,
            [
                NewMessage("user", request.message),
                NewMessage("assistant", response, metadata),
            ],
            user_id=request.user_id,
            feature=request.feature.value,
            filters=metadata["filters"],
            title=_title(request.message),
        )
        log.info(
            "chat_answered",
            conversation_id=conversation_id,
            calls=figures.totals.calls,
            duration_ms=metadata["duration_ms"],
        )
        return ChatAnswer(response, conversation_id, metadata)

    def messages(self, conversation_id: int, user_id: int) -> list[dict[str, Any]]:
        """A conversation's stored messages; raises ConversationNotFoundError."""
        if not self._conversations.owns(conversation_id, user_id):
            raise ConversationNotFoundError(f"No conversation with id {conversation_id}.")
        return self._conversations.messages(conversation_id)


def _title(message: str) -> str:
    """The conversation's title: the first question, on one line, cut at a word."""
    line = " ".join(message.split())
    if len(line) <= TITLE_MAX_CHARS:
        return line
    return line[:TITLE_MAX_CHARS].rsplit(" ", 1)[0] + "…"
