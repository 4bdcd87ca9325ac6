"""Read-backs: the agent reading a value back to the caller is PII audio too.

A read-back cue ("just to confirm", "let me read that back", "can I confirm"; the weaker "so
that's", "that's" only when digits or a spelled code follow, or a pause where the VAD dropped
them, or when it opens the turn that closed a question window) said within
`read_back_reach_s` of a question window opens a window on the reader's own words, until
someone else says more than a back-channel or the reader asks the next question. "Is that
right?" after a read-back covers the reader's words before it. The window takes the type of
the latest question window before it that names one.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from angel_intelligence.domain.pii import AudioReason
from angel_intelligence.pii.cues import Cue, CueKind
from angel_intelligence.pii.policy import PiiPolicy
from angel_intelligence.pii.stream import CallStream
from angel_intelligence.pii.turns import SegmentKind
from angel_intelligence.pii.windows import GAP_S, Window, reader_from

RIGHT_AFTER_S = 1.0  # "so that's" this close to a window's end opens the closing turn


def read_back_windows(
    stream: CallStream,
    cues: Sequence[Cue],
    kinds: Sequence[SegmentKind],
    questions: Sequence[Window],
    policy: PiiPolicy,
) -> list[Window]:
    """Read-backs near a question window (see above)."""
    windows = []
    for cue in cues:
        if cue.phrase.kind not in (CueKind.READ_BACK, CueKind.CHECK):
            continue
        said_s = stream.tokens[cue.first].start_s
        near = [w for w in questions if w.start_s <= said_s <= w.end_s + policy.read_back_reach_s]
        if not near:
            continue
        typed = [w for w in near if w.pii_type is not None] or near
        latest = max(typed, key=lambda w: w.start_s)
        if cue.phrase.kind is CueKind.CHECK:
            start_s, end_s = reader_from(stream, cue.segment, kinds), said_s
            if not _has_value_between(stream, kinds, start_s, end_s, cue.segment):
                continue
        else:
            start_s = stream.tokens[cue.last].start_s
            end_s = _reader_until(stream, cue.segment, start_s, kinds, policy)
            weak = not cue.phrase.strong and not _right_after(stream, cue, questions)
            if weak and not _has_value_between(stream, kinds, start_s, end_s, cue.segment):
                continue
        rule = f"cue:read_back:{' '.join(cue.phrase.words)}"
        windows.append(
            Window(start_s, end_s, AudioReason.READ_BACK, latest.pii_type, rule, latest.card_data)
        )
    return windows


def _right_after(stream: CallStream, cue: Cue, questions: Sequence[Window]) -> bool:
    """ "So that's …" opening the turn that closed a question window: a read-back of the
    answer whatever it holds (an email read back has no digits)."""
    if cue.phrase.words[0] != "so":
        return False
    said_s = stream.start_of(cue.segment)
    return any(abs(w.end_s - said_s) <= RIGHT_AFTER_S for w in questions)


def _reader_until(
    stream: CallStream,
    segment: int,
    start_s: float,
    kinds: Sequence[SegmentKind],
    policy: PiiPolicy,
) -> float:
    """The end of the reader's words from `segment` on: until someone else says more than a
    back-channel, or the reader asks something (or `question_window_max_s`)."""
    reader = stream.speaker(segment)
    bound_s = start_s + policy.question_window_max_s
    end_s = stream.end_of(segment)
    for k in range(segment + 1, len(stream.segments)):
        if stream.start_of(k) >= bound_s:
            return bound_s
        speaker, kind = stream.speaker(k), kinds[k]
        other = speaker is not None and reader is not None and speaker != reader
        asks = speaker == reader and not kind.value and (kind.asks or kind.cue or kind.release)
        if (other and not (kind.backchannel or kind.silent)) or asks:
            return min(bound_s, max(end_s, stream.start_of(k)))
        end_s = max(end_s, stream.end_of(k))
    return min(bound_s, end_s)


def _has_value_between(
    stream: CallStream, kinds: Sequence[SegmentKind], start_s: float, end_s: float, segment: int
) -> bool:
    """Digits or a spelled code in the reader's words, or a pause where they were dropped."""
    reader = stream.speaker(segment)
    spoken: list[tuple[float, float]] = []
    for k in range(len(stream.segments)):
        if stream.speaker(k) != reader or stream.end_of(k) < start_s:
            continue
        if stream.start_of(k) > end_s:
            break
        if kinds[k].value:
            return True
        spoken.extend(
            (stream.tokens[t].start_s, stream.tokens[t].end_s)
            for t in stream.by_segment[k]
            if stream.tokens[t].norm and start_s <= stream.tokens[t].start_s <= end_s
        )
    # A second or more with no words in the reader's turn: the VAD may have dropped the value.
    times = sorted(spoken)
    return any(b[0] - a[1] >= GAP_S for a, b in itertools.pairwise(times))
