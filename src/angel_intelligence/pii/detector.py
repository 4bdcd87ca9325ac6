"""`PiiDetector`: every UK PII type of the spec, in written and spoken forms.

    detector = PiiDetector()
    spans = detector.detect("my card number is four one one one, one one one one, …")

Each span gives the type, the exact characters of the input it covers, the normalised value
("4111111111111111", "AB123456C", "SW1A 1AA", "+447911123456") and a confidence. When
candidates overlap, the most confident wins (then the one covering a whole number, then the
longer), so a 16-digit card is not also reported as an NHS number inside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from angel_intelligence.domain.pii import PiiSpan
from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii.codes import code_candidates
from angel_intelligence.pii.corrections import (
    agreeing_types,
    cut_attempts,
    restarts,
    restatements,
    stutters,
    tail_corrections,
    with_tail_corrections,
)
from angel_intelligence.pii.dates import date_candidates
from angel_intelligence.pii.emails import email_candidates
from angel_intelligence.pii.interrupted import interrupted_values
from angel_intelligence.pii.numbers import number_candidates
from angel_intelligence.pii.scan import Candidate, Scan

DEFAULT_MIN_CONFIDENCE = 0.5


# "Agent: " / "Supporter: " at the start of a line, as `full_transcript` and exports show turns:
# a label, not words ("Supporter" is also a reference word: "supporter number 12345678").
_SPEAKER_LABEL = re.compile(
    r"^[ \t]*(?:agent|supporter|caller|customer|speaker(?:[ _]?\d+)?|s\d+)[ \t]*:",
    re.IGNORECASE | re.MULTILINE,
)


def without_speaker_labels(text: str) -> str:
    """`text` with each line's leading speaker label blanked (same length, so every offset
    into it is an offset into `text`). Where the speaker changes, the label's colon becomes
    `lx.TURN_CHANGE`: a value does not run on into the other party's turn ("40 12 29 /
    Agent: 40 12 29" is a value and its read-back), unless a back-channel is all that turn
    says (runs.py)."""
    out, cursor, previous = [], 0, None
    for match in _SPEAKER_LABEL.finditer(text):
        speaker = "".join(match.group().lower().split()).rstrip(":")
        blank = " " * (len(match.group()) - 1)
        mark = lx.TURN_CHANGE if previous not in (None, speaker) else " "
        out += [text[cursor : match.start()], blank, mark]
        cursor, previous = match.end(), speaker
    out.append(text[cursor:])
    return "".join(out)


class PiiDetector:
    """Finds PII in text; stateless and safe to share between threads."""

    def __init__(
        self,
        *,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        reference_year: int | None = None,
    ) -> None:
        """`reference_year` is "this year" for telling birth years from recent dates."""
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError("min_confidence must be between 0 and 1")
        self.min_confidence = min_confidence
        self.reference_year = reference_year or date.today().year

    def detect(self, text: str) -> list[PiiSpan]:
        """The PII in `text`, in order, not overlapping."""
        if not text.strip():
            return []
        scan = Scan.of(without_speaker_labels(text), reference_year=self.reference_year)
        candidates = [
            *email_candidates(scan),
            *number_candidates(scan),
            *code_candidates(scan),
            *date_candidates(scan),
            *interrupted_values(scan),
            *stutters(scan),
        ]
        chosen = grow(resolve(c for c in candidates if c.confidence >= self.min_confidence))
        tails = [
            c
            for c in (*tail_corrections(scan), *restarts(scan))
            if c.confidence >= self.min_confidence
        ]
        chosen = with_tail_corrections(chosen, tails)
        chosen = with_tail_corrections(chosen, cut_attempts(scan, chosen))
        restated = [c for c in restatements(scan, chosen) if c.confidence >= self.min_confidence]
        chosen = agreeing_types(scan, sorted([*chosen, *restated], key=lambda c: c.start))
        return [
            PiiSpan(
                type=c.type,
                start_char=c.start,
                end_char=c.end,
                value=c.value,
                confidence=round(min(c.confidence, 1.0), 2),
            )
            for c in chosen
        ]


def grow(chosen: list[Candidate]) -> list[Candidate]:
    """Let findings take over the free units of their run next to them (see Candidate)."""
    grown = []
    for index, candidate in enumerate(chosen):
        if not candidate.grows_over:
            grown.append(candidate)
            continue
        others = [c for k, c in enumerate(chosen) if k != index]
        start, end = candidate.start, candidate.end
        units = candidate.grows_over
        for unit_start, unit_end in reversed([u for u in units if u[1] <= start]):
            if any(c.start < unit_end and c.end > unit_start for c in others):
                break
            start = unit_start
        for unit_start, unit_end in [u for u in units if u[0] >= end]:
            if any(c.start < unit_end and c.end > unit_start for c in others):
                break
            end = unit_end
        grown.append(replace(candidate, start=start, end=end))
    return grown


def resolve(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Keep the best of overlapping candidates, greedily, and return them in text order."""
    ranked = sorted(candidates, key=lambda c: (-c.confidence, not c.whole, -c.length, c.start))
    chosen: list[Candidate] = []
    for candidate in ranked:
        if all(candidate.end <= c.start or candidate.start >= c.end for c in chosen):
            chosen.append(candidate)
    return sorted(chosen, key=lambda c: c.start)
