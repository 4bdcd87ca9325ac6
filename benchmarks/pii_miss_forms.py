"""The form classes of the detector's mistakes on a split, without their text.

    python benchmarks/pii_miss_forms.py --split independent3-test

Held-out splits are never tuned on, but their misses may still say which *forms* the detector
lacks ("a sort code said in tens", "a date of birth as day and month numbers"). This prints,
for each missed labelled span and each wrong finding, only its type and a set of form tags
computed from it (how digits are said, letters, separators, turns, corrections, context words
near it, what the detector found over it), never the words of the line, so the forms can be
written anew in other words without copying the held-out lines (docs/pii.md, "The fourth set").
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from angel_intelligence.pii import PiiDetector  # noqa: E402
from angel_intelligence.pii import context as ctx  # noqa: E402
from angel_intelligence.pii import lexicon as lx  # noqa: E402
from angel_intelligence.pii.detector import without_speaker_labels  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "pii_labelled.jsonl"

_CONTEXT = {
    "credit_card": ctx.CARD,
    "card_expiry": ctx.EXPIRY,
    "cvv": ctx.CVV,
    "sort_code": ctx.SORT_CODE,
    "bank_account": ctx.ACCOUNT,
    "national_insurance_number": ctx.NATIONAL_INSURANCE,
    "nhs_number": ctx.NHS,
    "phone_number": ctx.PHONE,
    "postcode": ctx.POSTCODE,
    "date_of_birth": ctx.BIRTH,
    "email": ctx.EMAIL,
    "driving_licence": ctx.LICENCE,
}
_MONTHS = set(lx.MONTHS)
_NATO = {
    "alpha", "alfa", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
    "juliet", "juliett", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
    "sierra", "tango", "uniform", "victor", "whiskey", "whisky", "xray", "x-ray", "yankee", "zulu",
}  # fmt: skip
_CORRECTION = {"sorry", "no", "wait", "mean", "actually", "scratch", "again", "hang"}
_FILLERS = {"um", "erm", "er", "uh", "ah", "hmm"}
_WORD = re.compile(r"[A-Za-z']+|\d+|[^\sA-Za-z\d]")


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _phrase_in(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    for phrase in phrases:
        for k in range(len(words) - len(phrase) + 1):
            if tuple(words[k : k + len(phrase)]) == phrase:
                return True
    return False


def form_tags(text: str, start: int, end: int, kind: str) -> list[str]:
    """Tags that describe how the value at text[start:end] is said, not what it says."""
    value = text[start:end]
    words = _words(value)
    tags: list[str] = []
    digits = sum(c.isdigit() for c in value)
    if digits:
        tags.append("written-digits")
        groups = [len(g) for g in re.findall(r"\d+", value)]
        tags.append("groups=" + "-".join(map(str, groups)) if len(groups) <= 6 else "groups>6")
    if any(w in lx.DIGIT_WORDS for w in words):
        tags.append("digit-words")
    if any(w in lx.TEEN_WORDS or w in lx.TENS_WORDS for w in words):
        tags.append("tens/teens-words")
    if any(w in lx.SCALE_WORDS for w in words):
        tags.append("hundred/thousand")
    if any(w in lx.REPEATERS for w in words):
        tags.append("double/triple")
    if any(w in ("oh", "o") for w in words):
        tags.append("oh")
    if any(w in lx.ORDINAL_WORDS for w in words) or re.search(r"\d(st|nd|rd|th)\b", value):
        tags.append("ordinal")
    if any(w in _MONTHS for w in words):
        tags.append("month-name")
    if any(w in _NATO for w in words):
        tags.append("nato")
    if re.search(r"\b[A-Za-z] (for|as in) [A-Z]", value):
        tags.append("letter-for-word")
    letters = re.findall(r"(?<![A-Za-z])[A-Za-z](?![A-Za-z])", value)
    if letters:
        tags.append("single-letters-" + ("lower" if all(c.islower() for c in letters) else "upper"))
    if re.search(r"[a-z]\d|\d[a-z]", value):
        tags.append("lower-case-code")
    if re.search(r"[A-Z]\d|\d[A-Z]", value):
        tags.append("upper-case-code")
    for sep, name in (("-", "hyphen"), ("/", "slash"), (".", "dot"), (",", "comma")):
        if sep in value:
            tags.append(name)
    if "+44" in value or "0044" in value:
        tags.append("+44")
    if "(" in value:
        tags.append("brackets")
    if "\n" in value:
        tags.append("over-turns")
    if any(w in _CORRECTION for w in words):
        tags.append("correction-inside")
    if any(w in _FILLERS for w in words):
        tags.append("filler-inside")
    if any(w in lx.BACK_CHANNEL_WORDS for w in words if w not in lx.NUMBER_WORDS):
        tags.append("back-channel-inside")
    if kind == "email":
        tags += [t for t, w in (("said-at", "at"), ("said-dot", "dot")) if w in words]
        if "@" in value:
            tags.append("written-@")
    unlabelled = without_speaker_labels(text)  # "Supporter:" is no reference word
    before = _words(unlabelled[max(0, start - 120) : start])
    after = _words(unlabelled[end : end + 60])
    line = _words(unlabelled)
    phrases = _CONTEXT.get(kind, ())
    if _phrase_in(before[-12:], phrases):
        tags.append("ctx-before<=12w")
    elif _phrase_in(before, phrases):
        tags.append("ctx-before-far")
    elif _phrase_in(after[:6], phrases):
        tags.append("ctx-after")
    elif _phrase_in(line, phrases):
        tags.append("ctx-elsewhere")
    else:
        tags.append("no-own-ctx")
    if _phrase_in(before[-7:] + after[:3], ctx.NEGATIVE):
        tags.append("reference-word-near")
    others = [k for k, p in _CONTEXT.items() if k != kind and _phrase_in(before[-12:], p)]
    if others:
        tags.append("other-ctx:" + ",".join(sorted(others)))
    if text.lower() == text:
        tags.append("line-lower-case")
    if "\n" in text:
        tags.append(f"turns={text.count(chr(10)) + 1}")
    tags.append(f"len={len(value)}")
    return tags


def shape(text: str) -> str:
    """The value as a sequence of token classes, no words: D3 (three written digits), n (a
    digit word), t (a tens or teens word), 2x (double/triple), o (oh), L (a single letter),
    N (a NATO word), M (a month), O (an ordinal), b (a back-channel), f (a filler), c (a
    correction cue), | (a change of speaker), w (another word), and punctuation."""
    out = []
    for token in re.findall(r"\n|[A-Za-z']+|\d+|[^\sA-Za-z\d]", text):
        low = token.lower()
        if token == "\n":
            out.append("|")
        elif token.isdigit():
            out.append(f"D{len(token)}")
        elif low in ("oh", "o"):
            out.append("o")
        elif low in lx.DIGIT_WORDS:
            out.append("n")
        elif low in lx.TEEN_WORDS or low in lx.TENS_WORDS or low in lx.SCALE_WORDS:
            out.append("t")
        elif low in lx.REPEATERS:
            out.append("2x")
        elif low in _MONTHS:
            out.append("M")
        elif low in lx.ORDINAL_WORDS or re.fullmatch(r"\d+(st|nd|rd|th)", low):
            out.append("O")
        elif low in _NATO:
            out.append("N")
        elif len(token) == 1 and token.isalpha():
            out.append("L" if token.isupper() else "l")
        elif low in lx.BACK_CHANNEL_WORDS or low in ("agent", "supporter", "caller"):
            out.append("b" if low in lx.BACK_CHANNEL_WORDS else "S")
        elif low in _FILLERS:
            out.append("f")
        elif low in _CORRECTION:
            out.append("c")
        elif token in ",.-/?:()@+":
            out.append(token)
        else:
            out.append("w")
    return " ".join(out)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", required=True, action="append")
    parser.add_argument("--shape", action="store_true", help="token classes of each value too")
    args = parser.parse_args()
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    detector = PiiDetector(reference_year=2026)
    tally: Counter[str] = Counter()
    for row in (r for r in rows if r["split"] in args.split):
        text = row["text"]
        found = [(s.type.value, s.start_char, s.end_char) for s in detector.detect(text)]
        gold = [(s["type"], s["start"], s["end"]) for s in row["spans"]]
        for kind, start, end in gold:
            same = [f for f in found if f[0] == kind and _overlap(f[1:], (start, end)) > 0]
            if any(_overlap(f[1:], (start, end)) >= (end - start) / 2 for f in same):
                continue
            over = sorted({f[0] for f in found if _overlap(f[1:], (start, end)) > 0})
            what = "found-as:" + ",".join(over) if over else "nothing-found"
            if same:
                what = "partial-same-type"
            tags = form_tags(text, start, end, kind)
            print(f"MISS  {row['split']:<18} {kind:<26} {what:<34} {' '.join(tags)}")
            if args.shape:
                print(f"      shape: {shape(text[start:end])}")
            tally[f"MISS {kind}"] += 1
        for kind, start, end in found:
            if any(
                k == kind and _overlap((start, end), (s, e)) >= (end - start) / 2
                for k, s, e in gold
            ):
                continue
            under = sorted({k for k, s, e in gold if _overlap((start, end), (s, e)) > 0})
            what = "over-gold:" + ",".join(under) if under else "over-no-pii"
            tags = form_tags(text, start, end, kind)
            print(f"WRONG {row['split']:<18} {kind:<26} {what:<34} {' '.join(tags)}")
            tally[f"WRONG {kind}"] += 1
    for key, count in sorted(tally.items()):
        print(f"{count:>4}  {key}")


if __name__ == "__main__":
    main()
