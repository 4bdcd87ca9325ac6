"""Spoken-form normalisation: text → units, each with the exact characters it came from.

A *unit* is one normalised symbol and the span of original text it stands for: "four" → "4",
"double seven" → "77", "twenty five" → "25", "oh" → "o" (zero or the letter O; the recognisers
decide), "Sierra" → "S", "S for Sugar" → "S", "seventeenth" → ordinal 17, "slash" → "/".
Detection works on units and maps every finding back through them to the original characters,
so redaction removes exactly what was said, in whatever form Whisper wrote it.

Ambiguous words ("oh", "to", "for", a lone "a" or "I", NATO words that are also names, letters
said by their names: "em", "zed", "double D", "double you") are letters or digits only next to
other letters or digits; elsewhere they stay words.
"""

from __future__ import annotations

import re

from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii.spoken_numbers import read_number_phrase
from angel_intelligence.pii.units import Draft, Lexed, Token, Unit, UnitKind

TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*|\S")
# Lower-case suffix only: "1TH" in "B33 8TH" is half a postcode, not an ordinal.
_WRITTEN_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$")
_TIME_OF_DAY = re.compile(r"^\d{1,2}(?:am|pm)$", re.IGNORECASE)
# Digits with a letter O for a zero ("O7403 555111"): Whisper writes the caller's "oh" so.
_DIGITS_WITH_O = re.compile(r"^(?=.*[0-9])(?=.*[Oo])[0-9Oo]+$")


def lex(text: str) -> Lexed:
    """Tokenise `text` and normalise spoken numbers and letters into units."""
    tokens = tuple(Token(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text))
    drafts: list[Draft] = []
    i = 0
    while i < len(tokens):
        produced, i = _read(tokens, i)
        drafts.extend(produced)
    _resolve_ambiguous(drafts)
    units = tuple(
        Unit(
            kind=d.kind,
            symbol=d.symbol,
            start=tokens[d.first].start,
            end=tokens[d.last].end,
            first=d.first,
            last=d.last,
            spoken=d.spoken,
        )
        for d in drafts
    )
    return Lexed(text=text, tokens=tokens, units=units)


def _read(tokens: tuple[Token, ...], i: int) -> tuple[list[Draft], int]:
    """The unit(s) starting at token i, and the index of the next unread token."""
    token = tokens[i]
    raw, low = token.text, token.lower
    nxt = tokens[i + 1].lower if i + 1 < len(tokens) else ""

    if raw.isdigit():
        return [Draft(UnitKind.DIGITS, raw, i, i)], i + 1
    if low in lx.REPEATERS and (digit := _single_digit(nxt)) is not None:
        return [Draft(UnitKind.DIGITS, digit * lx.REPEATERS[low], i, i + 1, True)], i + 2
    if low in lx.REPEATERS and (repeated := _repeated_after_pause(tokens, i + 1)) is not None:
        # "double-oh-six"; "…five double, / Agent: Mm-hmm. / Supporter: six seven…": the
        # digit said twice comes after a hyphen, or after a pause the other party filled
        digit, last = repeated
        return [Draft(UnitKind.DIGITS, digit * lx.REPEATERS[low], i, last, True)], last + 1
    if low == "double" and nxt in ("u", "you"):  # the letter W, by its name
        return [_pending_letters(low, "letter_name", "W", i, i + 1)], i + 2
    if (
        low == "double"
        and nxt == "-"
        and i + 2 < len(tokens)
        and tokens[i + 2].lower in ("u", "you")
    ):
        return [_pending_letters(low, "letter_name", "W", i, i + 2)], i + 3  # "double-you"
    if low == "x" and nxt == "-" and i + 2 < len(tokens) and tokens[i + 2].lower == "ray":
        return [_pending_letters(low, "nato", "X", i, i + 2)], i + 3  # "X-ray", hyphenated
    if low in lx.REPEATERS and (letter := _single_letter(tokens, i + 1)) is not None:
        # "five double D": a letter said twice, as digits are (only next to a code)
        return [_pending_letters(low, "letter", letter * lx.REPEATERS[low], i, i + 1)], i + 2
    if low == "one" and i > 0 and tokens[i - 1].lower in lx.PRONOUN_ONE_AFTER:
        return [Draft(UnitKind.WORD, low, i, i)], i + 1  # "that's my old one, it's 09/29"
    if low in lx.NUMBER_WORDS:
        return read_number_phrase(tokens, i)
    if low in lx.ORDINAL_WORDS:
        return [Draft(UnitKind.ORDINAL, str(lx.ORDINAL_WORDS[low]), i, i, True)], i + 1
    if match := _WRITTEN_ORDINAL.match(raw):
        return [Draft(UnitKind.ORDINAL, str(int(match.group(1))), i, i)], i + 1
    if low in lx.MONTHS:
        month = Draft(UnitKind.MONTH, str(lx.MONTHS[low]), i, i)
        if low in lx.NATO:  # "November": a month, or N among spelled letters ("A November…")
            month.pending, month.alt_kind, month.alt_symbol = (
                "month",
                UnitKind.LETTERS,
                lx.NATO[low],
            )
        return [month], i + 1
    if low in lx.SEPARATOR_WORDS:
        return [Draft(UnitKind.SEPARATOR, lx.SEPARATOR_WORDS[low], i, i, True)], i + 1
    if low == "o" and (spelled := _letter_for_word(tokens, i)) is not None:
        return [spelled], spelled.last + 1  # "o for orange": the letter, in lower case
    if low in lx.ZERO_OR_O and not (raw.isupper() and len(raw) == 2):
        # "OH" in capitals is the letters O and H (an NI prefix), not a spoken zero.
        return [_pending(low, "oh", UnitKind.DIGITS, "o", i)], i + 1
    if raw == "I" and _is_lower_word(tokens, i + 1):
        return [Draft(UnitKind.WORD, low, i, i)], i + 1  # "…one two three, I mean, …"
    if raw.isalpha() and len(raw) == 1:
        abbreviation = _spelled_abbreviation(tokens, i)
        if abbreviation:
            return [Draft(UnitKind.WORD, tokens[k].lower, k, k) for k in abbreviation], (
                abbreviation[-1] + 1
            )
        spelled = _letter_for_word(tokens, i)
        if spelled is not None:
            return [spelled], spelled.last + 1
        return [_pending(low, "letter", UnitKind.LETTERS, raw.upper(), i)], i + 1
    if low in lx.NATO:
        return [_pending(low, "nato", UnitKind.LETTERS, lx.NATO[low], i)], i + 1
    if low in lx.LETTER_NAMES:
        return [_pending(low, "letter_name", UnitKind.LETTERS, lx.LETTER_NAMES[low], i)], i + 1
    if low in lx.HOMOPHONES:
        return [_pending(low, "homophone", UnitKind.DIGITS, lx.HOMOPHONES[low], i)], i + 1
    if raw.isalpha():
        if raw in lx.CONTEXT_ABBREVIATIONS:
            return [Draft(UnitKind.WORD, low, i, i)], i + 1
        if raw.isupper() and 2 <= len(raw) <= 5:
            if raw in lx.CAPITAL_WORDS:  # "OK", "AM": letters only next to a code ("AM 12…")
                return [_pending(low, "letter", UnitKind.LETTERS, raw, i)], i + 1
            return [Draft(UnitKind.LETTERS, raw, i, i)], i + 1
        if len(raw) == 2 and low not in lx.TWO_LETTER_WORDS:
            # A code's letters in lower or mixed case ("ab 12 34 56 c", "Nh 44…"): Whisper
            # writes what the caller spells as it likes; letters only next to a code.
            return [_pending(low, "letter", UnitKind.LETTERS, raw.upper(), i)], i + 1
        return [Draft(UnitKind.WORD, low, i, i)], i + 1
    if _DIGITS_WITH_O.match(raw):
        return [Draft(UnitKind.DIGITS, raw.lower(), i, i)], i + 1
    if raw.isalnum() and not _TIME_OF_DAY.match(raw):
        return [Draft(UnitKind.ALNUM, raw.upper(), i, i)], i + 1
    if raw[0].isalnum():
        return [Draft(UnitKind.WORD, low, i, i)], i + 1
    return [Draft(UnitKind.PUNCT, raw, i, i)], i + 1


def _pending(low: str, why: str, kind: UnitKind, symbol: str, i: int) -> Draft:
    return Draft(UnitKind.WORD, low, i, i, True, pending=why, alt_kind=kind, alt_symbol=symbol)


def _pending_letters(low: str, why: str, letters: str, first: int, last: int) -> Draft:
    """Tokens ("double D", "double you") that are letters only next to a code."""
    return Draft(UnitKind.WORD, low, first, last, True, why, UnitKind.LETTERS, letters)


def _is_lower_word(tokens: tuple[Token, ...], i: int) -> bool:
    return (
        i < len(tokens)
        and len(tokens[i].text) > 1
        and tokens[i].text.isalpha()
        and (tokens[i].text.islower())
    )


MAX_REPEATER_PAUSE = 8  # tokens between "double" and its digit: ", / Agent: Mm-hmm. /"
_PAUSE_MARKS = frozenset({"-", ",", ".", "!", lx.TURN_CHANGE})


def _repeated_after_pause(tokens: tuple[Token, ...], i: int) -> tuple[str, int] | None:
    """The digit "double" or "triple" stands for when a hyphen or a pause comes first (a
    comma, a full stop, a back-channel or hesitation, a change of speaker), and its token."""
    k = i
    while k < len(tokens) and k - i < MAX_REPEATER_PAUSE:
        low = tokens[k].lower
        if low in _PAUSE_MARKS or low in lx.BACK_CHANNEL_WORDS or low in lx.HESITATION_WORDS:
            k += 1
        else:
            break
    if k == i or k >= len(tokens) or (digit := _single_digit(tokens[k].lower)) is None:
        return None
    pause = {t.text for t in tokens[i:k]}
    if pause & {".", "!"} and lx.TURN_CHANGE not in pause:
        return None  # "I'd say double. Nine times out of ten": a new sentence, not a pause
    return digit, k


def _single_digit(low: str) -> str | None:
    if low.isdigit() and len(low) == 1:
        return low
    if low in lx.DIGIT_WORDS:
        return str(lx.DIGIT_WORDS[low])
    if low in lx.ZERO_OR_O:
        return "0"
    return None


def _single_letter(tokens: tuple[Token, ...], i: int) -> str | None:
    """The letter a token spells: "D", "d", "Delta", "dee" (not the words "a" and "I")."""
    if i >= len(tokens):
        return None
    raw, low = tokens[i].text, tokens[i].lower
    if raw.isalpha() and len(raw) == 1 and raw not in ("a", "I"):
        return raw.upper()
    return lx.NATO.get(low) or lx.LETTER_NAMES.get(low)


def _spelled_abbreviation(tokens: tuple[Token, ...], i: int) -> list[int]:
    """Token indices of "D O B" / "D.O.B." / "N I" starting at i, or []."""
    for letters in lx.SPELLED_WORDS:
        found: list[int] = []
        k = i
        for letter in letters:
            while k < len(tokens) and tokens[k].text == "." and found:
                found.append(k)
                k += 1
            if k >= len(tokens) or tokens[k].lower != letter:
                break
            found.append(k)
            k += 1
        else:
            return found
    return []


def _letter_for_word(tokens: tuple[Token, ...], i: int) -> Draft | None:
    """'S for Sugar', 'A as in apple': a letter, "for" or "as in", then a word that starts
    with that letter."""
    at = i + 2 if i + 1 < len(tokens) and tokens[i + 1].lower == "for" else None
    if i + 2 < len(tokens) and (tokens[i + 1].lower, tokens[i + 2].lower) == ("as", "in"):
        at = i + 3
    if at is None or at >= len(tokens):
        return None
    hyphen = at + 2 < len(tokens) and tokens[at + 1].text == "-"
    if hyphen and tokens[at].lower == "x" == tokens[i].lower and tokens[at + 2].lower == "ray":
        return Draft(UnitKind.LETTERS, "X", i, at + 2, True)  # "X for x-ray"
    if hyphen and tokens[at].lower == tokens[i].lower:
        at += 2  # "S for s-sugar": Whisper writes the caller's stutter
    word = tokens[at].text
    if len(word) < 2 or not word.isalpha() or word[0].lower() != tokens[i].lower:
        return None
    return Draft(UnitKind.LETTERS, tokens[i].text.upper(), i, at, True)


def _resolve_ambiguous(drafts: list[Draft]) -> None:
    """Turn ambiguous words into letters/digits when they sit next to other codes.

    Runs to a fixed point, so "Sierra Tango one" resolves Tango (next to a digit) and then
    Sierra (next to Tango). Homophones ("to", "for") need a single digit beside them; a month
    that is also a NATO word ("November") needs a spelled letter beside it.
    """
    code = [d.kind in (UnitKind.DIGITS, UnitKind.LETTERS, UnitKind.ALNUM) for d in drafts]
    changed = True
    while changed:
        changed = False
        for index, draft in enumerate(drafts):
            if draft.pending is None or code[index] or _interjection(drafts, index):
                continue
            for other in _neighbours(drafts, index):
                if draft.pending == "month":
                    if not _is_letter(drafts[other]):
                        continue
                elif not code[other]:
                    continue
                if draft.pending == "homophone" and not (
                    _is_single_digit(drafts[other])
                    or _leads_group_of_four(drafts, index)
                    or _inward_digit(drafts, index)
                ):
                    continue
                if draft.pending == "letter_name" and abs(other - index) != 1:
                    continue  # "em, 4111…" is a filler: a letter's name only straight next to it
                code[index] = True
                changed = True
                break
    for index, draft in enumerate(drafts):
        if draft.pending is not None and code[index] and draft.alt_kind is not None:
            draft.kind, draft.symbol = draft.alt_kind, draft.alt_symbol


def _interjection(drafts: list[Draft], index: int) -> bool:
    """An "Oh" that is the caller's exclamation, not a zero: followed by a hesitation ("Oh,
    um, 25/06/1984"), or opening a sentence with a comma before a written number said alone
    ("Oh, 121."); not before digits read out ("Oh, seven, seven…", "Oh, 7700 900123")."""
    if drafts[index].pending != "oh":
        return False
    after = index + 1
    comma = after < len(drafts) and drafts[after].symbol == ","
    after += comma
    if after >= len(drafts):
        return False
    if _is_hesitation(drafts[after]):
        return True
    before = drafts[index - 1] if index > 0 else None
    if drafts[after].kind is UnitKind.WORD and drafts[after].symbol in _DISMAY_AFTER:
        # "09/26, oh no, that's my old one", "…, oh sorry, …": dismay at a slip, unless the
        # "oh" ends digits read out ("oh seven seven oh, no sorry, …" keeps its zero)
        spoken_digit = before is not None and before.kind is UnitKind.DIGITS and before.spoken
        return not spoken_digit
    opens = before is None or (
        before.kind is UnitKind.PUNCT and before.symbol in ".?!" + lx.TURN_CHANGE
    )
    number = drafts[after]
    written = number.kind is UnitKind.DIGITS and not number.spoken and len(number.symbol) >= 2
    nxt = _nearest(drafts, after, 1)
    alone = nxt is None or (drafts[nxt].pending is None and not _is_code_draft(drafts[nxt]))
    return opens and comma and written and alone  # "Oh, 7700 900123" keeps its zero


# Words after an "Oh" of dismay at a slip: "oh no", "oh sorry", "oh wait", "oh hang on".
_DISMAY_AFTER = frozenset({"no", "sorry", "wait", "hang", "hold", "dear", "god", "gosh"})


def _is_code_draft(draft: Draft) -> bool:
    return draft.kind in (UnitKind.DIGITS, UnitKind.LETTERS, UnitKind.ALNUM)


def _is_letter(draft: Draft) -> bool:
    """A spelled letter, resolved or not."""
    if draft.pending in ("letter", "nato", "month"):
        return True
    return draft.pending is None and draft.kind in (UnitKind.LETTERS, UnitKind.ALNUM)


_OUTWARD_CODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def _inward_digit(drafts: list[Draft], index: int) -> bool:
    """A homophone between a postcode's outward code and two letters: the digit of its inward
    code ("WA14 to DT" is WA14 2DT)."""
    before, after = _nearest(drafts, index, -1), _nearest(drafts, index, 1)
    return (
        before is not None
        and after is not None
        and drafts[before].pending is None
        and drafts[before].kind is UnitKind.ALNUM
        and bool(_OUTWARD_CODE.match(drafts[before].symbol))
        and drafts[after].pending is None
        and drafts[after].kind is UnitKind.LETTERS
        and len(drafts[after].symbol) == 2
    )


def _leads_group_of_four(drafts: list[Draft], index: int) -> bool:
    """A homophone said straight before three written digits, among groups of four (two at
    least, next to it or beyond another such homophone): a card number read in fours with its
    "four" written "for" ("for 571, 6983, 5283, for 081")."""
    group = index + 1
    if group >= len(drafts) or not _is_digits(drafts[group], 3):
        return False
    fours = 0
    for start, step in ((index, -1), (group, 1)):
        k = _nearest(drafts, start, step)
        while k is not None and (
            _is_digits(drafts[k], 4) or _is_digits(drafts[k], 3) or drafts[k].pending == "homophone"
        ):
            fours += _is_digits(drafts[k], 4)
            k = _nearest(drafts, k, step)
    return fours >= 2


def _is_digits(draft: Draft, length: int) -> bool:
    return draft.pending is None and draft.kind is UnitKind.DIGITS and len(draft.symbol) == length


def _is_single_digit(draft: Draft) -> bool:
    if draft.pending is not None:
        return draft.alt_kind is UnitKind.DIGITS and len(draft.alt_symbol) == 1
    return draft.kind is UnitKind.DIGITS and len(draft.symbol) == 1


def _neighbours(drafts: list[Draft], index: int) -> list[int]:
    """The nearest non-separator draft on each side, looking past soft punctuation."""
    return [k for k in (_nearest(drafts, index, -1), _nearest(drafts, index, 1)) if k is not None]


def _nearest(drafts: list[Draft], index: int, step: int) -> int | None:
    """The nearest non-separator draft before (step -1) or after (1) `index`, looking past a
    turn of the other party that is only a back-channel ("H U G H E / Agent: Mm-hmm. /
    Supporter: six one…": the letters are next to the digits) and past the speaker's own
    hesitation ("b w, um, six six…")."""
    j = index + step
    while 0 <= j < len(drafts):
        draft = drafts[j]
        if _is_soft(draft) or _is_hesitation(draft):
            j += step
        elif draft.symbol == lx.TURN_CHANGE and (
            (past := _past_back_channel_turn(drafts, j, step)) is not None
        ):
            j = past
        else:
            break
    return j if 0 <= j < len(drafts) else None


def _past_back_channel_turn(drafts: list[Draft], j: int, step: int) -> int | None:
    """Where a turn change at j, a back-channel and the next turn change end, or None."""
    if not _is_turn_change(drafts[j]):
        return None
    k, words = j + step, 0
    while 0 <= k < len(drafts) and not _is_turn_change(drafts[k]):
        draft = drafts[k]
        if draft.kind is UnitKind.WORD and draft.symbol in lx.TURN_BACK_CHANNEL_WORDS:
            words += 1
        elif not (draft.kind is UnitKind.PUNCT and draft.symbol in "-,.!"):
            return None
        k += step
    if not 0 < words <= lx.MAX_BACK_CHANNEL_WORDS or not 0 <= k < len(drafts):
        return None
    return k + step


def _is_turn_change(draft: Draft) -> bool:
    return draft.kind is UnitKind.PUNCT and draft.symbol == lx.TURN_CHANGE


def _is_hesitation(draft: Draft) -> bool:
    return draft.kind is UnitKind.WORD and draft.symbol in lx.HESITATION_WORDS


def _is_soft(draft: Draft) -> bool:
    if draft.kind is UnitKind.SEPARATOR:
        return True
    return draft.kind is UnitKind.PUNCT and draft.symbol in lx.SOFT_PUNCTUATION
