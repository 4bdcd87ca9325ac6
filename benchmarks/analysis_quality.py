"""How good the saved analysis is, on the labelled analysis set (issue 16).

For each call of the chosen split of `testing/analysis_set.py` (48 scripted calls; `held_out`,
12, is never used to set anything), runs the grounded analysis and compares what would be saved
with the labels:

- topic and agent-action precision, recall and F1 (over call × item pairs);
- sentiment label accuracy (folded to positive / neutral / negative);
- compliance-flag precision and recall (call × rule);
- action items: precision and recall of their due dates (call × date, None for "no date");
- timestamp accuracy: the share of correctly found topics and actions whose timestamp lies
  inside a turn that carries that label;
- summaries: faithfulness (the share that pass the checks: nothing named that the transcript
  does not say, 2–4 sentences, no repeat, a complete ending), repetition rate, and how many the
  model wrote (the rest are the templated fallback);
- validity (the share of calls with an analysis saved) and seconds per call;
- the summaries' form (`--summary extractive|templated`: how a summary the model did not write
  is made): how each was written (`summary_source`), words, words per sentence, Flesch reading
  ease (syllables counted by vowel groups), the share of its words the call itself says, and
  the share of distinct summaries (a template reads the same on every call).

`--source evidence` is the evidence alone (the fallback, no model); `--source bundled` is the
worker's way with the embedded default (SmolLM2-135M, compact output, in-process, int8 as
`ANALYSIS_MODEL_QUANTIZATION`; `--quantization none` for float32).

    PYTHONPATH=src python benchmarks/analysis_quality.py [--split held_out|tuning|all]
        [--source evidence|bundled] [--embedder] [--count N] [--max-reprompts 1]
        [--summary extractive|templated]
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import structlog

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from angel_intelligence.analysis import grounding
from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import resolve_config
from angel_intelligence.analysis.schema import COMPACT_LIMITS
from angel_intelligence.ports import LanguageModel
from angel_intelligence.settings import Settings
from angel_intelligence.testing.analysis_set import labelled_calls, prf, score_into


class _NoModel:
    """The evidence alone: a model whose every reply is refused, so the fallback is saved."""

    model_name = "none"
    model_version = "none"
    supports_audio = False

    def load(self) -> None:
        return None

    def generate(self, messages: list[dict[str, Any]], **_: Any) -> str:
        return "no model"


_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    count = len(groups) - (word.lower().endswith("e") and len(groups) > 1)
    return max(1, count)


def summary_form(summaries: list[tuple[str, str]]) -> str:
    """Words, words per sentence, Flesch reading ease, share of words the call says, distinct
    share, for (summary, transcript text) pairs."""
    words = sentences = syllables = from_call = 0
    for summary, said in summaries:
        tokens = _WORD.findall(summary)
        said_words = {w.lower() for w in _WORD.findall(said)}
        words += len(tokens)
        sentences += len(grounding.sentences(summary))
        syllables += sum(_syllables(t) for t in tokens)
        from_call += sum(t.lower() in said_words for t in tokens)
    n = max(len(summaries), 1)
    flesch = 206.835 - 1.015 * words / max(sentences, 1) - 84.6 * syllables / max(words, 1)
    distinct = len({s for s, _ in summaries}) / n
    return (
        f"{words / n:.1f} words, {words / max(sentences, 1):.1f} words per sentence, Flesch "
        f"reading ease {flesch:.0f}, words the call says {from_call / max(words, 1):.2f}, "
        f"distinct {distinct:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["held_out", "tuning", "all"], default="held_out")
    parser.add_argument("--source", choices=["evidence", "bundled"], default="evidence")
    parser.add_argument("--embedder", action="store_true", help="add all-MiniLM-L6-v2")
    parser.add_argument("--count", type=int, default=0, help="only the first N calls")
    parser.add_argument("--max-reprompts", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--quantization",
        choices=["int8", "none"],
        default=Settings.model_fields["analysis_model_quantization"].default,
        help="the bundled model's (default: the worker's, ANALYSIS_MODEL_QUANTIZATION)",
    )
    parser.add_argument(
        "--template-summary",
        action="store_true",
        help="the model does not write the summary (the worker's way for the bundled model)",
    )
    parser.add_argument("--show", action="store_true", help="print each call's differences")
    parser.add_argument(
        "--summary",
        choices=grounding.SUMMARY_STYLES,
        default=grounding.DEFAULT_SUMMARY_STYLE,
        help="how a summary the model did not write is made",
    )
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))

    calls = [c for c in labelled_calls() if args.split == "all" or c.split == args.split]
    if args.count:
        calls = calls[: args.count]
    model: LanguageModel = _NoModel()
    if args.source == "bundled":
        from angel_intelligence.backends.llm.model_files import locate_model
        from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel

        model = TransformersLanguageModel(
            locate_model(Path("missing-so-bundled"), allow_bundled=True),
            cache_dir=Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache",
            cpu_threads=args.threads,
            quantization=args.quantization,
        )
        model.load()
    embedder = None
    if args.embedder:
        from angel_intelligence.backends.text.minilm import MiniLmEmbedder

        embedder = MiniLmEmbedder()
        embedder.load()
    analyser = CallAnalyser(
        model, grounded=True, embedder=embedder, limits=COMPACT_LIMITS,
        max_reprompts=args.max_reprompts if args.source == "bundled" else 0,
        max_new_tokens=700,
        model_summary=not args.template_summary, summary_style=args.summary,
    )  # fmt: skip
    config = resolve_config(None, [])  # the spec's 40 topics, 33 actions, 15 rubric items
    names = [*config.topics, *config.agent_actions]
    counts: Counter[str] = Counter()
    seconds: list[float] = []
    valid = 0
    summaries: list[tuple[str, str]] = []
    sources: Counter[str] = Counter()
    for call in calls:
        started = time.monotonic()
        try:
            analysis = analyser.analyse(call.transcript, config, call_date=call.call_date)
        except Exception as error:  # the benchmark reports, it does not stop
            print(f"{call.name}: no analysis ({type(error).__name__}: {error})")
            continue
        seconds.append(time.monotonic() - started)
        valid += 1
        differences = score_into(counts, call, analysis, names)
        summaries.append((analysis.summary, " ".join(s.text for s in call.transcript.segments)))
        sources[str(analysis.audio_analysis.get("summary_source"))] += 1
        if args.show:
            print(differences)

    print(
        f"split {args.split}: {len(calls)} calls; source {args.source}"
        f"{' + all-MiniLM-L6-v2' if embedder else ' (keywords)'}; model {model.model_name}"
        f"{f' ({args.quantization})' if args.source == 'bundled' else ''}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"topics:      {prf(counts['t_tp'], counts['t_fp'], counts['t_fn'])}")
    print(f"actions:     {prf(counts['a_tp'], counts['a_fp'], counts['a_fn'])}")
    print(f"compliance:  {prf(counts['c_tp'], counts['c_fp'], counts['c_fn'])}")
    print(f"action items (due dates): {prf(counts['i_tp'], counts['i_fp'], counts['i_fn'])}")
    print(f"sentiment label accuracy: {counts['sentiment'] / max(valid, 1):.2f}")
    placed = counts["ts_inside"] / max(counts["ts_total"], 1)
    print(f"timestamp accuracy: {placed:.2f} ({counts['ts_inside']}/{counts['ts_total']})")
    print(
        f"summaries: faithful {counts['faithful'] / max(valid, 1):.2f}, repeated "
        f"{counts['repeated'] / max(valid, 1):.2f}, written by the model "
        f"{counts['summary_by_model']}/{valid}; "
        f"analyses the model judged: {counts['by_model']}/{valid}"
    )
    print(f"summary form ({dict(sources)}): {summary_form(summaries)}")
    print(f"validity: {valid}/{len(calls)} analyses saved")
    if seconds:
        print(f"seconds per call: mean {statistics.mean(seconds):.2f}, max {max(seconds):.2f}")


if __name__ == "__main__":
    main()
