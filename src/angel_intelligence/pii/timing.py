"""Where in the audio a finding was said: from the words that carry it, failing closed.

Each word of a segment is aligned to the characters of the segment's text. A finding's
interval runs from the start of its first word to the end of its last, across segments when
the number was read over two. Whisper does not time every word well: numbers often get
zero-length or collapsed timings (research/mission_anchors.md §2 and §3), and words from other
sources may be marked `interpolated`. Where a boundary word has no reliable time, the interval
reaches out to the nearest reliably timed word outside the finding (or the segment edge), and
where the words cannot be matched to the text at all, the whole segment is used. A finding
said without a pause after (or before) another word reaches into that word, since Whisper
cannot tell where one ends and the other begins. The interval is then padded. When in doubt,
more audio is bleeped, not less.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.domain.transcript import Segment, Word

MIN_WORD_S = 0.02  # a word shorter than this has a collapsed (unreliable) timing
SEGMENT_SLACK_S = 0.5  # a word this far outside its segment has an unreliable timing
# Whisper misplaces the boundaries of numbers and spelled codes: the word before one may
# swallow its first digits, or a gap may open where they were said (up to 1.05 s late on
# synthetic calls, docs/pii.md). A finding reaches back over the gap to the previous word, or
# into that word when they touch; likewise forwards; by at most MAX_REACH_S.
TOUCH_S = 0.1
MAX_REACH_S = 1.0

CharSpan = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Piece:
    """The part of a finding inside one segment: characters [start, end) of `segment.text`."""

    segment: int
    start: int
    end: int


def align_words(text: str, words: Sequence[Word]) -> list[CharSpan | None]:
    """The characters of `text` each word stands for, in order (None where it is not found).

    Only whitespace and punctuation may lie between one word and the next, so a word written
    differently from the text (e.g. "4" against "four") is left unaligned instead of matching
    a later occurrence and shifting every word after it.
    """
    spans: list[CharSpan | None] = []
    cursor = 0
    lowered = text.lower()
    for word in words:
        needle = word.text.strip()
        if not needle:
            spans.append(None)
            continue
        at = text.find(needle, cursor)
        if at < 0:
            at = lowered.find(needle.lower(), cursor)
        if at < 0 or any(ch.isalnum() for ch in text[cursor:at]):
            spans.append(None)
            continue
        spans.append((at, at + len(needle)))
        cursor = at + len(needle)
    return spans


def is_reliable(word: Word, segment: Segment) -> bool:
    """A word whose own start and end can be trusted for redaction."""
    return (
        not word.interpolated
        and word.end_s - word.start_s >= MIN_WORD_S
        and word.start_s >= segment.start_s - SEGMENT_SLACK_S
        and word.end_s <= segment.end_s + SEGMENT_SLACK_S
    )


def piece_interval(
    segment: Segment, alignment: Sequence[CharSpan | None], piece: Piece
) -> TimeInterval:
    """The unpadded time of one piece of a finding, failing closed as described above."""
    text = segment.text
    touched = carrying_words(alignment, piece)
    covered: set[int] = set()
    for k in touched:
        span = alignment[k]
        assert span is not None
        covered.update(range(span[0], span[1]))
    needed = {i for i in range(piece.start, piece.end) if text[i].isalnum()}
    if not touched or not needed <= covered:
        return TimeInterval(segment.start_s, segment.end_s)
    words = segment.words
    first, last = touched[0], touched[-1]
    if is_reliable(words[first], segment):
        start_s = words[first].start_s
    else:
        before = [w.end_s for w in words[:first] if is_reliable(w, segment)]
        start_s = before[-1] if before else segment.start_s
    if is_reliable(words[last], segment):
        end_s = words[last].end_s
    else:
        after = [w.start_s for w in words[last + 1 :] if is_reliable(w, segment)]
        end_s = after[0] if after else segment.end_s
    # Unreliable words inside the finding may still carry times beyond its ends.
    low, high = segment.start_s - SEGMENT_SLACK_S, segment.end_s + SEGMENT_SLACK_S
    inside = words[first : last + 1]
    start_s = min([start_s, *(w.start_s for w in inside if w.start_s >= low)])
    end_s = max([end_s, *(w.end_s for w in inside if w.end_s <= high)])
    return TimeInterval(min(start_s, end_s), max(start_s, end_s))


def carrying_words(alignment: Sequence[CharSpan | None], piece: Piece) -> list[int]:
    """Indices of the words whose characters overlap the piece."""
    return [
        k
        for k, span in enumerate(alignment)
        if span is not None and span[0] < piece.end and span[1] > piece.start
    ]


def reach_neighbours(interval: TimeInterval, others: Sequence[Word]) -> TimeInterval:
    """Reach back to the word said before (over the gap, or into it when they touch) and
    forward to the word after, in any segment, by at most MAX_REACH_S each way."""
    start_s, end_s = interval.start_s, interval.end_s
    before = [w for w in others if w.start_s < start_s]
    if before:
        word = max(before, key=lambda w: w.end_s)
        limit = word.start_s if word.end_s >= start_s - TOUCH_S else word.end_s
        start_s = min(start_s, max(limit, start_s - MAX_REACH_S))
    after = [w for w in others if w.end_s > end_s]
    if after:
        word = min(after, key=lambda w: w.start_s)
        limit = word.end_s if word.start_s <= end_s + TOUCH_S else word.start_s
        end_s = max(end_s, min(limit, end_s + MAX_REACH_S))
    return TimeInterval(start_s, end_s)


def padded(interval: TimeInterval, padding_s: float, duration_s: float) -> TimeInterval:
    start_s = max(0.0, interval.start_s - padding_s)
    end_s = interval.end_s + padding_s
    if duration_s > 0:
        end_s = min(end_s, duration_s)
    return TimeInterval(start_s, max(start_s, end_s))


def merge(intervals: Sequence[TimeInterval]) -> tuple[TimeInterval, ...]:
    """Sorted intervals with overlapping or touching ones joined."""
    merged: list[TimeInterval] = []
    for interval in sorted(intervals, key=lambda i: (i.start_s, i.end_s)):
        if merged and interval.start_s <= merged[-1].end_s:
            last = merged[-1]
            merged[-1] = TimeInterval(last.start_s, max(last.end_s, interval.end_s))
        else:
            merged.append(interval)
    return tuple(merged)
