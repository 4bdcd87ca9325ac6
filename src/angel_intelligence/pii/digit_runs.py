"""Digit runs: numbers said near a sensitive question, masked whatever the rules made of them.

Whisper tiny.en writes a card number as `4 '5", 3 '5", 1 '0"…`, `-6 -01 -1 -3`, "Two, four,
five, seven, one" (a digit dropped) or `£4.02, £29.08`: no recogniser can type it, and it is
still the caller's card. Any run of digits, number words or letters read one by one
(`code_runs`) is treated as PII in the text and the audio when it lies:

* in a question or read-back window: two digits or more, or three letters or digits read one
  by one (a spelled code), unless a count or amount word follows ("three digits", "twenty
  pounds");
* within `digit_run_reach_s` after a window: three digits or more, not an amount ("£25");
* anywhere: six digits and spelled letters or more, with at least two digits; eight letters
  read one by one; or a loop of three digits or more (no amount, count or year is that long:
  the question before it was lost). Such a run also opens a window on its speaker's answer
  (`digit_openings`).

Its type is the type asked for when the windows over it that name a type all name the same
one, else `unknown_number` (`[NUMBER]`). In or just after a window asking for card data it is
masked in storage too (`PiiSpan.card_data`), and so is any run of twelve digits or more: card
data is never stored in clear (PCI DSS).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from angel_intelligence.domain.pii import PiiSpan, PiiType
from angel_intelligence.pii.code_runs import CodeRun, span_time
from angel_intelligence.pii.stream import CallStream
from angel_intelligence.pii.turns import SegmentKind
from angel_intelligence.pii.windows import Opening, Window, reader_from

RUN_CONFIDENCE = 0.5  # below every typed rule: a finding of a recogniser wins an overlap
MIN_DIGITS_IN_WINDOW = 2
MIN_SPELLED_IN_WINDOW = 3
MIN_DIGITS_NEAR = 3
MIN_CODE_ANYWHERE = 6
MIN_LETTERS_ANYWHERE = 8
CARD_LENGTH = 12  # a run this long may be a card number however it was asked for: masked as one


@dataclass(frozen=True, slots=True)
class NumberRun:
    span: PiiSpan
    rule: str  # "digits", "spelled" or "loop"


def is_long(run: CodeRun) -> bool:
    """PII wherever it is said (see above)."""
    if run.digits >= 2 and run.digits + run.spelled >= MIN_CODE_ANYWHERE:
        return True
    if run.spelled >= MIN_LETTERS_ANYWHERE:
        return True
    return run.digits + run.spelled >= 3 and run.loop


def digit_openings(
    stream: CallStream,
    kinds: Sequence[SegmentKind],
    runs: Sequence[CodeRun],
    windows: Sequence[Window],
    findings: Sequence[PiiSpan],
    reach_s: float = 0.0,
) -> list[Opening]:
    """Windows opened by a value with no question window over it: a finding, a long run, a
    segment dense in digits ("set for Donald 1, set for 7, 5, Donald 2, 1, set, 8, 3, 4,
    5": words between the digits break the run), or three digits or more within `reach_s`
    before a question window (issue 14, round 5: a licence number volunteered before the
    next question, its read-back heard as "I want one, two, seven, eight", as a run after a
    window counts). Its speaker answered a question that was lost, and the other side asked
    it."""
    dense = [
        (k, kind.content.digits)
        for k, kind in enumerate(kinds)
        if kind.content.digits >= 2
        and kind.content.digits + kind.content.spelled >= MIN_CODE_ANYWHERE
    ]
    found: list[tuple[int, float, float, PiiType | None, bool, str]] = []
    for span in findings:
        start_s, end_s, segment = span_time(stream, span.start_char, span.end_char)
        card = span.type.is_payment_card_data
        found.append((segment, start_s, end_s, span.type, card, f"found:{span.type.value}"))
    found += [
        (r.segment, r.start_s, r.end_s, None, r.digits >= CARD_LENGTH, "digits_answer")
        for r in runs
        if is_long(r) or _just_before(r, windows, reach_s)
    ]
    found += [
        (k, stream.start_of(k), stream.end_of(k), None, digits >= CARD_LENGTH, "digits_answer")
        for k, digits in dense
    ]
    openings: dict[int, Opening] = {}
    for segment, start_s, end_s, kind, card, rule in found:
        if segment in openings or any(w.overlaps(start_s, end_s) for w in windows):
            continue
        speaker = stream.speaker(segment)
        asker = {"agent": "supporter", "supporter": "agent"}.get(speaker or "")
        opened_s = min(reader_from(stream, segment, kinds), start_s)
        openings[segment] = Opening(segment, opened_s, asker, True, kind, rule, card)
    return list(openings.values())


def _just_before(run: CodeRun, windows: Sequence[Window], reach_s: float) -> bool:
    """Three digits or more (not a count or an amount) said within `reach_s` before a
    window opens."""
    if run.count or run.amount or run.digits < MIN_DIGITS_NEAR:
        return False
    return any(0.0 <= w.start_s - run.end_s <= reach_s for w in windows)


def number_runs(
    runs: Sequence[CodeRun], windows: Sequence[Window], reach_s: float
) -> list[NumberRun]:
    """The runs that are PII by the rules above, as findings."""
    found = []
    for run in runs:
        inside = [w for w in windows if w.overlaps(run.start_s, run.end_s)]
        near = [w for w in windows if w.end_s <= run.start_s <= w.end_s + reach_s]
        if _counts(run, inside=bool(inside), near=bool(near)):
            found.append(NumberRun(_span(run, inside or near[-1:]), run.rule))
    return found


def _counts(run: CodeRun, *, inside: bool, near: bool) -> bool:
    if run.count:
        return False
    if inside and (run.digits >= MIN_DIGITS_IN_WINDOW or run.spelled >= MIN_SPELLED_IN_WINDOW):
        return True
    if is_long(run):
        return True
    return near and run.digits >= MIN_DIGITS_NEAR and not run.amount


def _span(run: CodeRun, windows: Sequence[Window]) -> PiiSpan:
    """Typed as asked when the windows over it that name a type all name the same one."""
    types = {w.pii_type for w in windows if w.pii_type is not None}
    kind = types.pop() if len(types) == 1 else None
    return PiiSpan(
        type=kind or PiiType.UNKNOWN_NUMBER,
        start_char=run.start,
        end_char=run.end,
        value="",  # never shown: a card mask of it reveals no digits
        confidence=RUN_CONFIDENCE,
        card_data=run.digits >= CARD_LENGTH or any(w.card_data for w in windows),
    )
