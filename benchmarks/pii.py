"""Precision and recall of the PII detector per type, on the hand-labelled set.

    python benchmarks/pii.py                 # every line, then the dev and held-out test splits
    python benchmarks/pii.py --split dev --errors

The set is benchmarks/data/pii_labelled.jsonl (built from pii_labelled.txt by
benchmarks/data/make_pii_labelled.py). A found span counts as correct when a labelled span of
the same type covers at least half of it; a labelled span counts as found when a found span
of the same type covers at least half of it. "Chars redacted" is the share of labelled PII
characters (letters and digits) that any found span covers, whatever its type: what matters
for privacy. The detector runs with its defaults (min confidence 0.5), as `angel pii scan`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from angel_intelligence.domain.pii import PiiSpan, PiiType  # noqa: E402
from angel_intelligence.pii import PiiDetector  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "pii_labelled.jsonl"
REFERENCE_YEAR = 2026  # the set was written in 2026; fixed so results do not drift


@dataclass(frozen=True)
class Gold:
    type: str
    start: int
    end: int


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def evaluate(rows: list[dict], detector: PiiDetector, show_errors: bool) -> dict[str, float]:
    tp_pred: Counter[str] = Counter()
    tp_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    covered = total = 0
    started = time.perf_counter()
    chars = 0
    for row in rows:
        text: str = row["text"]
        chars += len(text)
        gold = [Gold(s["type"], s["start"], s["end"]) for s in row["spans"]]
        found: list[PiiSpan] = detector.detect(text)
        for g in gold:
            n_gold[g.type] += 1
            need = (g.end - g.start) / 2
            hit = any(
                p.type.value == g.type
                and _overlap(p.start_char, p.end_char, g.start, g.end) >= need
                for p in found
            )
            tp_gold[g.type] += hit
            for k in range(g.start, g.end):
                if text[k].isalnum():
                    total += 1
                    covered += any(p.start_char <= k < p.end_char for p in found)
            if show_errors and not hit:
                print(f"  MISSED {g.type:<26} {text[g.start : g.end]!r}  in {row['id']}: {text!r}")
        for p in found:
            n_pred[p.type.value] += 1
            need = (p.end_char - p.start_char) / 2
            right = any(
                g.type == p.type.value
                and _overlap(p.start_char, p.end_char, g.start, g.end) >= need
                for g in gold
            )
            tp_pred[p.type.value] += right
            if show_errors and not right:
                print(
                    f"  WRONG  {p.type.value:<26} {text[p.start_char : p.end_char]!r} "
                    f"({p.confidence})  in {row['id']}: {text!r}"
                )
    elapsed = time.perf_counter() - started

    print(f"{'type':<27}{'labelled':>9}{'found':>7}{'precision':>11}{'recall':>8}")
    for kind in PiiType:
        name = kind.value
        precision = tp_pred[name] / n_pred[name] if n_pred[name] else float("nan")
        recall = tp_gold[name] / n_gold[name] if n_gold[name] else float("nan")
        print(f"{name:<27}{n_gold[name]:>9}{n_pred[name]:>7}{precision:>11.3f}{recall:>8.3f}")
    all_pred, all_gold = sum(n_pred.values()), sum(n_gold.values())
    precision = sum(tp_pred.values()) / all_pred if all_pred else float("nan")
    recall = sum(tp_gold.values()) / all_gold if all_gold else float("nan")
    print(f"{'overall (micro)':<27}{all_gold:>9}{all_pred:>7}{precision:>11.3f}{recall:>8.3f}")
    print(f"chars redacted: {covered}/{total} = {covered / max(total, 1):.3f}")
    print(
        f"speed: {len(rows)} lines, {chars} chars in {elapsed * 1000:.0f} ms "
        f"({elapsed * 1000 / max(len(rows), 1):.2f} ms/line, "
        f"{chars / max(elapsed, 1e-9) / 1000:.0f} k chars/s)"
    )
    return {"precision": precision, "recall": recall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("all", "dev", "test"), default=None)
    parser.add_argument("--errors", action="store_true", help="print every miss and false hit")
    args = parser.parse_args()
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    detector = PiiDetector(reference_year=REFERENCE_YEAR)
    detector.detect("warm up: card 4111 1111 1111 1111")
    splits = [args.split] if args.split else ["all", "dev", "test"]
    for split in splits:
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        negatives = sum(1 for r in chosen if not r["spans"])
        print(f"\n== {split}: {len(chosen)} lines ({negatives} without PII) ==")
        evaluate(chosen, detector, args.errors)


if __name__ == "__main__":
    main()
