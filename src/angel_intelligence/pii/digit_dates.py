"""Dates of birth said or written as numbers only: "17/01/1990", "1-11-52", "09 04 1982", "oh
four, oh nine, eighty two", "seven, seven, nineteen seventy-seven", "one seven oh one nineteen
ninety" (dates with a month name or an ordinal are in dates.py).

A date is read as three groups, day, month and year: written numbers are a group each, and
numbers said in words with only a space between them are one ("oh four" is 04, "nineteen
seventy-seven" 1977). Next to a birth word it is a date of birth whatever else is near, unless
another event is named nearer ("married", "set up"…): a date is not a reference number, so
reference words do not count against it. Without a birth word, it is one only with a year that
makes the speaker an adult and no other event or reference near it.
"""

from __future__ import annotations

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import context as ctx
from angel_intelligence.pii import validators as v
from angel_intelligence.pii.context import closer
from angel_intelligence.pii.number_window import NumberWindow
from angel_intelligence.pii.scan import Candidate

MIN_BIRTH_AGE_YEARS = 16


def date_of_birth(w: NumberWindow) -> Candidate | None:
    if w.whole and 2 <= len(w.digits) <= 4 and w.separators in (("/",), (".",)):
        return _day_and_month(w)
    if not w.whole or not 4 <= len(w.digits) <= 8:  # D M YY to DD MM YYYY
        return None
    groups, between = _groups(w)
    parsed = _day_month_year(w, groups)
    if parsed is None:
        return None
    day, month, year = parsed
    value = f"{day:02d}/{month:02d}/{year}"
    birth = w.near(ctx.BIRTH)
    other = w.near(ctx.OTHER_EVENTS, before=8, after=4)
    if birth and closer(birth, other):
        return w.found(PiiType.DATE_OF_BIRTH, value, 0.95)
    adult = 1900 <= year <= w.scan.reference_year - MIN_BIRTH_AGE_YEARS
    other = other or w.near(ctx.GIFT_AID, before=8, after=4)
    if len(groups) != 3 or not adult or w.negative or other or w.quantity:
        return None
    # Without a birth word, only the groups a date is given in: written with one separator
    # ("4/9/82", "1-11-52"), or said with a pause between them ("oh four, oh nine, eighty two");
    # not "7 to 10" (a range) or "17 01 1990" run together.
    if len(set(between)) != 1 or between[0] not in ("/", ".", "-", ","):
        return None
    if between[0] in ("/", ".") and len(groups[2]) == 4:
        return w.found(PiiType.DATE_OF_BIRTH, value, 0.6)  # the spec's DD/MM/YYYY form
    return w.found(PiiType.DATE_OF_BIRTH, value, 0.5)


def _day_and_month(w: NumberWindow) -> Candidate | None:
    """A day and month written D/M next to a birth word ("My birthday's 4/9.")."""
    day, month = (int(u.symbol.replace("o", "0")) for u in (w.first, w.last))
    birth = w.near(ctx.BIRTH)
    if not birth or not v.valid_date(day, month, None):
        return None
    if not closer(birth, w.near(ctx.OTHER_EVENTS, before=8, after=4)):
        return None
    return w.found(PiiType.DATE_OF_BIRTH, f"{day:02d}/{month:02d}", 0.85)


_YEAR = ctx.phrases("year")
_YEAR_OF_BIRTH = ctx.phrases(
    "year of birth", "birth year", "year were you born", "year you were born"
)


def birth_year(w: NumberWindow) -> Candidate | None:
    """The year of a date of birth asked for on its own ("Second of the tenth. / And the
    year? / Fifty-four."; "What year were you born? / 1954."): the first number after "year",
    with a birth word just before it."""
    if len(w.digits) not in (2, 4) or not w.whole or w.quantity:
        return None
    asked = w.near(_YEAR, before=3, after=None) or w.near(_YEAR_OF_BIRTH, before=8, after=None)
    birth = w.near(ctx.BIRTH, before=12, after=None)
    if not asked or not birth or w.near(ctx.OTHER_EVENTS, before=8, after=None):
        return None
    reference = w.scan.reference_year
    year = v.full_year(int(w.digits), reference_year=reference)
    if not 1900 <= year <= reference - MIN_BIRTH_AGE_YEARS:
        return None
    return w.found(PiiType.DATE_OF_BIRTH, str(year), 0.85)


def _groups(w: NumberWindow) -> tuple[list[str], list[str]]:
    """The digits of the window in the groups a date is said in, and the separators between
    the groups."""
    units = w.run.units[w.i : w.j + 1]
    groups, between = [units[0].symbol], []
    for separator, left, right in zip(w.separators, units[:-1], units[1:], strict=True):
        # a spoken zero before a written digit is one number too ("9 nought 9 89": 9/09/89)
        zero = left.spoken and left.symbol in ("0", "o") and len(right.symbol) == 1
        if separator in ("", " ") and left.spoken and (right.spoken or zero):
            groups[-1] += right.symbol
        else:
            groups.append(right.symbol)
            between.append(separator)
    return [g.replace("o", "0") for g in groups], between


def _day_month_year(w: NumberWindow, groups: list[str]) -> tuple[int, int, int] | None:
    """The date in the groups; else, near a birth word, in the numbers as said ("five six
    fifty-eight" is 5 6 58, said without pauses) or in the digits run together."""
    readings = [groups]
    if w.near(ctx.BIRTH):
        said = [u.symbol.replace("o", "0") for u in w.run.units[w.i : w.j + 1]]
        readings.append(said)
        if len(said) == 4 and said[2] in ("19", "20") and len(said[3]) == 2:
            # the year in two words after the day and month, no pause between ("twenty-two
            # seven nineteen sixty-one" is 22/07/1961)
            readings.append([*said[:2], said[2] + said[3]])
    for parts in readings:
        sizes = [len(part) for part in parts]
        if len(sizes) == 3 and sizes[0] <= 2 and sizes[1] <= 2 and sizes[2] in (2, 4):
            found = _checked(w, int(parts[0]), int(parts[1]), int(parts[2]))
            if found is not None:
                return found
    digits = "".join(groups)
    if len(digits) == 8 or (len(digits) == 6 and w.near(ctx.BIRTH)):
        return _checked(w, int(digits[:2]), int(digits[2:4]), int(digits[4:]))
    if len(digits) == 4 and w.j - w.i == 3 and w.near(ctx.BIRTH):
        # four digits one by one, asked for a date of birth: "6 9 7 4" is 6/9/74
        return _checked(w, int(digits[0]), int(digits[1]), int(digits[2:]))
    return None


def _checked(w: NumberWindow, day: int, month: int, year: int) -> tuple[int, int, int] | None:
    """The date, with a two-digit year in full, if it is a real date of a past year."""
    reference = w.scan.reference_year
    year = v.full_year(year, reference_year=reference)
    if not (1900 <= year <= reference) or not v.valid_date(day, month, year):
        return None
    return day, month, year
