"""Windows opened by what was said rather than by a cue: the question was lost.

In a noisy call Whisper garbles the agent's question ("When can the car be higher?", "Well,
it's not covered, um, please") as well as the answer, and no cue is left. Besides a value said
with no question before it (`digit_runs.digit_openings`), two things still show that PII was
asked for and given:

* a question we cannot read answered with a value: "And then they came and we excited?" /
  "December 20, 20, 7." (the expiry date). A code of letters and digits ("M -N, this is M -1
  -3": a postcode) answers whatever turn came before it, question-shaped or not;
* in a call where PII was asked for, a stretch of `LOST_S` or more that Whisper lost (a loop,
  a word stretched over seconds): "I'll just leave the card, and I'll just leave the card, …"
  for eighteen seconds was a card number, its expiry and the question for the code.

Either opens a window closed like any other (`windows.question_windows`).
"""

from __future__ import annotations

from collections.abc import Sequence

from angel_intelligence.pii.stream import CallStream
from angel_intelligence.pii.turns import Content, SegmentKind
from angel_intelligence.pii.windows import Opening, Window

ANSWER_WITHIN_S = 10.0  # an answer starts this soon after the question
LOST_S = 3.0


def lost_speech(
    stream: CallStream, kinds: Sequence[SegmentKind], windows: Sequence[Window]
) -> list[Opening]:
    """Speech Whisper lost in a call where PII was asked for (see above): a window over it
    and the answer after it, closed by the agent's next turn (no side is known to have asked:
    the agent asks)."""
    if not windows:
        return []
    found: list[Opening] = []
    run: list[int] = []
    diarized = any(stream.speaker(k) in ("agent", "supporter") for k in range(len(kinds)))
    for k in [*range(len(stream.segments)), None]:
        if k is not None and kinds[k].unclear:
            run.append(k)
            continue
        if run:
            start_s = min(stream.start_of(j) for j in run)
            end_s = max(stream.end_of(j) for j in run)
            inside = any(w.start_s <= start_s and end_s <= w.end_s for w in windows)
            if end_s - start_s >= LOST_S and not inside:
                asker = "agent" if diarized else None
                found.append(Opening(run[-1], start_s, asker, False, None, "lost_speech", False))
        run = []
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
        for j in range(k + 1, len(stream.segments)):
            if stream.start_of(j) - stream.end_of(k) > ANSWER_WITHIN_S:
                break
            if asker is not None and stream.speaker(j) == asker:
                if kinds[j].passes:
                    continue
                break  # the asker moved on
            answer = answer + kinds[j].content
        if (kind.asks and answer.answer) or answer.code:
            found.append(Opening(k, start_s, asker, False, None, "answered_with_value", False))
    return found
