"""Word times that later stages can trust: Whisper's where usable, interpolated where not.

Whisper's word times come from aligning cross-attention (DTW); they are often unusable for
numbers, which is exactly where card numbers and phone numbers are (research/mission_anchors.md
§5). A word's times are *unusable* when:

- a time is missing or not finite, or the end is not after the start (zero-length words);
- it starts before the previous usable word started (time going backwards);
- it lies outside its segment (with `SEGMENT_SLACK_S` of slack) or outside the audio.

A run of unusable words is spread over the gap between its usable neighbours (the previous
word's end and the next word's start; the segment's bounds at the edges), in proportion to how
long each word takes to say (`spoken_units`: one per digit, one per three letters, at least one).
When that gap is shorter than `MIN_WORD_S` per word, it is widened into the neighbours' time (the
words then overlap their neighbours slightly): audio redaction fails closed, so a span too long
is safer than one too short. Interpolated words carry `Word.interpolated = True`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from angel_intelligence.domain.transcript import Word

MIN_WORD_S = 0.08
SEGMENT_SLACK_S = 0.5
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class RawWord:
    """A word as the recogniser gave it (times may be unusable)."""

    text: str
    start_s: float | None
    end_s: float | None
    confidence: float


def spoken_units(text: str) -> float:
    """A rough measure of how long a word takes to say: digits one each, letters three to one."""
    digits = len(_DIGIT.findall(text))
    letters = len(_LETTER.findall(text))
    return max(1.0, digits + letters / 3)


def usable_words(
    raw: Sequence[RawWord],
    *,
    segment_start_s: float,
    segment_end_s: float,
    audio_duration_s: float,
) -> list[Word]:
    """`raw` with every unusable time replaced by an interpolated one (see the module doc)."""
    low = max(0.0, segment_start_s - SEGMENT_SLACK_S)
    high = min(audio_duration_s, segment_end_s + SEGMENT_SLACK_S)
    good: list[bool] = []
    last_start = -math.inf
    for word in raw:
        ok = _valid(word, low, high) and (word.start_s or 0.0) >= last_start
        good.append(ok)
        if ok:
            last_start = float(word.start_s or 0.0)

    words: list[Word] = []
    index = 0
    while index < len(raw):
        if good[index]:
            w = raw[index]
            words.append(Word(w.text, float(w.start_s or 0.0), float(w.end_s or 0.0), w.confidence))
            index += 1
            continue
        run_end = index
        while run_end < len(raw) and not good[run_end]:
            run_end += 1
        left = words[-1].end_s if words else max(0.0, min(segment_start_s, audio_duration_s))
        right = (
            float(raw[run_end].start_s or 0.0)
            if run_end < len(raw)
            else max(left, min(segment_end_s, audio_duration_s))
        )
        floor = words[-1].start_s if words else 0.0
        words.extend(_spread(raw[index:run_end], left, right, floor, audio_duration_s))
        index = run_end
    return words


def _valid(word: RawWord, low: float, high: float) -> bool:
    start, end = word.start_s, word.end_s
    if start is None or end is None or not (math.isfinite(start) and math.isfinite(end)):
        return False
    return end > start and start >= low and end <= high


def _spread(
    run: Sequence[RawWord], left: float, right: float, floor: float, limit: float
) -> list[Word]:
    needed = MIN_WORD_S * len(run)
    if right - left < needed:  # widen into the neighbours, never before the previous start
        missing = needed - max(0.0, right - left)
        left = max(floor, min(left, right) - missing / 2)
        right = left + needed
        if right > limit:
            right = limit
            left = max(floor, right - needed)
    units = [spoken_units(w.text) for w in run]
    total = sum(units)
    words: list[Word] = []
    cursor = left
    for word, unit in zip(run, units, strict=True):
        length = (right - left) * unit / total
        words.append(Word(word.text, cursor, cursor + length, word.confidence, interpolated=True))
        cursor += length
    return words
