"""Seconds of evidence extraction per 5-minute call (issue 16's target: under 1 s on two cores).

Builds a scripted call of about five minutes (a donation upgrade, a card payment, Gift Aid, a
vulnerability cue, commitments: every rule and most cues fire), then times `extract_evidence`
with the spec's full topic and action lists, with all-MiniLM-L6-v2 (torch threads = --threads)
and with keywords alone. The embedder is loaded and the item names embedded once before timing,
as in a worker, which keeps both for its lifetime; each run embeds every turn afresh.

    PYTHONPATH=src python benchmarks/evidence_speed.py [--runs 10] [--threads 2]

Pin the process to two cores for the target's conditions, e.g. `taskset -c 0,1`. On a shared
machine the wall time includes waiting for the cores; the CPU seconds (all threads) do not, so
CPU / threads is what the call would take on two idle cores if both were kept busy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from angel_intelligence.analysis import grounding
from angel_intelligence.analysis.client_config import default_config_data
from angel_intelligence.analysis.evidence import extract_evidence
from angel_intelligence.backends.text.minilm import MiniLmEmbedder
from angel_intelligence.testing.scripted import scripted_transcript

ROUND = [
    ("A", "Good afternoon, thank you for calling Hope Trust, my name is Sarah. How can I help?"),
    ("S", "Hello. I would like to increase my monthly donation please, I love what you do."),
    ("A", "Of course. Could I take your full name and your postcode please?"),
    ("S", "Yes, it is Margaret Wilson, and my postcode is [POSTCODE]."),
    ("A", "Thank you Margaret. What would you like the new amount to be?"),
    ("S", "Ten pounds a month, please. My husband passed away last year and he always gave."),
    ("A", "Okay. Would you like to add Gift Aid to that?"),
    ("S", "Yes, please do."),
    ("A", "Lovely. Could I take the long number on your card for a one-off gift as well?"),
    ("S", "Yes, it is [CARD_NUMBER], expiry [CARD_EXPIRY]."),
    ("A", "Thank you. I'll send you a confirmation letter within five working days."),
    ("S", "That is wonderful, thank you so much."),
    ("A", "We'll call you back on Monday to check everything arrived safely."),
    ("S", "Could you tell me how the money is spent?"),
    ("A", "Our work in hospitals helps families every day, and your gift goes straight there."),
    ("A", "Thank you so much for your support. Is there anything else I can help with?"),
    ("S", "No, that is everything. Goodbye."),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    config = default_config_data()
    topics, actions = list(config["topics"]), list(config["agent_actions"])
    lines = []
    transcript = scripted_transcript([])
    while transcript.duration_s < 300:
        lines += [(role, f"{text}") for role, text in ROUND]
        transcript = scripted_transcript(lines)
    turns = len(transcript.segments)
    print(f"call: {transcript.duration_s:.0f} s, {turns} turns, "
          f"{len(topics)} topics, {len(actions)} actions, CPUs allowed: "
          f"{len(os.sched_getaffinity(0))}, torch threads: {args.threads}")  # fmt: skip

    embedder = MiniLmEmbedder(threads=args.threads)
    started = time.perf_counter()
    embedder.load()
    embedder.embed(topics + actions)
    print(f"embedder load + item names: {time.perf_counter() - started:.2f} s (once per worker)")
    date = dt.date(2025, 1, 17)
    items = set(topics + actions)
    for name, embed in (("with all-MiniLM-L6-v2", embedder.embed), ("keywords only", None)):
        seconds, cpu_seconds = [], []
        for run in range(args.runs + 1):
            if embed is not None:  # every turn embedded afresh, as for a new call
                embedder._cache = {k: v for k, v in embedder._cache.items() if k in items}
            cpu_started = time.process_time()
            evidence = extract_evidence(
                transcript, topics=topics, agent_actions=actions, call_date=date, embed=embed
            )
            if run:  # the first run warms up
                seconds.append(evidence.seconds)
                cpu_seconds.append(time.process_time() - cpu_started)
        print(f"{name}: mean {statistics.mean(seconds):.3f} s, max {max(seconds):.3f} s per call, "
              f"CPU {statistics.mean(cpu_seconds):.3f} s ({args.runs} runs); "
              f"{len(evidence.topics)} topics, {len(evidence.actions)} "
              f"actions, {len(evidence.compliance)} compliance findings, "
              f"{len(evidence.commitments)} commitments")  # fmt: skip
    started = time.perf_counter()
    for _ in range(args.runs):
        _summary, source = grounding.evidence_summary(evidence)
    print(f"the summary without the model ({source}): "
          f"{(time.perf_counter() - started) / args.runs:.4f} s per call")  # fmt: skip


if __name__ == "__main__":
    main()
