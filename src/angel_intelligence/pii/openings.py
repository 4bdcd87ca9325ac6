"""Windows opened by what was said rather than by a cue: the question was lost.

In a noisy call Whisper garbles the agent's question ("When can the car be higher?", "Well,
it's not covered, um, please") as well as the answer, and no cue is left. Besides a value said
with no question before it (`digit_runs.digit_openings`), two things still show that PII was
asked for and given:

* a question we cannot read answered with a value: "And then they came and we excited?" /
  "December 20, 20, 7." (the expiry date). A code of letters and digits ("M -N, this is M -1
  -3": a postcode) answers whatever turn came before it, question-shaped or not;
* in a call where PII was asked for, or one where Whisper lost `LOST_ANYWHERE_S` in all, a
  stretch of `LOST_S` or more that Whisper lost (a loop, a word stretched over seconds, or
  nothing written at all where the VAD dropped the speech): "I'll just leave the card, and
  I'll just leave the card, …" for eighteen seconds was a card number, its expiry and the
  question for the code.

Either opens a window closed like any other (`windows.question_windows`). And in a call where
PII was asked for, the questions before its first window open follow-ups, as in a sensitive
phase (`earlier_questions`): the first question may be the one Whisper garbled past any cue.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from angel_intelligence.pii.stream import CallStream
from angel_intelligence.pii.turns import Content, SegmentKind
from angel_intelligence.pii.windows import GAP_S, Opening, Window, reader_from

ANSWER_WITHIN_S = 10.0  # an answer starts this soon after the question
LOST_S = 3.0
LOST_ANYWHERE_S = 8.0
LOST_START_S = 12.0  # a greeting and the caller's reason take less; Whisper often drops them


def lost_speech(
    stream: CallStream, kinds: Sequence[SegmentKind], windows: Sequence[Window]
) -> list[Opening]:
    """Speech Whisper lost (see above): a window over it and the answer after it, closed by the
    agent's next turn (no side is known to have asked: the agent asks). A loop or a stretch
    with nothing written of `LOST_S` counts in a call where PII was asked for, or in one where
    Whisper lost `LOST_ANYWHERE_S` in all (a caller reading a number out can take all of it,
    and the question with it: "It belongs to Hines." for twenty seconds)."""
    diarized = any(stream.speaker(k) in ("agent", "supporter") for k in range(len(kinds)))
    asker = "agent" if diarized else None
    stretches: list[tuple[float, float, int, bool]] = []  # start, end, segment, a gap?
    run: list[int] = []
    for k in [*range(len(stream.segments)), None]:
        if k is not None and kinds[k].unclear:
            run.append(k)
            continue
        if run:
            start_s = min(stream.start_of(j) for j in run)
            stretches.append((start_s, max(stream.end_of(j) for j in run), run[-1], False))
        run = []
    # Nothing written between two segments: the VAD dropped the speech (a value said away
    # from the phone, or the whole answer in a noisy call). The window reaches back over the
    # gap (`windows._back_over_gap`) and the answer is taken as given in it.
    heard = [k for k in range(len(stream.segments)) if stream.words_of(k)]
    for before, after in itertools.pairwise(heard):
        if stream.start_of(after) - stream.end_of(before) >= LOST_S:
            stretches.append((stream.end_of(before), stream.start_of(after), after, True))
    # And before the first words, when that is longer than a greeting and the caller's reason
    # for calling: a card number volunteered in the first twenty seconds, none of it written.
    if heard and stream.start_of(heard[0]) >= LOST_START_S:
        stretches.append((0.0, stream.start_of(heard[0]), heard[0], True))
    # Where the recogniser itself was unsure (a loop it re-decoded or cut): what it wrote
    # there may be a clean-looking guess, so it counts as lost like a loop left in the text.
    for start_s, end_s in stream.uncertain_spans:
        holding = next((k for k in range(len(stream.segments)) if stream.end_of(k) > start_s), None)
        if holding is not None:
            stretches.append((start_s, end_s, holding, False))
    # A call where PII was asked for, or where Whisper lost this much in all: a garbled call,
    # in which any stretch of LOST_S may have held a value and its question.
    garbled = bool(windows) or sum(e - s for s, e, _, _ in stretches) >= LOST_ANYWHERE_S
    found: list[Opening] = []
    for start_s, end_s, segment, gap in sorted(stretches):
        inside = any(w.start_s <= start_s and end_s <= w.end_s for w in windows)
        if garbled and end_s - start_s >= LOST_S and not inside:
            # A gap opens at its end (the window reaches back over it, and its bound counts
            # from the words after it), the answer taken as given in it. A loop opens where
            # its speaker's turn began: the value may have begun before Whisper lost it, in
            # words it wrote as something else (issue 14, round 5: a spelled licence number).
            first = next((k for k in range(len(kinds)) if stream.end_of(k) > start_s), segment)
            opened_s = end_s if gap else min(start_s, reader_from(stream, first, kinds))
            found.append(Opening(segment, opened_s, asker, gap, None, "lost_speech", False))
    return found


def answer_openings(
    stream: CallStream, kinds: Sequence[SegmentKind], windows: Sequence[Window]
) -> list[Opening]:
    """Questions we cannot read answered with a value, and turns answered with a code (see
    above)."""
    found = []
    for k, kind in enumerate(kinds):
        start_s = stream.start_of(k)
        if kind.release or kind.cue or kind.backchannel or kind.silent:
            continue
        if any(w.start_s <= start_s for w in windows):
            continue  # in a sensitive phase already: a follow-up
        asker = stream.speaker(k)
        answer = Content(0, 0, date=False)
        said_s = stream.end_of(k)  # where the asker's words (the question) end
        replied = False  # the other side has said more than a back-channel
        for j in range(k + 1, len(stream.segments)):
            if stream.start_of(j) - stream.end_of(k) > ANSWER_WITHIN_S:
                break
            if asker is not None and stream.speaker(j) == asker:
                if kinds[j].value and not replied:
                    # Before any reply: the answer put on the asker by the speaker stage
                    # (a sixth of the speech time goes to the wrong side): "And they did its
                    # account somewhere." / "Okay, even though 3, 2, 1, 2, 3, lovely.", both
                    # the agent's.
                    answer = answer + kinds[j].content
                elif not answer.value and stream.start_of(j) - said_s <= GAP_S:
                    said_s = stream.end_of(j)  # the question goes on ("can you read those?" /
                    # "No, for me.")
                elif not kinds[j].passes:
                    break  # the asker moved on
                continue
            replied = replied or not (kinds[j].backchannel or kinds[j].silent)
            answer = answer + kinds[j].content
        if (kind.asks and answer.answer) or answer.code:
            found.append(Opening(k, start_s, asker, False, None, "answered_with_value", False))
    return found


def earlier_questions(
    stream: CallStream, kinds: Sequence[SegmentKind], windows: Sequence[Window]
) -> list[Opening]:
    """In a call where PII was asked for, the questions before the first window: the first
    ones may have been garbled past any cue ("And the name of the West." for "And an email
    address?") where a later one was heard. A follow-up window opens on each, as in a
    sensitive phase (`windows._follow_ups`); a goodbye or "how can I help" does not."""
    if not windows:
        return []
    first_s = min(w.start_s for w in windows)
    found = []
    for k, kind in enumerate(kinds):
        if stream.start_of(k) >= first_s:
            break
        if not kind.asks or kind.release or kind.cue or kind.backchannel or kind.value:
            continue
        asker = stream.speaker(k)
        # Not before the other side has said why they called: "How can I help?", garbled past
        # the goodbye cue ("How can I tell?"), is not a question for PII.
        replied = any(
            stream.speaker(j) not in (None, asker) and not (kinds[j].backchannel or kinds[j].silent)
            for j in range(k)
        )
        if replied:
            found.append(Opening(k, stream.start_of(k), asker, False, None, "follow_up", False))
    return found
