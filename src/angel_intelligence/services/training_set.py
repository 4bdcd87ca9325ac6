"""The fine-tuning dataset: corrected analyses as instruction/response pairs (issue 18).

Each analysed call with training annotations becomes one example:

- the **instruction** is the exact prompt the worker sends for that call (`build_prompt` in
  transcript mode, with the call's resolved client config and its PII-redacted, timed
  transcript), and the exact output schema it decodes against (`build_output_schema`);
- the **response** is the call's stored analysis as the model's reply JSON, with every human
  correction applied (`annotation_type` / `field_name` → `CORRECTIONS`), and checked by the
  worker's own reply parser, so the model is never taught a reply the worker would reject.

A correction that does not parse, names a field no reply has, or yields a reply the parser
rejects is a `DatasetError` naming the annotation: nothing is half-built. Examples are split
into `train` and `eval` by a hash of the analysis id (the same call always lands on the same
side, whatever else is in the set), and the dataset's hash covers every line, so a version's
metadata says exactly what it was trained on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.analysis.client_config import ClientConfigResolver
from angel_intelligence.analysis.prompting import build_prompt, transcript_for_prompt
from angel_intelligence.analysis.reply import ReplyContext, ReplyRejected, parse_reply
from angel_intelligence.analysis.schema import build_output_schema
from angel_intelligence.db.models import AiCallAnalysis, AiCallAnnotation
from angel_intelligence.db.training_data import TrainingCall, read_training_calls
from angel_intelligence.domain.analysis import AnalysisMode, SentimentLabel
from angel_intelligence.domain.training import TrainingDataFilter
from angel_intelligence.domain.transcript import Segment, Transcript
from angel_intelligence.services.training_data import DEFAULT_FIELD

EVAL_PERCENT = 20
"""The share of calls held out for the evaluation gate (at least one when there are two)."""

SENTIMENT_SCORES = {
    SentimentLabel.VERY_NEGATIVE: -8.0,
    SentimentLabel.NEGATIVE: -4.0,
    SentimentLabel.NEUTRAL: 0.0,
    SentimentLabel.POSITIVE: 4.0,
    SentimentLabel.VERY_POSITIVE: 8.0,
}
"""A corrected `sentiment_label` becomes the middle of its band of `sentiment_score`."""


class DatasetError(ValueError):
    """The training data cannot make a dataset; the message names each annotation and why."""


Split = Literal["train", "eval"]


@dataclass(frozen=True)
class TrainingExample:
    """One call: the worker's prompt and schema, and the corrected reply."""

    analysis_id: int
    annotation_ids: tuple[int, ...]
    messages: tuple[dict[str, str], ...]
    json_schema: dict[str, Any]
    response: str
    corrections: dict[str, Any]
    """Field → corrected value (what the evaluation gate measures agreement with)."""
    prompt_version: str
    split: Split = "train"
    context: ReplyContext | None = field(default=None, compare=False, repr=False)
    """What the worker checks a reply against (the evaluation gate uses it; not written)."""
    transcript: str | None = field(default=None, compare=False, repr=False)
    """The transcript as the user message holds it: what fine-tuning cuts from the middle of
    an example too long for `max_length` (not written)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": f"analysis_{self.analysis_id}",
            "annotation_ids": list(self.annotation_ids),
            "split": self.split,
            "prompt_version": self.prompt_version,
            "messages": [*self.messages, {"role": "assistant", "content": self.response}],
            "json_schema": self.json_schema,
            "corrections": self.corrections,
        }


@dataclass(frozen=True)
class TrainingDataset:
    examples: tuple[TrainingExample, ...]
    dataset_hash: str
    annotation_ids: tuple[int, ...] = field(default=())

    def split(self, name: Split) -> list[TrainingExample]:
        return [e for e in self.examples if e.split == name]

    def lines(self) -> list[str]:
        return [json.dumps(e.to_json(), ensure_ascii=False, sort_keys=True) for e in self.examples]

    def write_jsonl(self, path: Path) -> None:
        path.write_text("".join(line + "\n" for line in self.lines()), encoding="utf-8")

    def summary(self) -> dict[str, Any]:
        return {
            "examples": len(self.examples),
            "train": len(self.split("train")),
            "eval": len(self.split("eval")),
            "annotations": len(self.annotation_ids),
            "dataset_hash": self.dataset_hash,
        }


# --- Corrections ------------------------------------------------------------------------------


def _number(value: Any, low: float, high: float) -> float:
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number from {low:g} to {high:g}, not {value!r}") from None
    if not low <= number <= high:
        raise ValueError(f"{number:g} is outside {low:g}–{high:g}")
    return number


def _sentiment_label(reply: dict[str, Any], value: Any) -> None:
    try:
        label = SentimentLabel(str(value))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a sentiment label ({', '.join(s.value for s in SentimentLabel)})"
        ) from None
    reply["sentiment_score"] = SENTIMENT_SCORES[label]


def _quality_score(reply: dict[str, Any], value: Any) -> None:
    """Shift every rubric score by the same amount, so their mean × 10 is the corrected score."""
    target = _number(value, 0, 100) / 10.0
    scores: dict[str, int] = reply["performance_scores"]
    if not scores:
        raise ValueError("the analysis has no performance scores to correct the quality with")
    shift = target - sum(scores.values()) / len(scores)
    reply["performance_scores"] = {k: max(1, min(10, round(v + shift))) for k, v in scores.items()}


def _topics(reply: dict[str, Any], value: Any) -> None:
    if not isinstance(value, list):
        raise ValueError("expected a list of topics")
    topics = []
    for item in value:
        topic = {"name": item} if isinstance(item, str) else dict(item)
        topic.setdefault("confidence", 1.0)
        topic.setdefault("timestamp_start", 0.0)
        topic.setdefault("timestamp_end", 0.0)
        topics.append(topic)
    reply["key_topics"] = topics


def _replace(name: str) -> Callable[[dict[str, Any], Any], None]:
    def apply(reply: dict[str, Any], value: Any) -> None:
        reply[name] = value

    return apply


def _sentiment_score(reply: dict[str, Any], value: Any) -> None:
    reply["sentiment_score"] = _number(value, -10, 10)


CORRECTIONS: dict[str, Callable[[dict[str, Any], Any], None]] = {
    "sentiment_label": _sentiment_label,
    "sentiment_score": _sentiment_score,
    "quality_score": _quality_score,
    "key_topics": _topics,
    "summary": _replace("summary"),
    "supporter_sentiment_trend": _replace("supporter_sentiment_trend"),
    "agent_actions_performed": _replace("agent_actions_performed"),
    "performance_scores": _replace("performance_scores"),
    "action_items": _replace("action_items"),
    "compliance_flags": _replace("compliance_flags"),
}
"""The fields a correction may name, and how each changes the reply."""


def corrected_value(annotation: AiCallAnnotation) -> tuple[str, Any]:
    """The field an annotation corrects and its corrected value; ValueError when it names no
    correctable field or its value is missing."""
    name = annotation.field_name or DEFAULT_FIELD.get(annotation.annotation_type)
    if name not in CORRECTIONS:
        raise ValueError(
            f"field {name!r} cannot be corrected (use one of {', '.join(sorted(CORRECTIONS))})"
        )
    if annotation.corrected_value is None:
        raise ValueError("the annotation has no corrected_value")
    text = annotation.corrected_value
    try:
        value = json.loads(text)
    except ValueError:
        value = text  # a label or a summary: plain text
    return name, value


def _stored_reply(analysis: AiCallAnalysis) -> dict[str, Any]:
    """The stored analysis as the model's reply (transcript mode: no audio observations)."""
    metrics = analysis.speaker_metrics if isinstance(analysis.speaker_metrics, dict) else {}
    reply: dict[str, Any] = {
        "summary": analysis.summary or "",
        "sentiment_score": float(analysis.sentiment_score or 0),
        "supporter_sentiment_trend": metrics.get("supporter_sentiment_trend", "neutral"),
        "key_topics": [],
        "agent_actions_performed": list(analysis.agent_actions_performed or []),
        "performance_scores": dict(analysis.performance_scores or {}),
        "action_items": list(analysis.action_items or []),
        "compliance_flags": list(analysis.compliance_flags or []),
    }
    _topics(reply, list(analysis.key_topics or []))
    return reply


def _transcript(call: TrainingCall) -> Transcript:
    if call.redacted_segments:
        return Transcript.from_segments_json(call.redacted_segments)
    text = call.redacted_transcript or ""
    end = max(call.duration_s, 1.0)
    return Transcript(segments=(Segment(start_s=0.0, end_s=end, text=text),), duration_s=end)


def _split(analysis_id: int) -> tuple[bool, str]:
    digest = hashlib.sha256(f"angel-eval-split:{analysis_id}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 < EVAL_PERCENT, digest


# --- The dataset ------------------------------------------------------------------------------


class TrainingSetBuilder:
    """Builds the dataset from the database, with the configs the worker would use."""

    def __init__(self, sessions: sessionmaker[Session], configs: ClientConfigResolver) -> None:
        self._sessions = sessions
        self._configs = configs

    def build(
        self,
        filters: TrainingDataFilter | None = None,
        *,
        annotation_ids: Collection[int] | None = None,
    ) -> TrainingDataset:
        """Every matching call as an example; DatasetError when there is none, or when any
        correction cannot be applied (naming each)."""
        calls = read_training_calls(
            self._sessions, filters or TrainingDataFilter(), annotation_ids=annotation_ids
        )
        found = {a.id for call in calls for a in call.annotations}
        problems = [
            f"annotation {i}: not found, or not marked is_training_data"
            for i in sorted(set(annotation_ids or ()) - found)
        ]
        examples = []
        for call in calls:
            try:
                examples.append(self._example(call))
            except DatasetError as error:
                problems.append(str(error))
        if problems:
            raise DatasetError("; ".join(problems))
        if not examples:
            raise DatasetError("no annotation marked is_training_data matches: nothing to train on")
        return dataset_of(examples)

    def _example(self, call: TrainingCall) -> TrainingExample:
        reply = _stored_reply(call.analysis)
        corrections: dict[str, Any] = {}
        for annotation in call.annotations:
            try:
                name, value = corrected_value(annotation)
                CORRECTIONS[name](reply, value)
            except (ValueError, TypeError, KeyError) as error:
                raise DatasetError(f"annotation {annotation.id}: {error}") from None
            corrections[name] = value
        config = self._configs.resolve(call.client_ref)
        transcript = _transcript(call)
        prompt = build_prompt(transcript, config, AnalysisMode.TRANSCRIPT)
        context = ReplyContext(
            config=config,
            mode=AnalysisMode.TRANSCRIPT,
            duration_s=transcript.duration_s,
            prompt_ngrams=prompt.instruction_ngrams,
        )
        response = json.dumps(reply, ensure_ascii=False)
        try:
            parse_reply(response, context)
        except ReplyRejected as error:
            ids = ", ".join(str(a.id) for a in call.annotations)
            raise DatasetError(
                f"annotations {ids} (analysis {call.analysis.id}): the corrected analysis is "
                f"not a reply the worker accepts: {error.reason}"
            ) from None
        return TrainingExample(
            analysis_id=call.analysis.id,
            annotation_ids=tuple(a.id for a in call.annotations),
            messages=tuple(dict(m) for m in prompt.messages),
            json_schema=build_output_schema(
                config, AnalysisMode.TRANSCRIPT, duration_s=transcript.duration_s
            ),
            response=response,
            corrections=corrections,
            prompt_version=prompt.version,
            context=context,
            transcript=transcript_for_prompt(transcript),
        )


def dataset_of(examples: Iterable[TrainingExample]) -> TrainingDataset:
    """The examples split (by a hash of each analysis id) and hashed."""
    ordered = sorted(examples, key=lambda e: e.analysis_id)
    held = [_split(e.analysis_id) for e in ordered]
    if len(ordered) >= 2 and not any(out for out, _ in held):  # keep at least one to evaluate
        first = min(range(len(ordered)), key=lambda i: held[i][1])
        held[first] = (True, held[first][1])
    split = [
        replace(e, split="eval" if out else "train")
        for e, (out, _) in zip(ordered, held, strict=True)
    ]
    lines = [json.dumps(e.to_json(), ensure_ascii=False, sort_keys=True) for e in split]
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return TrainingDataset(
        examples=tuple(split),
        dataset_hash=f"sha256:{digest}",
        annotation_ids=tuple(sorted(i for e in split for i in e.annotation_ids)),
    )
