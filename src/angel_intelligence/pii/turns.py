"""What each segment is, for the window rules: a back-channel, a value, a question, a goodbye.

A window on an answer closes at the asker's next turn, but not at every sound the asker
makes: an "mm-hm", "yeah", "okay" or "thank you" said while the caller reads a number out
interrupts the value without ending it, and neither does a turn with digits in it (the agent
repeating digits as they type, or the caller's own digits misattributed to the agent: the
speaker stage gets about a sixth of the speech time wrong on synthetic calls). A turn that
closes a window and is itself a question ("And the … ?", "When does …", "Can I take …") asks
for the next detail, even when Whisper garbled what it asks for ("When can the car be
higher?"), and opens a follow-up window; a goodbye ("thank you so much for your support",
"anything else I can help with?") does not.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from angel_intelligence.pii import context as ctx
from angel_intelligence.pii.cues import Cue, CueKind
from angel_intelligence.pii.joining import run_view
from angel_intelligence.pii.lexer import lex
from angel_intelligence.pii.stream import CallStream
from angel_intelligence.pii.units import UnitKind

MAX_BACKCHANNEL_WORDS = 5
BACKCHANNEL_WORDS = frozenset(
    {
        "m", "mm", "mmm", "hm", "hmm", "mhm", "mmhm", "mmhmm", "uh", "huh", "uhhuh", "um", "umm",
        "er",
        "erm", "ah", "oh", "yeah", "yep", "yes", "yup", "ok", "okay", "right", "alright", "sure",
        "go", "on", "ahead", "thank", "thanks", "you", "lovely", "great", "perfect", "good",
        "fine", "got", "it", "that", "sorry", "pardon", "cheers", "brilliant", "and", "so",
        "correct", "excellent", "super", "i", "see", "cool",
    }
)  # fmt: skip
# How a question or a request for the next detail starts (after any back-channel words).
QUESTION_STARTS = frozenset(
    {
        "and", "what", "whats", "when", "where", "which", "who", "whose", "how", "can", "could",
        "may", "would", "will", "do", "does", "did", "is", "are", "have", "has", "then", "last",
        "lastly", "finally", "next", "also", "now", "just", "please", "plus", "ill", "id",
    }
)  # fmt: skip
# Words after a number that make it a count or an amount, not a value ("three digits",
# "twenty pounds"): an agent's "and the three digits on the back?" still ends a window.
COUNT_WORDS = ctx.QUANTITY_WORDS | {"digits", "digit", "numbers", "number", "letters", "characters"}
MAX_LOOP_WORDS = 6  # a phrase of up to this many words said over and over: Whisper looping
MAX_WORD_S = 1.5  # a word (or a pause inside a segment) longer than this swallowed speech


@dataclass(frozen=True, slots=True)
class SegmentKind:
    backchannel: bool  # only back-channel words ("Mm-hm.", "Okay, thank you.")
    content: Content  # digits, spelled letters and dates in it
    silent: bool  # no words at all
    unclear: bool  # a word or a pause over MAX_WORD_S: Whisper lost what was said in it
    asks: bool  # a question or a request for something (see QUESTION_STARTS)
    release: bool  # a goodbye or "anything else": the end of the questions
    cue: bool  # a cue that opens a window of its own
    reads_back: bool = False  # a read-back cue ("just to confirm", "is that right?")

    @property
    def value(self) -> bool:
        """A digit, two letters said one by one, or a date: a value, a piece of one, or its
        read-back."""
        return self.content.value

    @property
    def sensitive(self) -> bool:
        """A cue asking for PII or reading it back, a value, or speech Whisper lost."""
        return self.cue or self.reads_back or self.value or self.unclear

    @property
    def passes(self) -> bool:
        """Does not close a window: a back-channel, a value, nothing, or speech Whisper lost."""
        return self.backchannel or self.value or self.silent or self.unclear


def classify(stream: CallStream, cues: list[Cue]) -> list[SegmentKind]:
    view = run_view(stream.layout.text)
    kinds = []
    for segment in range(len(stream.segments)):
        words = stream.words_of(segment)
        start = stream.layout.offsets[segment]
        text = stream.layout.text[start : start + stream.layout.lengths[segment]]
        mine = {c.phrase.kind for c in cues if c.segment == segment}
        content = Content.of(view[start : start + len(text)])
        opening = [w for w in words if w not in BACKCHANNEL_WORDS]
        first = next((w for w in words if w in QUESTION_STARTS or w not in BACKCHANNEL_WORDS), "")
        kinds.append(
            SegmentKind(
                backchannel=bool(words)
                and len(words) <= MAX_BACKCHANNEL_WORDS
                and not opening
                and CueKind.RELEASE not in mine,
                content=content,
                silent=not words,
                unclear=_unclear(stream, segment) or _repeated(stream, segment),
                asks=text.rstrip().endswith("?")
                or first in QUESTION_STARTS
                or CueKind.REQUEST in mine,
                release=CueKind.RELEASE in mine,
                cue=any(kind.opens_window for kind in mine),
                reads_back=bool(mine & {CueKind.READ_BACK, CueKind.CHECK}),
            )
        )
    return kinds


def _unclear(stream: CallStream, segment: int) -> bool:
    """Speech Whisper lost: a word or a pause too long, or a loop ("no, no, no, no", "and I'll
    leave the card, and I'll leave the card, and I'll leave the card")."""
    words = stream.segments[segment].words
    if any(w.end_s - w.start_s > MAX_WORD_S for w in words):
        return True
    if any(b.start_s - a.end_s > MAX_WORD_S for a, b in itertools.pairwise(words)):
        return True
    said = stream.words_of(segment)
    for size in range(1, MAX_LOOP_WORDS + 1):
        repeats = 4 if size == 1 else 3  # "no, no, no" may be said; four times is a loop
        for k in range(len(said) - size * repeats + 1):
            gram = said[k : k + size]
            if all(said[k + r * size : k + (r + 1) * size] == gram for r in range(1, repeats)):
                return True
    return False


def _repeated(stream: CallStream, segment: int) -> bool:
    """The same words three segments in a row: a loop across segments ("It's not your name."
    three times)."""
    said = stream.words_of(segment)
    if not said:
        return False
    count = len(stream.segments)
    # The first and second times count too: the loop began where the phrase was first said.
    return any(
        all(0 <= j < count and stream.words_of(j) == said for j in (segment + a, segment + b))
        for a, b in ((-2, -1), (-1, 1), (1, 2))
    )


@dataclass(frozen=True, slots=True)
class Content:
    """Digits (not counts or amounts in words: "three digits", "twenty pounds"), letters said
    one by one, and dates in a text: what a value, a piece of one, or Whisper's garbled
    version of one looks like."""

    digits: int
    spelled: int
    date: bool

    @classmethod
    def of(cls, text: str) -> Content:
        lexed = lex(text)
        units = lexed.units
        digits, date = 0, False
        for k, unit in enumerate(units):
            date = date or unit.kind in (UnitKind.ORDINAL, UnitKind.MONTH)
            if unit.kind is UnitKind.DIGITS:
                after = next((u for u in units[k + 1 :] if u.kind is not UnitKind.PUNCT), None)
                if after is None or after.symbol not in COUNT_WORDS:
                    digits += len(unit.symbol)
        # Letters said one by one ("M -M -H -M"): the lexer leaves a run of letters alone as
        # words, so count the tokens ("a" and "I" are words).
        spelled = sum(1 for t in lexed.tokens if t.text.isalpha() and len(t.text) == 1
                      and t.text not in ("a", "I"))  # fmt: skip
        return cls(digits, spelled, date)

    def __add__(self, other: Content) -> Content:
        return Content(self.digits + other.digits, self.spelled + other.spelled,
                       self.date or other.date)  # fmt: skip

    @property
    def value(self) -> bool:
        return self.digits >= 1 or self.spelled >= 2 or self.date

    @property
    def answer(self) -> bool:
        """Three digits or letters said one by one, or a date with a number in it: a value
        given (a date alone is too easily heard where there was none: "Tuesday" as "June
        8th")."""
        return self.digits + self.spelled >= 3 or (self.date and self.digits >= 1)

    @property
    def code(self) -> bool:
        """Letters said one by one and digits together: a code (no amount or year is one)."""
        return self.spelled >= 2 and self.digits >= 1
