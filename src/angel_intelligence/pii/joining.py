"""Reading a value across what interrupts it: fillers, the other party's "mm-hm", segment ends.

Whisper cuts a value read out over a pause into two segments and writes what the caller says
inside it: "My mobile number is zero seven." / "I'm one, one, two, three, four, five, six."
(the demo call: "nine one one" heard as "I'm one"). Such words between two parts of a number
break its run, and nothing is found. The views below blank them (spaces of the same length,
so every character offset still points at the same place in the call's text) wherever they
stand between two digits or letters of a code, and the recognisers read the view.

- `detection_view`: fillers ("um", "er", "I'm", "it's") and back-channels of either party
  ("mm-hm", "yeah", "okay", "thank you") between two codes; what the detector reads. A
  correction's "sorry" stays: the detector reads the value and its correction from it.
- `run_view`: also "sorry", connecting words ("and", "then", "no" of a correction) and any
  punctuation or currency symbol between two codes (Whisper's loops: `4 '5", 3 '5"`, `£4 .5,
  £3`); what the digit-run rule reads near a sensitive question.
"""

from __future__ import annotations

import itertools

from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii.lexer import lex
from angel_intelligence.pii.units import Unit, UnitKind

MAX_GAP_WORDS = 4  # more words than this between two codes: a new sentence, not a filler

FILLERS = frozenset(
    {
        "um", "umm", "uh", "er", "erm", "ah", "eh", "hmm", "mm", "mmm", "hm", "mhm", "huh",
        "sorry", "im", "its", "it", "so", "yeah", "yep", "yes", "okay", "ok", "right",
        "thank", "thanks", "you", "go", "on", "got", "lovely", "great", "perfect", "sure",
    }
)  # fmt: skip
CONNECTORS = frozenset({"and", "then", "no", "is", "thats", "the", "a", "wait", "hang"})


# Words the detector reads as a correction between two attempts at a value ("4482 1009 6347
# 1012, sorry, 1021"; corrections.py): the detection view keeps them.
CORRECTION_CUES = frozenset({"sorry"})


def detection_view(text: str) -> str:
    """`text` with fillers and back-channels between two parts of a code blanked."""
    return _blank(text, FILLERS - CORRECTION_CUES, punctuation=False)


def run_view(text: str) -> str:
    """`text` with anything short between two parts of a code blanked (see above)."""
    return _blank(text, FILLERS | CONNECTORS, punctuation=True)


def _blank(text: str, words: frozenset[str], *, punctuation: bool) -> str:
    units = lex(text).units
    chars = list(text)
    codes = [k for k, unit in enumerate(units) if unit.is_code]
    for left, right in itertools.pairwise(codes):
        gap = units[left + 1 : right]
        spoken = [u for u in gap if u.kind not in (UnitKind.PUNCT, UnitKind.SEPARATOR)]
        if len(spoken) > MAX_GAP_WORDS or not all(_word(u) in words for u in spoken):
            continue
        for unit in spoken:
            chars[unit.start : unit.end] = " " * (unit.end - unit.start)
        if punctuation:
            for unit in gap:
                if unit.kind is UnitKind.PUNCT and unit.symbol not in lx.SOFT_PUNCTUATION:
                    chars[unit.start : unit.end] = " " * (unit.end - unit.start)
    return "".join(chars)


def _word(unit: Unit) -> str:
    return "".join(ch for ch in unit.symbol.lower() if ch.isalnum())
