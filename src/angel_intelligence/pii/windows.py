"""Question windows: the audio of an answer, whatever the ASR wrote there.

Whisper tiny.en loses digits in ways no text rule can read (loops, dropped or swapped digits,
nothing at all where the VAD dropped the value), and in a noisy call it garbles the question
too. So a question asking for PII opens a window defined by time, not by what was written:

* it opens where the cue is said (the start of its last word: Whisper stretches a question's
  last word over the pause after it) and runs over the rest of the asker's turn and the answer;
* it closes at the asker's next turn, which must come after the other party said something
  (not just "mm-hm"), and must be neither a back-channel ("yeah", "okay, thank you") nor have
  digits or a date in it (the agent repeating the value, or the caller's digits given to the
  wrong speaker), nor a garbled piece of a read-back (the same speaker goes straight on with
  digits), nor speech Whisper lost (a loop, a word stretched over seconds); it ends no earlier
  than the last word before that turn, and no later than `question_window_max_s` after it
  opened;
* a window starts a sensitive phase, which lasts until the agent clearly moves on: a goodbye
  or a question that is not about details ("thank you so much for your support", "anything
  else?", "how much…?") followed by `CLEAR_S` with nothing sensitive (`moves_on`; the
  caller's "thank you very much" ends nothing the agent asked for). A
  question asked in it with no cue of its own ("And the … ?", "When can the car be
  higher?": the expiry question, garbled) asks for the next detail: a follow-up window runs
  from its start by the same rules, asked by whoever asked it. So does every other turn of
  the asker's side that is not a back-channel or a value (the questions come one after
  another, and "last one, the security code", garbled, is not even a question any more). An
  answer of card length (twelve digits or more) makes a phase a payment phase, however its
  question was heard (its digit runs are card data);
* a value said with no cue before it (the question was lost), speech Whisper lost in a call
  where PII was asked for, and a question we cannot read answered with a value open windows
  too (`openings.py`).

Roles are wrong on about a sixth of the speech time, so a cue counts in any speaker's turn (a
supporter's "my card number is…" too), and segments of no known speaker never close a
window: without diarization a window runs to its bound. Failing closed: when the turns are
unclear, more is bleeped, not less.

A window that opens after a stretch where nothing was written, or only a loop, reaches back
over it; one whose bound falls where nothing was written runs on to the next words (the VAD
may have dropped speech there). Read-backs are in `read_backs.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from angel_intelligence.domain.pii import AudioReason, PiiType
from angel_intelligence.pii.context import CURRENCY
from angel_intelligence.pii.cues import Cue
from angel_intelligence.pii.policy import PiiPolicy
from angel_intelligence.pii.stream import CallStream
from angel_intelligence.pii.turns import Content, SegmentKind

CARD_DIGITS = 12
MORE_VALUE_WITHIN_S = 5.0  # a reader's value this soon after their turn starts: a read-back
GAP_S = 1.0  # this long with nothing written, inside a turn or before a window: dropped speech?
CLEAR_S = 15.0  # after a release, this long with nothing sensitive: the agent moved on
# "£50", "£25.00": a sum of money, not a value (the currency symbols are context.CURRENCY)
AMOUNT = re.compile(rf"[{''.join(sorted(CURRENCY))}]\s?\d[\d,.]*")


@dataclass(frozen=True, slots=True)
class Window:
    """Unpadded: from when the answer (or read-back) may start to when it must have ended."""

    start_s: float
    end_s: float
    reason: AudioReason
    pii_type: PiiType | None
    rule: str
    card_data: bool = False  # asks for card data, or follows a question that did

    def overlaps(self, start_s: float, end_s: float) -> bool:
        return self.start_s < end_s and start_s < self.end_s


@dataclass(frozen=True, slots=True)
class Opening:
    """Where a window opens: in `segment`, at `opened_s`, asked by `asker`."""

    segment: int
    opened_s: float
    asker: str | None
    answered: bool  # the answer is already under way (a window opened by its digits)
    pii_type: PiiType | None
    rule: str
    card_data: bool


def question_windows(
    stream: CallStream,
    cues: Sequence[Cue],
    kinds: Sequence[SegmentKind],
    digit_openings: Sequence[Opening],
    policy: PiiPolicy,
) -> list[Window]:
    openings = [
        Opening(
            cue.segment,
            stream.tokens[cue.last].start_s,
            stream.speaker(cue.segment),
            False,
            cue.phrase.pii_type,
            f"cue:{cue.phrase.rule}:{' '.join(cue.phrase.words)}",
            cue.phrase.pii_type is not None and cue.phrase.pii_type.is_payment_card_data,
        )
        for cue in cues
        if cue.phrase.kind.opens_window
    ]
    windows: list[Window] = []
    queue = [*openings, *digit_openings]
    opened = {o.segment for o in queue}
    while queue:
        current = queue.pop(0)
        end_s, _ = _answer_end(stream, current, kinds, policy.question_window_max_s)
        window = Window(
            _back_over_gap(stream, kinds, current),
            end_s,
            AudioReason.QUESTION_WINDOW,
            current.pii_type,
            current.rule,
            current.card_data,
        )
        if not window.card_data and _card_length(stream, kinds, window):
            window = replace(window, card_data=True)
        windows.append(window)
        for follow_up in _follow_ups(stream, current, window, kinds, opened):
            opened.add(follow_up.segment)
            queue.append(follow_up)
    return windows


def _card_length(stream: CallStream, kinds: Sequence[SegmentKind], window: Window) -> bool:
    """An answer of card length (twelve digits or more): a payment phase, however the question
    was heard ("Okay, the long cart under three")."""
    digits = sum(
        kinds[k].content.digits
        for k in range(len(stream.segments))
        if window.start_s <= stream.start_of(k) < window.end_s
    )
    return digits >= CARD_DIGITS


def _back_over_gap(stream: CallStream, kinds: Sequence[SegmentKind], opening: Opening) -> float:
    """A window that opens after a stretch where nothing was written (the VAD may have dropped
    the speech there: the answer already under way) opens where the words before it stopped;
    one whose question comes after speech Whisper lost (a loop: "Sir, Sir, Sir, …" for twenty
    seconds) opens where the last words it did hear stopped, question and all."""
    opened_s = opening.opened_s
    question_s = min(opened_s, stream.start_of(opening.segment))
    heard = [
        t.end_s
        for t in stream.tokens
        if t.norm and t.end_s < question_s and not kinds[t.segment].unclear
    ]
    last_s = max(heard, default=0.0)
    if heard and any(
        kinds[k].unclear and last_s <= stream.start_of(k) < question_s
        for k in range(len(stream.segments))
    ):
        return last_s
    before = [t.end_s for t in stream.tokens if t.norm and t.end_s < opened_s]
    if before and opened_s - max(before) >= GAP_S:
        return max(before)
    if not before and opened_s >= GAP_S:
        return 0.0  # nothing written before it in the whole call
    return opened_s


def value_before(
    stream: CallStream,
    kinds: Sequence[SegmentKind],
    start_s: float,
    others: Sequence[Window] = (),
) -> float:
    """Back from `start_s` over the turns just before it that hold a value or speech Whisper
    lost (and the back-channels between them), up to one that `others` already cover: the
    answer begun before the question was heard (a value given before it was asked for, or
    read over the question's end)."""
    for k in range(len(kinds) - 1, -1, -1):
        if stream.start_of(k) > start_s:
            continue
        kind = kinds[k]
        if kind.value or kind.unclear:
            if _covered(others, stream.start_of(k), min(start_s, stream.end_of(k))):
                break  # another window has it
            start_s = min(start_s, stream.start_of(k))
        elif not (kind.backchannel or kind.silent or stream.end_of(k) > start_s):
            break  # words that are not a value: the window does not reach past them
    return start_s


def since_question(
    stream: CallStream,
    kinds: Sequence[SegmentKind],
    start_s: float,
    reach_s: float,
    others: Sequence[Window] = (),
) -> float:
    """Back from `start_s` to where the last question before it ended (a turn that asks, with
    no value in it), at most `reach_s` back and never past the end of a window of `others`
    that ended before it, when a value or speech Whisper lost lies in between (else
    `start_s`): what the caller said there may be a value given before anyone asked for it,
    partly in words Whisper garbled past every rule (issue 14, sixth round: a card number and
    its expiry read out straight after the caller's reason for calling, with no card word near
    them, written as talk or put on the agent, a few digits left)."""
    heard = [stream.start_of(k) for k in range(len(kinds)) if stream.words_of(k)]
    # Not before the first words written: a lost greeting is `openings.lost_speech`'s.
    floor_s = max(0.0, start_s - reach_s, min(heard, default=0.0))
    floor_s = max([floor_s, *(w.end_s for w in others if w.end_s <= start_s)])
    for k in range(len(kinds) - 1, -1, -1):
        end_s = stream.end_of(k)
        if end_s > start_s:
            continue  # the question that opened the window, or speech after it
        if end_s <= floor_s:
            break
        if kinds[k].asks and not kinds[k].value:
            floor_s = end_s
            break
    floor_s = min(floor_s, start_s)
    held = any(
        _holds_value(stream, kinds, k)
        for k in range(len(kinds))
        if floor_s <= stream.start_of(k) <= start_s
    )
    return floor_s if held else start_s


def _holds_value(stream: CallStream, kinds: Sequence[SegmentKind], k: int) -> bool:
    """A value or speech Whisper lost in segment `k`; an amount alone is neither ("I would
    like to make a donation of £50 please": the caller's reason, not a value given unasked)."""
    if kinds[k].unclear:
        return True
    text = stream.segments[k].text
    if not kinds[k].value or not AMOUNT.search(text):
        return kinds[k].value
    return Content.of(AMOUNT.sub(" ", text)).value


def first_reaches_back(
    stream: CallStream, kinds: Sequence[SegmentKind], windows: Sequence[Window], reach_s: float
) -> list[Window]:
    """The call's first window opened back to where the last question before it ended
    (`since_question`): before the first question for PII the caller may already be giving
    it ("I'd like to give fifty pounds, here you go, four five…"), and no rule may have seen
    it in what Whisper wrote."""
    if not windows:
        return []
    first = min(windows, key=lambda w: w.start_s)
    start_s = since_question(stream, kinds, first.start_s, reach_s)
    return [replace(w, start_s=start_s) if w is first else w for w in windows]


def reach_back(
    stream: CallStream, kinds: Sequence[SegmentKind], windows: Sequence[Window]
) -> list[Window]:
    """Each window opened back over a value just before it that no other window covers
    (`value_before`; issue 14, round 5: a card number given before the question, written on
    the agent's side with too few digits left to open a window of its own)."""
    out = []
    for window in windows:
        others = [w for w in windows if w is not window]
        start_s = value_before(stream, kinds, window.start_s, others)
        out.append(replace(window, start_s=start_s) if start_s < window.start_s else window)
    return out


def _covered(windows: Sequence[Window], start_s: float, end_s: float) -> bool:
    """Whether the windows together cover [start_s, end_s]."""
    cursor = start_s
    for window in sorted(windows, key=lambda w: w.start_s):
        if window.start_s > cursor:
            break
        cursor = max(cursor, window.end_s)
    return cursor >= end_s


def _follow_ups(
    stream: CallStream,
    opening: Opening,
    window: Window,
    kinds: Sequence[SegmentKind],
    opened: set[int],
) -> list[Opening]:
    """The next questions of a sensitive phase (see above): from the window's start to the
    first goodbye after it, every question that names nothing we know opens a follow-up, and
    so does every other turn of the asker's side that is not a back-channel or a value (the
    details are asked one after the other, and a garbled "last one, the security code" is not
    even a question any more)."""
    found = []
    for k in range(len(stream.segments)):
        start_s = stream.start_of(k)
        if start_s < window.start_s:
            continue
        kind = kinds[k]
        speaker = stream.speaker(k)
        if moves_on(stream, kinds, k, opening.asker):
            break
        if k in opened or kind.cue:
            continue
        # Every turn of the asker's side, not only in a payment phase: the next question,
        # garbled, need not look like one ("And for me, this one mode.", "Yes, I agree from
        # that card.": the expiry question), and a bleep over an answer that was not PII is
        # the lesser harm (issue 14).
        asker_turn = speaker is not None and speaker == opening.asker and not kind.passes
        if kind.asks or asker_turn:
            # From the start of the turn: it may be the caller's value, given to the wrong
            # speaker and garbled (opening at its last word, as a cue does, missed values).
            found.append(Opening(k, start_s, speaker, False, None, "follow_up", window.card_data))
    return found


def moves_on(
    stream: CallStream, kinds: Sequence[SegmentKind], k: int, asker: str | None = "agent"
) -> bool:
    """Whether segment `k` ends a sensitive phase: a release ("anything else", "thank you so
    much for your support") said by the agent's side or by no known speaker (or by the caller
    when the caller offered the value), followed by `CLEAR_S` with nothing sensitive in it
    (issue 14, round 5): the caller's "thank you very much" (or Whisper's garble of "hang on,
    let me get my purse") ends nothing the agent asked for, and an agent's "thank you very
    much" followed by "just to confirm, …" or the next question moved on from nothing. The
    agent's goodbye given to the caller by the speaker stage leaves the phase open to the end
    of the call, the safe side."""
    speaker = stream.speaker(k)
    if not kinds[k].release or (speaker == "supporter" and asker != "supporter"):
        return False
    horizon_s = stream.end_of(k) + CLEAR_S
    return not any(
        kinds[j].sensitive for j in range(k, len(kinds)) if stream.start_of(j) <= horizon_s
    )


def _answer_end(
    stream: CallStream, opening: Opening, kinds: Sequence[SegmentKind], max_s: float
) -> tuple[float, int | None]:
    """When the asker's next real turn starts (and which segment it is), after an answer."""
    asker = opening.asker
    last_s = max(opening.opened_s, stream.end_of(opening.segment))
    bound_s = min(opening.opened_s + max_s, stream.duration_s or opening.opened_s + max_s)
    bound_s = max(bound_s, last_s)  # never before the end of the segment it opened in
    answered = opening.answered
    for k in range(opening.segment + 1, len(stream.segments)):
        start_s = stream.start_of(k)
        if start_s >= bound_s:
            # The bound in a stretch where nothing was written: the VAD may have dropped the
            # speech there, which cannot be shown to have ended; run on to the next words.
            return (start_s if last_s < bound_s else bound_s), None
        speaker, kind = stream.speaker(k), kinds[k]
        if speaker is not None and asker is not None and speaker != asker:
            answered = answered or not (kind.backchannel or kind.silent)
        elif (
            speaker == asker and answered and not kind.passes and not _more_value(stream, kinds, k)
        ):
            return min(bound_s, max(start_s, last_s)), k
        last_s = max(last_s, stream.end_of(k))
    return (stream.duration_s if last_s < bound_s else bound_s), None


def _more_value(stream: CallStream, kinds: Sequence[SegmentKind], k: int) -> bool:
    """Whether the same speaker goes on with a value within `MORE_VALUE_WITHIN_S`: "A .K." /
    "Hi, bro." / "A .K." is a read-back with a garbled piece in it, and "Let me take a couple
    of math." / "We have it." / "One -C -H." one whose cue was garbled, not the asker moving
    on."""
    speaker = stream.speaker(k)
    for j in range(k + 1, len(stream.segments)):
        if stream.speaker(j) != speaker or stream.start_of(j) - stream.end_of(j - 1) > GAP_S:
            return False
        if stream.start_of(j) - stream.start_of(k) > MORE_VALUE_WITHIN_S:
            return False
        if kinds[j].value:
            return True
    return False


def reader_from(stream: CallStream, segment: int, kinds: Sequence[SegmentKind]) -> float:
    """Where the reader's words before `segment` begin: back over their own segments and the
    other party's back-channels."""
    reader = stream.speaker(segment)
    first = segment
    for k in range(segment - 1, -1, -1):
        speaker = stream.speaker(k)
        other = speaker is not None and reader is not None and speaker != reader
        if other and not (kinds[k].backchannel or kinds[k].silent):
            break
        first = k
    return stream.start_of(first)
