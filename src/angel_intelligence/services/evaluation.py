"""The evaluation gate (A/B): the base model against the candidate on the held-out calls.

Each model answers every `eval` example's exact prompt, constrained by its schema, greedily.
A reply counts as valid when the worker's own parser accepts it (`parse_reply` with the call's
config). Agreement with the human corrections is measured on the fields they corrected:
sentiment label accuracy, quality score mean absolute error, topic F1; an invalid reply
agrees with nothing (accuracy 0, error 100, F1 0). Where both models can score a given reply
(`ports.ReplyScorer`: in-process models), each also scores the corrected reply itself by
teacher forcing: `reply_loss`, the mean loss on its tokens, which needs no generation and so
tells two models apart even when neither finishes a reply within the token budget. The
candidate passes when its valid rate is not lower, no agreement figure is worse, and its
`reply_loss` is lower than the base's (a candidate that learnt nothing is refused; docs/models.md
"Evaluation gate", decision 84).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from angel_intelligence.analysis.reply import AnalysisReply, ReplyRejected, parse_reply
from angel_intelligence.domain.analysis import quality_score_for, sentiment_label_for
from angel_intelligence.ports import LanguageModel, ReplyScorer
from angel_intelligence.services.training_set import SENTIMENT_SCORES, TrainingExample

HIGHER_IS_BETTER = {"valid_rate": True, "sentiment_accuracy": True, "topic_f1": True,
                    "quality_mae": False, "reply_loss": False}  # fmt: skip
MUST_IMPROVE = {"reply_loss"}
"""Figures the candidate must better, not only match: a continuous loss ties only when the
adapter changed nothing the held-out replies need."""


@dataclass(frozen=True)
class ModelScores:
    valid_rate: float
    sentiment_accuracy: float | None
    quality_mae: float | None
    topic_f1: float | None
    reply_loss: float | None = None
    """The mean teacher-forced loss on the corrected replies; None for a model that cannot
    score a reply (a served one)."""

    def to_json(self) -> dict[str, float | None]:
        return {
            "valid_rate": self.valid_rate,
            "sentiment_accuracy": self.sentiment_accuracy,
            "quality_mae": self.quality_mae,
            "topic_f1": self.topic_f1,
            "reply_loss": self.reply_loss,
        }


def _label(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return sentiment_label_for(float(value)).value
    labels = {label.value for label in SENTIMENT_SCORES}
    return str(value) if str(value) in labels else None


def _topic_names(value: Any) -> set[str]:
    return {v if isinstance(v, str) else str(v.get("name")) for v in value or []}


def _f1(predicted: set[str], expected: set[str]) -> float:
    if not predicted and not expected:
        return 1.0
    hits = len(predicted & expected)
    if not hits:
        return 0.0
    precision, recall = hits / len(predicted), hits / len(expected)
    return 2 * precision * recall / (precision + recall)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def score(
    model: LanguageModel, examples: Sequence[TrainingExample], *, max_new_tokens: int
) -> ModelScores:
    valid = 0
    sentiment: list[float] = []
    quality: list[float] = []
    topics: list[float] = []
    losses: list[float] = []
    for example in examples:
        if isinstance(model, ReplyScorer):
            losses.append(model.reply_loss(list(example.messages), example.response))
        text = model.generate(
            list(example.messages),
            json_schema=example.json_schema,
            max_new_tokens=max_new_tokens,
            temperature=0.0,
        )
        reply: AnalysisReply | None = None
        if example.context is not None:
            try:
                reply = parse_reply(text, example.context)
                valid += 1
            except ReplyRejected:
                reply = None
        wanted = example.corrections
        if "sentiment_label" in wanted or "sentiment_score" in wanted:
            expected = _label(wanted.get("sentiment_label", wanted.get("sentiment_score")))
            got = sentiment_label_for(reply.sentiment_score).value if reply else None
            sentiment.append(1.0 if got is not None and got == expected else 0.0)
        if "quality_score" in wanted:
            got_quality = quality_score_for(reply.performance_scores) if reply else None
            target = float(wanted["quality_score"])
            quality.append(100.0 if got_quality is None else abs(got_quality - target))
        if "key_topics" in wanted:
            names = {t.name for t in reply.key_topics} if reply else set()
            topics.append(_f1(names, _topic_names(wanted["key_topics"])) if reply else 0.0)
    return ModelScores(
        valid_rate=round(valid / len(examples), 4) if examples else 0.0,
        sentiment_accuracy=_mean(sentiment),
        quality_mae=_mean(quality),
        topic_f1=_mean(topics),
        reply_loss=_mean(losses),
    )


def evaluation_report(
    base: LanguageModel,
    candidate: LanguageModel,
    examples: Sequence[TrainingExample],
    *,
    max_new_tokens: int,
) -> dict[str, Any]:
    """Both models' scores, whether the candidate passes, and why not."""
    before = score(base, examples, max_new_tokens=max_new_tokens)
    after = score(candidate, examples, max_new_tokens=max_new_tokens)
    reasons = []
    for name, higher in HIGHER_IS_BETTER.items():
        old, new = getattr(before, name), getattr(after, name)
        if old is None or new is None:
            continue
        if name in MUST_IMPROVE and new == old:
            reasons.append(f"{name} stayed at {new:g}: the candidate is no better than the base")
        elif (new < old) if higher else (new > old):
            reasons.append(f"{name} went from {old:g} to {new:g}")
    return {
        "passed": not reasons,
        "reasons": reasons,
        "examples": len(examples),
        "base": {"version": base.model_version, **before.to_json()},
        "candidate": after.to_json(),
    }
