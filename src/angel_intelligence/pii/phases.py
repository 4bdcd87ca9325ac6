"""Payment phases: from the first question for card data until the agent moves on, all of it.

Question windows close at the asker's next turn and follow-ups open on the turns after it, so
a payment is covered window by window, each edge resting on a word time and a speaker label
that Whisper and the speaker stage may have got wrong: an answer begun over the end of the
question (before the cue's last word), a window closed by the caller's words given to the
agent, a question heard where none was asked. A missed card number is not acceptable where a
bleep over a whole answer is (issue 14), so once card data was asked for (a window with
`card_data`: a card number, expiry or security code asked for, or an answer of card length),
everything from the first such window until the agent clearly moves on is one window of its
own (rule `payment_phase`), whoever the speaker stage says was talking:

* it opens at the first card-data window's start, or earlier where the turns just before it
  hold a value or speech Whisper lost (a card number given before it was asked for, read
  over the question, or written on the agent by the speaker stage);
* it closes at the start of the first goodbye or "anything else" (a release cue) said on the
  agent's side, or by no known speaker, after the last card-data window began, that is
  followed by `windows.CLEAR_S` with no question for PII, no read-back, no value and no lost
  speech: the agent clearly moved on (`windows.moves_on`, which ends follow-ups too). An
  agent's "thank you very much" followed by "just to confirm, …" or by the next question
  moved on from nothing. The caller's "thank you very much" ends nothing, and without a
  release it runs to the end of the call.

The phase bleeps the agent's questions and its "thank you"s between the answers too: that is
its cost, reported by `benchmarks/pii_speech.py` beside the coverage.
"""

from __future__ import annotations

from collections.abc import Sequence

from angel_intelligence.domain.pii import AudioReason, PiiType
from angel_intelligence.pii.stream import CallStream
from angel_intelligence.pii.turns import SegmentKind
from angel_intelligence.pii.windows import Window, moves_on, since_question, value_before

RULE = "payment_phase"


def payment_phases(
    stream: CallStream,
    kinds: Sequence[SegmentKind],
    windows: Sequence[Window],
    reach_s: float = 0.0,
) -> list[Window]:
    """One window per payment phase (see above)."""
    card = sorted(
        (w for w in windows if w.card_data and w.reason is AudioReason.QUESTION_WINDOW),
        key=lambda w: w.start_s,
    )
    phases: list[Window] = []
    for window in card:
        if phases and window.start_s < phases[-1].end_s:
            continue  # inside the phase already: it ran past this window's start
        last_s = max(w.start_s for w in card if w.start_s >= window.start_s)
        end_s = _moves_on(stream, kinds, max(window.start_s, last_s))
        last_end_s = max(w.end_s for w in card if window.start_s <= w.start_s < end_s)
        start_s = min(
            value_before(stream, kinds, window.start_s),
            since_question(stream, kinds, window.start_s, reach_s, windows),
        )
        phases.append(
            Window(
                start_s,
                max(end_s, last_end_s),
                AudioReason.QUESTION_WINDOW,
                _one_type(card, window.start_s, end_s),
                RULE,
                card_data=True,
            )
        )
    return phases


def _moves_on(stream: CallStream, kinds: Sequence[SegmentKind], after_s: float) -> float:
    """The start of the first segment after `after_s` where the agent moves on
    (`windows.moves_on`), else the end of the call."""
    for k in range(len(kinds)):
        said_s = stream.start_of(k)
        if said_s > after_s and moves_on(stream, kinds, k):
            return said_s
    return stream.duration_s


def _one_type(card: Sequence[Window], start_s: float, end_s: float) -> PiiType | None:
    """The card-data type asked for in the phase, when only one was (else null)."""
    types = {w.pii_type for w in card if start_s <= w.start_s < end_s and w.pii_type is not None}
    return types.pop() if len(types) == 1 else None
