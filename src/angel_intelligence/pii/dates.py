"""Dates read aloud: dates of birth ("the seventeenth of January nineteen ninety", "March the
3rd, 1950", "the ninth of the eleventh, nineteen fifty") and card expiry dates said with a month
name ("December twenty twenty six").

A date is a date of birth only when birth is mentioned nearby, or when it has a year that makes
the speaker an adult; "we'll call you on the 5th of March" is not PII. A month and year with no
day is a card expiry only next to "expiry"/"expires"/"valid until".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import context as ctx
from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii import validators as v
from angel_intelligence.pii.context import closer
from angel_intelligence.pii.scan import Candidate, Scan
from angel_intelligence.pii.units import Unit, UnitKind

MIN_BIRTH_AGE_YEARS = 16


@dataclass(frozen=True, slots=True)
class _Date:
    first: int  # unit indices, inclusive
    last: int
    day: int | None
    month: int
    year: int | None
    month_by_number: bool = False  # "the ninth of the eleventh"
    day_or_year: bool = False  # "April twenty-seven": the 27th, or an expiry in 2027
    named: bool = False  # "Christmas Day": a date of birth only next to a birth word


# Days known by name: "I was born on Christmas Day, 1950".
NAMED_DAYS: dict[tuple[str, ...], tuple[int, int]] = {
    ("christmas", "day"): (25, 12), ("christmas", "eve"): (24, 12), ("boxing", "day"): (26, 12),
    ("new", "year's", "day"): (1, 1), ("new", "years", "day"): (1, 1),
    ("new", "year's", "eve"): (31, 12), ("new", "years", "eve"): (31, 12),
    ("valentine's", "day"): (14, 2), ("valentines", "day"): (14, 2), ("halloween",): (31, 10),
    ("bonfire", "night"): (5, 11), ("guy", "fawkes", "night"): (5, 11),
    ("st", "patrick's", "day"): (17, 3), ("burns", "night"): (25, 1),
    ("armistice", "day"): (11, 11), ("leap", "day"): (29, 2),
}  # fmt: skip
_NAMED_DAY_STARTS = frozenset(words[0] for words in NAMED_DAYS)


def date_candidates(scan: Scan) -> Iterator[Candidate]:
    units = scan.lexed.units
    taken_until = -1
    for index in range(len(units)):
        if index <= taken_until:
            continue
        found = _day_first(scan, index) or _month_first(scan, index)
        if found is None and units[index].symbol in _NAMED_DAY_STARTS:
            found = _named_day(scan, index)
        if found is None:
            continue
        if found.year is None and found.day is not None:
            found = _with_year_before(scan, found)
        candidate = _classify(scan, found)
        if candidate is not None:
            taken_until = found.last
            yield candidate


def _classify(scan: Scan, date: _Date) -> Candidate | None:
    units = scan.lexed.units
    first, last = units[date.first], units[date.last]
    negative = scan.negative(first, last)
    if date.day_or_year and not scan.near(ctx.BIRTH, first, last):
        expiry = scan.near(ctx.EXPIRY, first, last, before=8, after=4)
        if expiry and closer(expiry, negative):
            date = replace(date, day=None, year=date.day)
    if date.day is None:
        expiry = scan.near(ctx.EXPIRY, first, last, before=8, after=4)
        if date.year is None or not expiry or not closer(expiry, negative):
            return None
        expires = date.year + 2000 if date.year < 100 else date.year
        if not 2010 <= expires <= 2050:
            return None
        value = f"{date.month:02d}/{expires % 100:02d}"
        return Candidate(PiiType.CARD_EXPIRY, first.start, last.end, value, 0.9)
    year = date.year
    if year is not None and year < 100:
        year = v.full_year(year, reference_year=scan.reference_year)
    value = f"{date.day:02d}/{date.month:02d}" + (f"/{year}" if year else "")
    birth = scan.near(ctx.BIRTH, first, last)
    if date.named and not birth:
        return None
    other = scan.near(ctx.OTHER_EVENTS, first, last, before=8, after=4)
    # A date is not a reference number: "my wife's date of birth, for the joint membership,
    # that's the 2nd of August 1950". Only another event named nearer makes it something else.
    if birth and closer(birth, other):
        confidence = 0.95 if date.year else 0.85
        return Candidate(PiiType.DATE_OF_BIRTH, first.start, last.end, value, confidence)
    adult = year is not None and 1900 <= year <= scan.reference_year - MIN_BIRTH_AGE_YEARS
    other = other or scan.near(ctx.GIFT_AID, first, last, before=8, after=4)
    if adult and not negative and not other:
        return Candidate(PiiType.DATE_OF_BIRTH, first.start, last.end, value, 0.5)
    return None


def _day_first(scan: Scan, index: int) -> _Date | None:
    """[the] DAY [of] [the] MONTH [,] [YEAR]."""
    units = scan.lexed.units
    day = _day(units[index])
    if day is None:
        return None
    at = index + 1
    if units[index].kind is UnitKind.ORDINAL:
        paused = _past_pause(units, at)  # "sixth, / Agent: Mm-hmm. / Supporter: er, November"
        month_next = paused < len(units) and units[paused].kind is UnitKind.MONTH
        if paused > at + 1 and (month_next or _is_word(units, paused, "of")):
            at = paused  # "2nd. / Agent: Mm-hmm. / Supporter: Of the 11th."
    # Whisper writes "and" or "or" for a quick "of" ("the 17th and August, 1937").
    saw_of = _is_word(units, at, "of") or (
        any(_is_word(units, at, w) for w in ("and", "or", "a"))
        and at + 1 < len(units)
        and units[at + 1].kind is UnitKind.MONTH
    )
    if saw_of:
        at = _past_pause(units, at + 1)  # "9th of, / Agent: Mm-hmm. / Supporter: October"
    saw_the = _is_word(units, at, "the")
    if saw_the:
        at = _past_pause(units, at + 1)
    month, by_number = None, False
    if _ordinal_then(units, index, at, UnitKind.MONTH):
        at += 1  # "the fifth, June, fifty-eight"
    if at < len(units) and units[at].kind is UnitKind.MONTH:
        month = int(units[at].symbol)
    elif saw_of and saw_the and at < len(units) and units[at].kind is UnitKind.ORDINAL:
        month, by_number = int(units[at].symbol), True
    elif (ordinal := _ordinal_month(scan, index, at)) is not None:
        (month, at), by_number = ordinal, True
    if month is None or not (1 <= month <= 12):
        return None
    if units[index].kind is UnitKind.DIGITS and not saw_of and at != index + 1:
        return None  # "5 the May": not a date
    year, last = _year(scan, at + 1)
    if not v.valid_date(day, month, year):
        return None
    first = index - 1 if _is_word(units, index - 1, "the") else index
    return _Date(first, last if year is not None else at, day, month, year, by_number)


def _named_day(scan: Scan, index: int) -> _Date | None:
    """A day known by its name ("Christmas Day"), and a year after it ("…, 1950")."""
    units = scan.lexed.units
    if units[index].kind is not UnitKind.WORD or units[index].symbol not in _NAMED_DAY_STARTS:
        return None
    for words, (day, month) in NAMED_DAYS.items():
        last = index + len(words) - 1
        if last < len(units) and all(
            _is_word(units, index + k, word) for k, word in enumerate(words)
        ):
            year, end = _year(scan, last + 1)
            if not v.valid_date(day, month, year):
                return None
            return _Date(index, end if year is not None else last, day, month, year, named=True)
    return None


def _ordinal_then(units: tuple[Unit, ...], index: int, at: int, kind: UnitKind) -> bool:
    """An ordinal day at `index`, then a comma at `at`, then a unit of `kind`."""
    return (
        units[index].kind is UnitKind.ORDINAL
        and at == index + 1
        and at + 1 < len(units)
        and units[at].kind is UnitKind.PUNCT
        and units[at].symbol == ","
        and units[at + 1].kind is kind
    )


def _with_year_before(scan: Scan, date: _Date) -> _Date:
    """A year said first ("nineteen fifty-six, the third of April"; "1956, on the 3rd of
    April"): the date then starts at the year."""
    units = scan.lexed.units
    at = date.first - 1
    if _is_word(units, at, "on"):
        at -= 1
    if at >= 0 and units[at].kind is UnitKind.PUNCT and units[at].symbol == ",":
        at -= 1
    for first in (at - 1, at):  # "19 56" said as two numbers, or "1956"
        if first < 0 or not all(units[k].kind is UnitKind.DIGITS for k in range(first, at + 1)):
            continue
        if first > 0 and units[first - 1].kind is UnitKind.DIGITS:
            continue  # part of a longer number
        year, last = _year(scan, first)
        if year is not None and year >= 1900 and last == at:
            return replace(date, first=first, year=year)
    return date


def _ordinal_month(scan: Scan, index: int, at: int) -> tuple[int, int] | None:
    """A month said as an ordinal straight after an ordinal day, with a year after it, and the
    unit it is: "twenty-ninth, second, nineteen eighty-four" (without a year, "the 3rd, the
    10th" is two days)."""
    units = scan.lexed.units
    if _ordinal_then(units, index, at, UnitKind.ORDINAL):
        at += 1
    elif units[index].kind is not UnitKind.ORDINAL or at != index + 1:
        return None
    if at >= len(units) or units[at].kind is not UnitKind.ORDINAL:
        return None
    year, _ = _year(scan, at + 1)
    month = int(units[at].symbol)
    return (month, at) if year is not None and 1 <= month <= 12 else None


def _month_first(scan: Scan, index: int) -> _Date | None:
    """MONTH [the] DAY [,] [YEAR], or MONTH YEAR (an expiry date)."""
    units = scan.lexed.units
    if units[index].kind is not UnitKind.MONTH:
        return None
    month = int(units[index].symbol)
    year, last = _year(scan, index + 1)
    if year is not None and year >= 100:  # "December twenty twenty six", "March 2027"
        return _Date(index, last, None, month, year)
    at = index + 1
    if _is_word(units, at, "the"):
        at += 1
    day = _day(units[at]) if at < len(units) else None
    if day is not None and (units[at].kind is UnitKind.ORDINAL or at == index + 1):
        year, last = _year(scan, at + 1)
        plain = at == index + 1 and units[at].kind is UnitKind.DIGITS and year is None
        if v.valid_date(day, month, year):
            end = last if year is not None else at
            return _Date(index, end, day, month, year, day_or_year=plain)
        if not plain:
            return None
        # "June 31", "February 30": no day of that month, so the number is a year (an expiry)
    year, last = _year(scan, index + 1)
    if year is None:
        return None
    return _Date(index, last, None, month, year)


def _day(unit: Unit) -> int | None:
    if unit.kind is UnitKind.ORDINAL or (unit.kind is UnitKind.DIGITS and unit.symbol.isdigit()):
        value = int(unit.symbol)
        return value if 1 <= value <= 31 and len(unit.symbol) <= 2 else None
    return None


def _year(scan: Scan, at: int) -> tuple[int | None, int]:
    """A year starting at unit `at` (after an optional comma or apostrophe): "1990", "19 90"
    (nineteen ninety), "20 o 5" (twenty oh five), "2 thousand and 5", "'82"; or (None, at - 1)."""
    units = scan.lexed.units
    # "March, 1952"; "…of the ninth, / Agent: Mm-hmm. / Supporter: um, 1941"
    at = _past_pause(units, at)
    if at < len(units) and units[at].kind is UnitKind.PUNCT and units[at].symbol in "'’":
        at += 1  # "4th Sept '82"; "21st, 3rd, '64"
    digits, last = "", at - 1
    k, read = at, 0
    while k < len(units) and read < 3:
        unit = units[k]
        read += 1
        if unit.kind is not UnitKind.DIGITS:
            break
        digits += unit.symbol.replace("o", "0")
        last = k
        if len(digits) >= 4:
            break
        k += 1
        if digits in ("19", "20") and k < len(units) and units[k].kind is not UnitKind.DIGITS:
            # "nineteen. / Agent: Mm-hm. / Supporter: Fifty-one": the century, a pause, the rest
            paused = _past_pause(units, k)
            if paused > k and paused < len(units) and units[paused].kind is UnitKind.DIGITS:
                k = paused
    if len(digits) == 4 and digits[:2] in ("19", "20"):
        return int(digits), last
    if len(digits) == 2 and last == at:
        return int(digits), last  # "May 27", "March '52": the caller picks the century
    return None, at - 1


def _past_pause(units: tuple[Unit, ...], at: int) -> int:
    """Past the pause a caller makes between the parts of a date: commas, their own "um" or
    "er", and the other party's back-channel turn ("the sixth, / Agent: Mm-hmm. / Supporter:
    er, November, / Agent: Yep. / Supporter: 1953"); `at` if none."""
    while at < len(units):
        unit = units[at]
        comma = unit.kind is UnitKind.PUNCT and unit.symbol == ","
        # a full stop only where the other party answers it ("2nd. / Agent: Mm-hmm. / …")
        stop = unit.kind is UnitKind.PUNCT and unit.symbol == "." and _answered(units, at + 1)
        if comma or stop or (unit.kind is UnitKind.WORD and unit.symbol in lx.HESITATION_WORDS):
            at += 1
        elif _is_turn_change(unit) and (after := _past_back_channel_turn(units, at)) != at:
            at = after
        else:
            return at
    return at


def _answered(units: tuple[Unit, ...], at: int) -> bool:
    """The other party's back-channel turn starts at `at`."""
    return _past_back_channel_turn(units, at) != at


def _past_back_channel_turn(units: tuple[Unit, ...], at: int) -> int:
    """Where the other party's turn of a back-channel only ends, if one starts at `at`; else
    `at` (in labelled text: "Nineteenth of the ninth / Agent: Mm-hmm. / Supporter: 1941")."""
    if not (at < len(units) and _is_turn_change(units[at])):
        return at
    end, words = at + 1, 0
    while end < len(units) and not _is_turn_change(units[end]):
        unit = units[end]
        if unit.kind is UnitKind.WORD and unit.symbol in lx.TURN_BACK_CHANNEL_WORDS:
            words += 1
        elif not (unit.kind is UnitKind.PUNCT and unit.symbol in "-,.!"):
            return at
        end += 1
    if end >= len(units) or not 0 < words <= lx.MAX_BACK_CHANNEL_WORDS:
        return at
    return end + 1


def _is_turn_change(unit: Unit) -> bool:
    return unit.kind is UnitKind.PUNCT and unit.symbol == lx.TURN_CHANGE


def _is_word(units: tuple[Unit, ...], index: int, word: str) -> bool:
    return (
        0 <= index < len(units)
        and units[index].kind is UnitKind.WORD
        and units[index].symbol == word
    )
