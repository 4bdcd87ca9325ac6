"""Number words said in a row, read as the numbers a caller means: "four one" is 4, 1; "twenty
five" 25; "one hundred and two" 102; "nineteen ninety" 19, 90; "twenty first" the ordinal 21."""

from __future__ import annotations

from text_to_num import text2num

from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii.units import Draft, Token, UnitKind

_MAX_PHRASE_WORDS = 7


def read_number_phrase(tokens: tuple[Token, ...], i: int) -> tuple[list[Draft], int]:
    """A run of number words split into numbers: "four one" → 4, 1; "twenty five" → 25;
    "one hundred and two" → 102; "nineteen ninety" → 19, 90; "twenty first" → ordinal 21."""
    words: list[str] = []
    positions: list[int] = []
    hyphens: list[int] = []
    j = i
    while j < len(tokens):
        low = tokens[j].lower
        after = tokens[j + 1].lower if j + 1 < len(tokens) else ""
        if low in lx.NUMBER_WORDS:
            words.append(low)
            positions.append(j)
        elif (
            low == "-"
            and words
            and (
                after in lx.NUMBER_WORDS
                or (after in lx.UNIT_ORDINALS and words[-1] in lx.TENS_WORDS)
            )
        ):
            hyphens.append(j)  # "twenty-five", "four-one-one", "twenty-ninth": see below
        elif low == "and" and words and words[-1] in lx.SCALE_WORDS and after in lx.NUMBER_WORDS:
            words.append(low)
            positions.append(j)
        else:
            break
        j += 1

    ordinal: Draft | None = None
    if j < len(tokens) and tokens[j].lower in lx.UNIT_ORDINALS and words[-1] in lx.TENS_WORDS:
        value = lx.TENS_WORDS[words[-1]] + lx.UNIT_ORDINALS[tokens[j].lower]
        ordinal = Draft(UnitKind.ORDINAL, str(value), positions[-1], j, True)
        words.pop()
        positions.pop()
        j += 1

    drafts: list[Draft] = []
    k = 0
    while k < len(words):
        if words[k] == "and":
            drafts.append(Draft(UnitKind.WORD, "and", positions[k], positions[k]))
            k += 1
            continue
        for end in range(min(len(words), k + _MAX_PHRASE_WORDS), k, -1):
            if words[end - 1] == "and":
                continue
            number = _number(words[k:end])
            if number is not None:
                drafts.append(
                    Draft(UnitKind.DIGITS, str(number), positions[k], positions[end - 1], True)
                )
                k = end
                break
    if ordinal is not None:
        drafts.append(ordinal)
    for position in hyphens:  # a hyphen between two numbers stays a separator
        if not any(d.first < position < d.last for d in drafts):
            drafts.append(Draft(UnitKind.PUNCT, "-", position, position))
    drafts.sort(key=lambda d: d.first)
    return drafts, j


def _number(words: list[str]) -> int | None:
    if len(words) == 1:
        return lx.NUMBER_WORDS[words[0]]
    if any(lx.NUMBER_WORDS.get(w) == 0 for w in words):
        return None  # text2num reads "zero one" as 1: a spoken zero is always its own digit
    try:
        return int(text2num(" ".join(words), "en"))
    except ValueError:
        return None
