"""Recognisers for all-digit PII: NHS numbers, phone numbers, sort codes and bank account
numbers, with the card data of cards.py and the dates of birth of digit_dates.py.

Each looks at every window of whole units of a digit run ("4111 1111 1111 1111", "oh seven
nine one one…") and scores it from its check digits and its context (docs/pii.md has the
table). Checksums are trusted over context where they are strong (Luhn with a card prefix,
NHS modulus 11, a valid UK phone number); a weak shape (3 digits, 8 digits, 12/26) needs its
context words.
"""

from __future__ import annotations

from collections.abc import Iterator

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import context as ctx
from angel_intelligence.pii import validators as v
from angel_intelligence.pii.cards import (
    MAX_DIGITS,
    card_details,
    card_number,
    expiry,
    expiry_and_code,
    long_card_run,
    security_code,
)
from angel_intelligence.pii.context import closer
from angel_intelligence.pii.digit_dates import birth_year, date_of_birth
from angel_intelligence.pii.number_window import NumberWindow
from angel_intelligence.pii.runs import Run
from angel_intelligence.pii.scan import Candidate, Scan
from angel_intelligence.pii.units import Unit, UnitKind

ACCOUNT_AFTER_SORT_CODE = 5  # words from six digits to "account" for them to be a sort code
SORT_CODE_DIGITS, ACCOUNT_DIGITS = 6, 8
OLD_ACCOUNT_DIGITS = 7
# Both asked for and read in one breath: surer than a 13-digit card number found inside them.
BANK_DETAILS_CONFIDENCE = 0.9


def number_candidates(scan: Scan) -> Iterator[Candidate]:
    previous: Run | None = None
    for part in (part for run in scan.runs for part in run.digit_parts()):
        # An amount, time or count ("£25", "12/26 people") is only taken where context says
        # it is PII: Whisper writes "£" before numbers on donation calls ("It's £937").
        quantity = scan.is_quantity(part)
        yield from long_card_run(scan, part)
        yield from card_details(scan, part)
        yield from expiry_and_code(scan, part)
        yield from bank_details(scan, part)
        yield from _misheard(scan, part, previous)
        previous = part
        for i, j, compact in part.windows(MAX_DIGITS):
            window = NumberWindow(scan, part, i, j, compact.replace("o", "0"), quantity)
            recognisers = _RECOGNISERS if len(compact) > 2 else _SHORT_RECOGNISERS
            for recognise in recognisers:
                found = recognise(window)
                if found is not None and found.confidence > 0:
                    yield found


def bank_details(scan: Scan, run: Run) -> Iterator[Candidate]:
    """A sort code and account number read in one breath where both were asked for ("And the
    sort code and account number? / eight four, five eight, three five, 92 09 00 63"): six
    digits, then eight, each its own finding (not a 14-digit card or phone number)."""
    if len(run.compact()) != SORT_CODE_DIGITS + ACCOUNT_DIGITS or not run.is_digits:
        return
    first, last = run.units[0], run.units[-1]
    negative = scan.negative(first, last)
    sort = scan.near(ctx.SORT_CODE, first, last, after=None)
    account = scan.near(ctx.ACCOUNT, first, last, after=None)
    if not (sort and account and closer(sort, negative)):
        return
    for at in range(1, len(run)):
        if run.compact_length(0, at - 1) != SORT_CODE_DIGITS:
            continue
        code = run.compact(0, at - 1).replace("o", "0")
        number = run.compact(at).replace("o", "0")
        yield Candidate(
            PiiType.SORT_CODE,
            first.start,
            run.units[at - 1].end,
            f"{code[:2]}-{code[2:4]}-{code[4:]}",
            BANK_DETAILS_CONFIDENCE,
        )
        yield Candidate(
            PiiType.BANK_ACCOUNT, run.units[at].start, last.end, number, BANK_DETAILS_CONFIDENCE
        )
        return


# A whole run of digits said right after the question for a number of this kind, but too
# garbled by the recogniser to pass its checks (a digit lost, doubled or misheard): taken at
# low confidence, failing closed. (kind, context, fewest digits, most digits)
_MISHEARD: tuple[tuple[PiiType, tuple[ctx.Phrase, ...], int, int], ...] = (
    (PiiType.NHS_NUMBER, ctx.NHS, 8, 12),
    (PiiType.PHONE_NUMBER, ctx.PHONE, 9, 14),
    (PiiType.BANK_ACCOUNT, ctx.ACCOUNT, 6, 10),
    (PiiType.SORT_CODE, ctx.SORT_CODE, 3, 8),
    (PiiType.CVV, ctx.CVV, 2, 4),
    (PiiType.CARD_EXPIRY, ctx.EXPIRY, 2, 6),
)


def _misheard(scan: Scan, run: Run, previous: Run | None) -> Iterator[Candidate]:
    """The first run after the question only: a later one answers something else ("expiry
    03/29, and the back is 506": 506 is not a misheard expiry); and not a count ("on the card
    expiring soon, that's 20 pounds"), nor an amount ("the account raised 1250000")."""
    if scan.is_counted(run) or scan.follows_amount_word(run):
        return
    digits = run.compact().replace("o", "0")
    first, last = run.units[0], run.units[-1]
    negative = scan.negative(first, last)
    for kind, wanted, fewest, most in _MISHEARD:
        if not fewest <= len(digits) <= most:
            continue
        card_data = kind in (PiiType.CVV, PiiType.CARD_EXPIRY)
        if card_data and scan.near(ctx.CARD_ENDING, first, last, before=0, after=None):
            continue  # "the card ending 0243 has expired"
        reach = 5 if kind is PiiType.CARD_EXPIRY else 8
        said = scan.near(wanted, first, last, before=reach, after=None)
        if kind is PiiType.PHONE_NUMBER and _organisation_line(scan, digits, first, last):
            continue
        if kind is PiiType.CARD_EXPIRY and _year_said(scan, run, digits):
            continue
        if said and previous is not None and said.before is not None:
            answered = scan.near(wanted, previous.units[0], previous.units[-1], after=None)
            if answered.before is not None and answered.before <= said.before:
                continue
        if said and closer(said, negative):
            yield Candidate(kind, first.start, last.end, digits, 0.55)


def _year_said(scan: Scan, run: Run, digits: str) -> bool:
    """A year, not a misheard expiry: "it ran out in 2023"."""
    before = scan.unit_before(run)
    said_in = before is not None and before.kind is UnitKind.WORD and before.symbol == "in"
    return said_in and len(digits) == 4 and digits.startswith(("19", "20"))


def _nhs(w: NumberWindow) -> Candidate | None:
    if len(w.digits) != 10:
        return None
    nhs, negative = w.near(ctx.NHS), w.negative
    if not closer(nhs, negative) or (w.quantity and not nhs):
        return None
    if v.nhs_valid(w.digits) and (nhs or w.whole):
        # Without "NHS" near it, only a number said on its own: any 10 digits pass mod 11
        # one time in eleven, so a window inside a longer number is not taken.
        return w.found(PiiType.NHS_NUMBER, w.digits, 0.95 if nhs else 0.7, grow=bool(nhs))
    return None


def _phone(w: NumberWindow) -> Candidate | None:
    if not 10 <= len(w.digits) <= 14:
        return None
    before = w.scan.unit_before(w.run) if w.i == 0 else None
    plus = w.international
    digits = w.digits
    if plus and not digits.startswith("44"):
        return None
    check = v.uk_phone(digits)
    if check is None:
        return None
    phone, negative = w.near(ctx.PHONE), w.negative
    if not closer(phone, negative) or (w.quantity and not phone):
        return None
    if _organisation_line(w.scan, digits, w.first, w.last):
        return None
    # Possible but unallocated numbers (Ofcom's drama ranges, which people also give): when
    # said as phone numbers, or said on their own in a phone number's shape, failing closed.
    if check.valid:
        confidence = 0.95 if phone else 0.85
    elif phone:
        confidence = 0.75
    else:
        confidence = 0.6 if w.whole and not w.quantity else 0.45
    start = before.start if plus and before is not None else None
    return w.found(PiiType.PHONE_NUMBER, check.e164, confidence, start=start, grow=bool(phone))


def _organisation_line(scan: Scan, digits: str, first: Unit, last: Unit) -> bool:
    """An organisation's own line said as theirs ("call us free on 0800…", "our helpline is
    0300…"): national-rate, freephone and premium numbers (03, 08, 09), not a person's."""
    national = digits[2:] if digits.startswith("44") else digits.lstrip("0")
    if national[:1] not in ("3", "8", "9"):
        return False
    # said as theirs here, or where the same number is said again ("our number is 0300 123
    # 9911" / "0300 123 9911. Lovely.")
    return any(
        scan.near(ctx.ORGANISATION, run.units[0], run.units[-1], before=6, after=3)
        for run in _said_as(scan, digits, first, last)
    )


def _said_as(scan: Scan, digits: str, first: Unit, last: Unit) -> Iterator[Run]:
    """Units first..last as a run, and every other digit run of the same digits."""
    yield Run((first, last), (" ",), (0, 0))
    for run in scan.runs:
        if run.is_digits and run.units[0] is not first and _same_digits(run, digits):
            yield run


def _same_digits(run: Run, digits: str) -> bool:
    compact = run.compact().replace("o", "0")
    return compact == digits or (compact == "0" + digits[2:] and digits.startswith("44"))


def _sort_code(w: NumberWindow) -> Candidate | None:
    if len(w.digits) != 6:
        return None
    if not w.whole and len(w.run.compact()) == ACCOUNT_DIGITS:
        return None  # six of eight digits read as one: an account number's, not a sort code
    sort, bank, negative = w.near(ctx.SORT_CODE), w.near(ctx.BANK), w.negative
    value = f"{w.digits[:2]}-{w.digits[2:4]}-{w.digits[4:]}"
    hyphenated = w.group_sizes == (2, 2, 2) and w.separators == ("-", "-")
    # Said in pairs or digit by digit, as sort codes are ("sixty, eighty-three, twelve"), not
    # as an amount ("100,000") or a reference.
    paired = len(w.group_sizes) >= 3 and max(w.group_sizes) <= 2
    if sort and closer(sort, negative):
        return w.found(PiiType.SORT_CODE, value, 0.95, grow=True)
    if hyphenated and closer(bank, negative) and not w.quantity:
        return w.found(PiiType.SORT_CODE, value, 0.85 if bank else 0.75)
    if paired and w.whole and bank and closer(bank, negative) and not w.quantity:
        return w.found(PiiType.SORT_CODE, value, 0.7)
    if w.whole and _before_account(w, paired) and not negative and not w.quantity:
        # Six digits given just before the account number ("77 91 18, and the account number
        # is…"): bank details come as sort code, then account.
        return w.found(PiiType.SORT_CODE, value, 0.7 if paired else 0.6)
    return None


def _before_account(w: NumberWindow, paired: bool = False) -> bool:
    """The account number is named just after the window, and not before it; or, for six
    digits said in pairs, nearer after than before ("Which account is it coming from? /
    It's seventy-one, oh-six, fifty-five. / So 71 06 55, and the account number?")."""
    account = w.near(ctx.ACCOUNT, before=6, after=ACCOUNT_AFTER_SORT_CODE)
    if account.after is None:
        return False
    return account.before is None or (paired and account.after <= account.before)


def _bank_account(w: NumberWindow) -> Candidate | None:
    if len(w.digits) == OLD_ACCOUNT_DIGITS and w.whole and not w.quantity:
        # some older accounts have seven digits (banks pad them with a 0): said as one near
        # "account", not written as an amount ("we raised 1,250,000 for the account")
        asked, negative = w.near(ctx.ACCOUNT), w.negative
        plain = all(separator in ("", " ") for separator in w.separators)
        if asked and closer(asked, negative) and plain:
            return w.found(PiiType.BANK_ACCOUNT, w.digits, 0.6)
        return None
    if len(w.digits) != 8 or _overlaps_written_sort_code(w) or "/" in w.separators:
        return None  # "will start on 01/07/2026": a date, never an account number
    if w.across_sentences:
        return None  # a sort code and its read-back on the next line are no account number
    if w.i == 0 and w.scan.follows_amount_word(w.run):
        return None  # "the account raised 12500000": an amount
    account, bank, negative = w.near(ctx.ACCOUNT), w.near(ctx.BANK), w.negative
    if account and closer(account, negative):
        confidence = 0.9 if bank or account.nearest == 0 else 0.85
        return w.found(PiiType.BANK_ACCOUNT, w.digits, confidence, grow=True)
    if bank and closer(bank, negative):
        return w.found(PiiType.BANK_ACCOUNT, w.digits, 0.7, grow=True)
    if _next_to_sort_code(w) and not negative:
        return w.found(PiiType.BANK_ACCOUNT, w.digits, 0.8)
    return None


def _next_to_sort_code(w: NumberWindow) -> bool:
    """Eight digits said in one breath with a sort code written 12-34-56, before or after it
    ("40-11-62, 66210493"): bank details, whatever else is said around them."""
    return _written_sort_code(w.run, w.i - 3) or _written_sort_code(w.run, w.j + 1)


def _overlaps_written_sort_code(w: NumberWindow) -> bool:
    """Part of a sort code written 12-34-56 inside the window ("07-04-36, 4 4 0 2 1 9 8 7":
    the account number is the last eight digits, not "07-04-36, 4 4")."""
    return "-" in w.run.separators and any(
        _written_sort_code(w.run, at) for at in range(w.i - 2, w.j + 1)
    )


def _written_sort_code(run: Run, at: int) -> bool:
    """Units at..at+2 are three pairs joined by hyphens, and no more ("87-65-43-21" is not)."""
    return (
        at >= 0
        and at + 2 < len(run)
        and [len(u.symbol) for u in run.units[at : at + 3]] == [2, 2, 2]
        and run.separators_between(at, at + 2) == ("-", "-")
        and (at == 0 or run.separators[at - 1] != "-")
        and (at + 3 == len(run) or run.separators[at + 2] != "-")
    )


_RECOGNISERS = (
    card_number,
    _nhs,
    _phone,
    _sort_code,
    _bank_account,
    security_code,
    expiry,
    date_of_birth,
    birth_year,
)
# Only dates are read from one or two digits ("4/9" next to a birth word, "Fifty-four").
_SHORT_RECOGNISERS = (date_of_birth, birth_year)
