"""Recognisers for payment card data: card numbers, expiry dates and security codes (CVV).

A card number is trusted from its checksum (Luhn with an issuer prefix: PCI first, whatever it
is called); an expiry date and a security code are short numbers that need their context
words (docs/pii.md has the table).
"""

from __future__ import annotations

from collections.abc import Iterator

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import context as ctx
from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii import validators as v
from angel_intelligence.pii.context import Nearness, closer
from angel_intelligence.pii.number_window import NumberWindow
from angel_intelligence.pii.runs import Run
from angel_intelligence.pii.scan import Candidate, Scan
from angel_intelligence.pii.units import UnitKind

MAX_DIGITS = 19
MIN_DICTATED_CARD_DIGITS = 15  # the shortest card most schemes issue (Amex); 13-14 are rare
CARD_DATA_REACH = 25  # words back to a card or expiry for "the code", "the back" to be a CVV
MIN_CARD_BEFORE_EXPIRY = 12  # digits of a card number before "MM/YY" in one breath
AMEX_RUNS_BACK = 3  # numbers said since an Amex number for "code" to name its four digits


def card_number(w: NumberWindow) -> Candidate | None:
    if not 13 <= len(w.digits) <= MAX_DIGITS or w.international:
        return None
    card, negative = w.near(ctx.CARD), w.negative
    wanted = closer(card, negative)
    # A card found inside a longer run of digits grows over the rest of the run (unless another
    # finding takes it): those digits are a misheard part of it, or a repeat.
    if v.luhn_valid(w.digits) and v.card_scheme(w.digits):
        # PCI first: a Luhn-valid number with a card prefix is a card whatever it is called.
        confidence = (0.99 if card else 0.95) if wanted else 0.8
        return w.found(PiiType.CREDIT_CARD, w.digits, confidence, grow=True)
    # No issuer's prefix starts with 0: without "card" near it, such a number is something else
    # (one in ten passes Luhn; "double oh four four, seven seven…" is a phone number).
    trunk = w.digits.startswith("0") and not card
    if v.luhn_valid(w.digits):
        if not wanted or trunk:
            return None
        return w.found(PiiType.CREDIT_CARD, w.digits, 0.9 if card else 0.6, grow=True)
    if card and wanted and w.whole:
        # Read out as a card number but misheard (a digit lost or changed): still a card.
        return w.found(PiiType.CREDIT_CARD, w.digits, 0.6)
    dictated = w.whole and w.dictated and len(w.digits) >= MIN_DICTATED_CARD_DIGITS
    if dictated and not negative and not trunk:
        # A card-length number dictated digit by digit with nothing saying what else it is:
        # callers dictate card numbers this way, and a misheard digit breaks the checksum.
        # PCI data fails closed (a written number of this shape needs the card context).
        return w.found(PiiType.CREDIT_CARD, w.digits, 0.55)
    return None


def long_card_run(scan: Scan, run: Run) -> Iterator[Candidate]:
    """A card number read out and mistranscribed: more than 19 digits, or 12, near "card"."""
    digits = run.compact().replace("o", "0")
    if len(digits) < 12 or 13 <= len(digits) <= MAX_DIGITS:
        return
    first, last = run.units[0], run.units[-1]
    card = scan.near(ctx.CARD, first, last)
    if card and closer(card, scan.negative(first, last)):
        yield Candidate(PiiType.CREDIT_CARD, first.start, last.end, digits, 0.55)


def card_details(scan: Scan, run: Run) -> Iterator[Candidate]:
    """A card number, its expiry and security code read in one breath ("4929 1234 5678 9015,
    06/29, 412", or lower case with no punctuation, "5476 2007 5329 2614 0329 481"): a valid
    card number, then the month and year (MM/YY with a slash, or after a card MM YY or MMYY),
    then nothing or the code (3 digits; 4 for Amex). Each is its own finding, not digits the
    card number grows over."""
    units = run.units
    for at in range(1, len(units)):
        expiry_at = _expiry_after_card(run, at)
        if expiry_at is None:
            continue
        digits = run.compact(0, at - 1).replace("o", "0")
        if len(digits) < 13 or not (v.luhn_valid(digits) and v.card_scheme(digits)):
            continue
        last, month, year = expiry_at
        code = run.compact(last + 1).replace("o", "0") if last + 1 < len(units) else ""
        amex = v.card_scheme(digits) == "amex"
        if len(code) not in (0, 4 if amex else 3):
            continue
        yield Candidate(PiiType.CREDIT_CARD, units[0].start, units[at - 1].end, digits, 0.95)
        value = f"{month:02d}/{year:02d}"
        yield Candidate(PiiType.CARD_EXPIRY, units[at].start, units[last].end, value, 0.9)
        if code:
            yield Candidate(PiiType.CVV, units[last + 1].start, units[-1].end, code, 0.85)
        return


def expiry_and_code(scan: Scan, run: Run) -> Iterator[Candidate]:
    """An expiry and the security code in one breath after "expiry" ("expiry 05/29 932",
    "expires 0629, 412") or after a card number ("… 9015. / Yep. / 0727 311"): the month and
    year, then three or four digits, each a finding."""
    if len(run) < 2 or not run.is_digits:
        return
    expiry_at = _expiry_after_card(run, 0)
    if expiry_at is None:
        return
    last, month, year = expiry_at
    code = run.compact(last + 1).replace("o", "0") if last + 1 < len(run) else ""
    if len(code) not in (3, 4):
        return
    first, end = run.units[0], run.units[-1]
    said = scan.near(ctx.EXPIRY, first, first, before=10, after=None)
    negative = scan.negative(first, end)
    # after "expiry", or straight after a valid card ("… 9015. / Yep. / 0727 311")
    if not (said and closer(said, negative)) and (negative or not _follows_card(scan, run)):
        return
    units = run.units
    value = f"{month:02d}/{year:02d}"
    yield Candidate(PiiType.CARD_EXPIRY, units[0].start, units[last].end, value, 0.9)
    yield Candidate(PiiType.CVV, units[last + 1].start, units[-1].end, code, 0.8)


def _expiry_after_card(run: Run, at: int) -> tuple[int, int, int] | None:
    """(last unit, month, two-digit year) of an expiry starting at unit `at`: M/YY or MM/YY
    with a slash, or two pairs ("06 29") or four digits ("0629") after a card number."""
    units, sizes = run.units, [len(u.symbol) for u in run.units]
    slash = at + 1 < len(units) and run.separators[at] == "/" and sizes[at] <= 2
    if slash and sizes[at + 1] == 4 and units[at + 1].symbol.startswith("20"):
        month, year, last = units[at].symbol, units[at + 1].symbol[2:], at + 1  # "11/2028"
    elif at + 1 < len(units) and sizes[at + 1] == 2:
        if slash or (sizes[at] == 2 and run.separators[at] in (" ", ",")):
            month, year = units[at].symbol, units[at + 1].symbol
            last = at + 1
        else:
            return None
    elif sizes[at] == 4:
        month, year, last = units[at].symbol[:2], units[at].symbol[2:], at
    else:
        return None
    month_value, year_value = int(month.replace("o", "0")), int(year.replace("o", "0"))
    if not (1 <= month_value <= 12 and 2010 <= 2000 + year_value <= 2050):
        return None
    return last, month_value, year_value


def security_code(w: NumberWindow) -> Candidate | None:
    if len(w.digits) not in (3, 4) or not w.whole:
        return None
    found = _security_code(w)
    if found is not None and w.near(ctx.CARD_ENDING, before=0, after=None):
        return None  # "the Visa ending 4421": a card's last digits, named to tell it apart
    return found


def _security_code(w: NumberWindow) -> Candidate | None:
    if "/" in w.separators:
        return None  # "4/28": a month and a year (an expiry), never a code read out
    # Context words are required, so an amount needs no check of its own. A house number or
    # postcode named nearer than any word of the code is the address's ("it's an Amex. / And
    # the house number for the post code? / 1234").
    negative = w.negative
    address = w.near(ctx.ADDRESS_NUMBER, before=10, after=2)
    if address and not _nearer(w.near(_CODE_WORDS, before=10, after=2), address):
        return None
    strong = w.near(ctx.CVV_STRONG, before=10, after=4)
    if len(w.digits) == 4:  # an Amex code: by name, or as the digits on the front
        strong = (
            strong or w.near(ctx.CVV_FRONT, before=10, after=4) or _amex_code(w) or _after_amex(w)
        )
        if not strong and _after_card_and_expiry(w, amex=True) and not negative:
            return w.found(PiiType.CVV, w.digits, 0.75)
        return w.found(PiiType.CVV, w.digits, 0.8) if strong and closer(strong, negative) else None
    any_cvv = w.near(ctx.CVV, before=10, after=4)
    if any_cvv and closer(any_cvv, negative):
        return w.found(PiiType.CVV, w.digits, 0.9)
    weak = w.near(ctx.CVV_WITH_CARD, before=4, after=None)
    if weak and closer(weak, negative) and _card_data_given(w) and not w.quantity:
        return w.found(PiiType.CVV, w.digits, 0.75)
    if _after_card_and_expiry(w) and not negative and not w.quantity:
        return w.found(PiiType.CVV, w.digits, 0.75)
    return None


_CODE_WORDS = (*ctx.CVV, *ctx.CVV_FRONT, *ctx.CODE)


def _amex_code(w: NumberWindow) -> Nearness:
    """Four digits called "the code" where the front of the card or an Amex is named, in
    either order ("the code is 2423, it's on the front"; "it's American Express so the code
    is on the front, it's two zero five one")."""
    code = w.near(ctx.CODE, before=6, after=4)
    front = w.near(ctx.FRONT, before=10, after=6)
    if not code:
        # the digits, numbers or "ones" on the front, with words between ("the four digits
        # above the number on the front", "the little ones on the front are 4102")
        digits = w.near(ctx.FRONT_DIGITS, before=10, after=4)
        return digits if digits and front else Nearness(None, None)
    front = front or w.near(ctx.AMEX, before=CARD_DATA_REACH, after=None)
    return code if front else Nearness(None, None)


def _nearer(cue: Nearness, other: Nearness) -> bool:
    """The code's own words strictly nearer than the other's."""
    return bool(cue) and (not other or (cue.nearest or 0) < (other.nearest or 0))


def _after_amex(w: NumberWindow) -> Nearness:
    """Four digits called "code", "the back" or "security" just after an Amex number was read
    out ("3737 476629 94479 05 29 code 1322"): Amex codes have four digits."""
    weak = w.near(ctx.CVV_WITH_CARD, before=4, after=None)
    postcode = w.near(ctx.POSTCODE, before=4, after=None)
    if not weak or w.quantity or postcode:
        return Nearness(None, None)  # not "…, and the post code is 1234"
    earlier = [run for run in w.scan.runs if run.units[-1].end <= w.first.start]
    for run in earlier[-AMEX_RUNS_BACK:]:
        digits = run.compact().replace("o", "0")
        if v.card_scheme(digits[:15]) == "amex" and v.luhn_valid(digits[:15]):
            return weak
    return Nearness(None, None)


def _after_card_and_expiry(w: NumberWindow, *, amex: bool = False) -> bool:
    """The digits said straight after a card number and its expiry, with at most "and" or a
    comma between ("5104 9049 5490 2679 expiry 04 26 and 887"): the security code (four
    digits only after an Amex number)."""
    if w.i != 0 or w.j != len(w.run) - 1:
        return False
    runs = [run for run in w.scan.runs if run.units[-1].end <= w.first.start]
    if not runs:
        return False
    previous = runs[-1]
    if not _only_connectives(w.scan, previous, w.run):
        return False
    # the expiry's four digits: two pairs, one group, or digit by digit ("oh seven two seven")
    tail = previous.compact(max(0, len(previous) - 4)).replace("o", "0")[-4:]
    if len(tail) != 4 or not tail.isdigit():
        return False
    if not (1 <= int(tail[:2]) <= 12 and 10 <= int(tail[2:]) <= 50):
        return False
    for run in runs[-2:]:
        digits = run.compact().replace("o", "0")
        for size in (15, 16):
            card = digits[:size]
            if v.luhn_valid(card) and v.card_scheme(card):
                return (v.card_scheme(card) == "amex") is amex
    return False


# What may stand between a card number, its expiry and its code said in one go: "4929 1234
# 5678 9015 then 0727 then 311", "…, and 0727, and 311", "… um 0727".
_CONNECTIVES = frozenset({"and", "then", ",", "um", "er", "erm", "uh"})


def _only_connectives(scan: Scan, previous: Run, run: Run) -> bool:
    """Only a connective or two between the runs, or the other party's back-channel turn
    ("… 9015. / Agent: Yep. / Supporter: 0727 311")."""
    between = scan.lexed.units[previous.last_index + 1 : run.first_index]
    if len(between) <= 3 and all(u.symbol in _CONNECTIVES for u in between):
        return True
    turns = sum(u.symbol == lx.TURN_CHANGE for u in between)
    words = [u for u in between if u.kind is UnitKind.WORD]
    return (
        turns == 2
        and 0 < len(words) <= lx.MAX_BACK_CHANNEL_WORDS
        and all(u.symbol in lx.TURN_BACK_CHANNEL_WORDS for u in words)
        and all(u.kind is UnitKind.WORD or u.symbol in ".,!" + lx.TURN_CHANGE for u in between)
    )


def _after_card(w: NumberWindow) -> bool:
    """The window is a whole run said straight after a valid card number, with at most a
    connective between ("4929 1234 5678 9015 then 0727"): card data follows the card."""
    return w.i == 0 and w.j == len(w.run) - 1 and _follows_card(w.scan, w.run)


def _follows_card(scan: Scan, run: Run) -> bool:
    """The run said straight after a valid card number, with at most a connective or the
    other party's back-channel turn between."""
    runs = [other for other in scan.runs if other.units[-1].end <= run.units[0].start]
    if not runs or not _only_connectives(scan, runs[-1], run):
        return False
    digits = runs[-1].compact().replace("o", "0")
    return 13 <= len(digits) <= MAX_DIGITS and v.luhn_valid(digits) and bool(v.card_scheme(digits))


def _card_data_given(w: NumberWindow) -> bool:
    """A card or its expiry named shortly before: the caller is giving card details."""
    return bool(w.near(ctx.CARD, before=CARD_DATA_REACH, after=None)) or bool(
        w.near(ctx.EXPIRY, before=CARD_DATA_REACH, after=None)
    )


def expiry(w: NumberWindow) -> Candidate | None:
    # Whole, or "MM/YY" ending a run straight after the card number ("… 2025, 09/28").
    tail = (
        w.j == len(w.run) - 1
        and w.i > 0
        and w.separators == ("/",)
        and w.run.compact_length(0, w.i - 1) >= MIN_CARD_BEFORE_EXPIRY  # not "01/07/2026"
    )
    if not (w.whole or tail):
        return None
    parsed = _month_year(w)
    if parsed is None:
        return None
    month, year = parsed
    value = f"{month:02d}/{year % 100:02d}"
    negative = w.negative
    start = w.near(ctx.CARD_START, before=0, after=None)
    if start or w.near(ctx.CARD_ENDING, before=0, after=None):
        return None  # "valid from 01/23": the date a card was issued; "ending 0243"
    expiry = w.near(ctx.EXPIRY, before=8, after=4)
    if expiry and closer(expiry, negative) and not _security_code_named_nearer(w, expiry):
        return w.found(PiiType.CARD_EXPIRY, value, 0.9)
    card = w.near(ctx.CARD, before=12, after=None)
    if "/" in w.separators and card and closer(card, negative) and not w.quantity:
        return w.found(PiiType.CARD_EXPIRY, value, 0.7)
    if len(w.digits) == 4 and _after_card(w) and not negative and not w.quantity:
        return w.found(PiiType.CARD_EXPIRY, value, 0.7)  # "… 9015 then 0727"
    return None


def _security_code_named_nearer(w: NumberWindow, expiry: ctx.Nearness) -> bool:
    """Three digits after the expiry that a nearer word names as the code ("expires 02/30,
    and the code is 712"): not an expiry of July 2012."""
    if len(w.digits) != 3 or expiry.before is None or "/" in w.separators:
        return False  # "expiry and code? / 3/26, and 992": a slash writes a month and year
    code = [w.near(ctx.CVV, before=expiry.before, after=None).before]
    if _card_data_given(w):
        code.append(w.near(ctx.CVV_WITH_CARD, before=expiry.before, after=None).before)
    return any(d is not None and d < expiry.before for d in code)


def _month_year(w: NumberWindow) -> tuple[int, int] | None:
    digits, sizes = w.digits, w.group_sizes
    if len(digits) == 4:
        month, year = int(digits[:2]), 2000 + int(digits[2:])
    elif len(digits) == 3 and sizes[0] == 1:
        month, year = int(digits[0]), 2000 + int(digits[1:])
    elif len(digits) == 6:
        month, year = int(digits[:2]), int(digits[2:])
    elif len(digits) == 5 and sizes[0] == 1:  # "5/2029"
        month, year = int(digits[0]), int(digits[1:])
    else:
        return None
    if not (1 <= month <= 12 and 2010 <= year <= 2050):
        return None
    return month, year
