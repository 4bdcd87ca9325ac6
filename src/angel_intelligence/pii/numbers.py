"""Recognisers for all-digit PII: card numbers, expiry dates, CVVs, NHS numbers, phone numbers,
sort codes, bank account numbers and numeric dates of birth.

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
from angel_intelligence.pii.context import closer
from angel_intelligence.pii.runs import Run
from angel_intelligence.pii.scan import Candidate, Scan
from angel_intelligence.pii.units import Unit, UnitKind

MAX_DIGITS = 19
PART_PENALTY = 0.1  # a window inside a longer run is less likely to be the whole value
MIN_BIRTH_AGE_YEARS = 16
MIN_DICTATED_CARD_DIGITS = 15  # the shortest card most schemes issue (Amex); 13-14 are rare


def number_candidates(scan: Scan) -> Iterator[Candidate]:
    for part in (part for run in scan.runs for part in run.digit_parts()):
        # An amount, time or count ("£25", "12/26 people") is only taken where context says
        # it is PII: Whisper writes "£" before numbers on donation calls ("It's £937").
        quantity = scan.is_quantity(part)
        yield from _long_card_run(scan, part)
        yield from _misheard(scan, part)
        for i, j, compact in part.windows(MAX_DIGITS):
            window = _Window(scan, part, i, j, compact.replace("o", "0"), quantity)
            for recognise in _RECOGNISERS:
                found = recognise(window)
                if found is not None and found.confidence > 0:
                    yield found


class _Window:
    """Units i..j of a digit run, with helpers for context and scoring."""

    def __init__(
        self, scan: Scan, run: Run, i: int, j: int, digits: str, quantity: bool = False
    ) -> None:
        self.scan, self.run, self.i, self.j, self.digits = scan, run, i, j, digits
        self.quantity = quantity
        self.first, self.last = run.units[i], run.units[j]
        self.whole = i == 0 and j == len(run) - 1
        self.separators = run.separators_between(i, j)

    def near(
        self, wanted: tuple[ctx.Phrase, ...], before: int = 12, after: int = 6
    ) -> ctx.Nearness:
        return self.scan.near(wanted, self.first, self.last, before=before, after=after)

    @property
    def dictated(self) -> bool:
        """Every unit spoken a digit at a time ("four five three nine, ..."), not written."""
        return all(u.spoken for u in self.run.units[self.i : self.j + 1])

    @property
    def international(self) -> bool:
        """Written after a "+": a phone number in international format, never a card."""
        before = self.scan.unit_before(self.run) if self.i == 0 else None
        return before is not None and before.kind is UnitKind.PUNCT and before.symbol == "+"

    @property
    def negative(self) -> ctx.Nearness:
        return self.scan.negative(self.first, self.last)

    def found(
        self,
        kind: PiiType,
        value: str,
        confidence: float,
        *,
        start: int | None = None,
        grow: bool = False,
    ) -> Candidate:
        """A candidate over this window (`grow`: taking over the rest of its run if free, as
        digits read out in one breath with a number are a misheard part of it)."""
        if not self.whole:
            confidence -= PART_PENALTY
        return Candidate(
            type=kind,
            start=self.first.start if start is None else start,
            end=self.last.end,
            value=value,
            confidence=round(confidence, 3),
            whole=self.whole,
            grows_over=tuple((u.start, u.end) for u in self.run.units) if grow else (),
        )

    @property
    def group_sizes(self) -> tuple[int, ...]:
        return tuple(len(u.symbol) for u in self.run.units[self.i : self.j + 1])


def _card(w: _Window) -> Candidate | None:
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
    if v.luhn_valid(w.digits):
        if not wanted:
            return None
        return w.found(PiiType.CREDIT_CARD, w.digits, 0.9 if card else 0.6, grow=True)
    if card and wanted and w.whole:
        # Read out as a card number but misheard (a digit lost or changed): still a card.
        return w.found(PiiType.CREDIT_CARD, w.digits, 0.6)
    if w.whole and w.dictated and len(w.digits) >= MIN_DICTATED_CARD_DIGITS and not negative:
        # A card-length number dictated digit by digit with nothing saying what else it is:
        # callers dictate card numbers this way, and a misheard digit breaks the checksum.
        # PCI data fails closed (a written number of this shape needs the card context).
        return w.found(PiiType.CREDIT_CARD, w.digits, 0.55)
    return None


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


def _misheard(scan: Scan, run: Run) -> Iterator[Candidate]:
    digits = run.compact().replace("o", "0")
    first, last = run.units[0], run.units[-1]
    negative = scan.negative(first, last)
    for kind, wanted, fewest, most in _MISHEARD:
        if not fewest <= len(digits) <= most:
            continue
        said = scan.near(
            wanted, first, last, before=5 if kind is PiiType.CARD_EXPIRY else 8, after=0
        )
        if kind is PiiType.PHONE_NUMBER and _organisation_line(scan, digits, first, last):
            continue
        if said and closer(said, negative):
            yield Candidate(kind, first.start, last.end, digits, 0.55)


def _long_card_run(scan: Scan, run: Run) -> Iterator[Candidate]:
    """A card number read out and mistranscribed: more than 19 digits, or 12, near "card"."""
    digits = run.compact().replace("o", "0")
    if len(digits) < 12 or 13 <= len(digits) <= MAX_DIGITS:
        return
    first, last = run.units[0], run.units[-1]
    card = scan.near(ctx.CARD, first, last)
    if card and closer(card, scan.negative(first, last)):
        yield Candidate(PiiType.CREDIT_CARD, first.start, last.end, digits, 0.55)


def _nhs(w: _Window) -> Candidate | None:
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


def _phone(w: _Window) -> Candidate | None:
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
    # Possible but unallocated numbers (Ofcom's drama ranges) only when said as phone numbers.
    confidence = (0.95 if phone else 0.85) if check.valid else (0.75 if phone else 0.45)
    start = before.start if plus and before is not None else None
    return w.found(PiiType.PHONE_NUMBER, check.e164, confidence, start=start, grow=bool(phone))


def _organisation_line(scan: Scan, digits: str, first: Unit, last: Unit) -> bool:
    """An organisation's own line said as theirs ("call us free on 0800…", "our helpline is
    0300…"): national-rate, freephone and premium numbers (03, 08, 09), not a person's."""
    national = digits[2:] if digits.startswith("44") else digits.lstrip("0")
    return national[:1] in ("3", "8", "9") and bool(
        scan.near(ctx.ORGANISATION, first, last, before=6, after=3)
    )


def _sort_code(w: _Window) -> Candidate | None:
    if len(w.digits) != 6:
        return None
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
    return None


def _bank_account(w: _Window) -> Candidate | None:
    if len(w.digits) != 8:
        return None
    account, bank, negative = w.near(ctx.ACCOUNT), w.near(ctx.BANK), w.negative
    if account and closer(account, negative):
        confidence = 0.9 if bank or account.nearest == 0 else 0.85
        return w.found(PiiType.BANK_ACCOUNT, w.digits, confidence, grow=True)
    if bank and closer(bank, negative):
        return w.found(PiiType.BANK_ACCOUNT, w.digits, 0.7, grow=True)
    return None


def _cvv(w: _Window) -> Candidate | None:  # context required, so amounts need no check
    if len(w.digits) not in (3, 4) or not w.whole:
        return None
    negative = w.negative
    strong = w.near(ctx.CVV_STRONG, before=10, after=4)
    if len(w.digits) == 4:  # an Amex code: by name, or as the digits on the front
        strong = strong or w.near(ctx.CVV_FRONT, before=10, after=4)
        return w.found(PiiType.CVV, w.digits, 0.8) if strong and closer(strong, negative) else None
    any_cvv = w.near(ctx.CVV, before=10, after=4)
    if any_cvv and closer(any_cvv, negative):
        return w.found(PiiType.CVV, w.digits, 0.9)
    return None


def _expiry(w: _Window) -> Candidate | None:
    # Whole, or "MM/YY" ending a run straight after the card number ("… 2025, 09/28").
    tail = w.j == len(w.run) - 1 and w.i > 0 and w.separators == ("/",)
    if not (w.whole or tail):
        return None
    parsed = _month_year(w)
    if parsed is None:
        return None
    month, year = parsed
    value = f"{month:02d}/{year % 100:02d}"
    negative = w.negative
    expiry = w.near(ctx.EXPIRY, before=8, after=4)
    if expiry and closer(expiry, negative):
        return w.found(PiiType.CARD_EXPIRY, value, 0.9)
    card = w.near(ctx.CARD, before=12, after=0)
    if "/" in w.separators and card and closer(card, negative) and not w.quantity:
        return w.found(PiiType.CARD_EXPIRY, value, 0.7)
    return None


def _month_year(w: _Window) -> tuple[int, int] | None:
    digits, sizes = w.digits, w.group_sizes
    if len(digits) == 4:
        month, year = int(digits[:2]), 2000 + int(digits[2:])
    elif len(digits) == 3 and sizes[0] == 1:
        month, year = int(digits[0]), 2000 + int(digits[1:])
    elif len(digits) == 6:
        month, year = int(digits[:2]), int(digits[2:])
    else:
        return None
    if not (1 <= month <= 12 and 2010 <= year <= 2050):
        return None
    return month, year


def _date_of_birth(w: _Window) -> Candidate | None:
    if not w.whole:
        return None
    parsed = _day_month_year(w)
    if parsed is None:
        return None
    day, month, year = parsed
    value = f"{day:02d}/{month:02d}/{year}"
    negative = w.negative
    birth = w.near(ctx.BIRTH)
    if birth and closer(birth, negative):
        return w.found(PiiType.DATE_OF_BIRTH, value, 0.95)
    written = len(w.group_sizes) == 3 and set(w.separators) <= {"/", "."} and w.group_sizes[2] == 4
    adult = 1900 <= year <= w.scan.reference_year - MIN_BIRTH_AGE_YEARS
    other = w.near(ctx.OTHER_EVENTS, before=8, after=4)
    if written and adult and not negative and not other and not w.quantity:
        return w.found(PiiType.DATE_OF_BIRTH, value, 0.6)  # the spec's DD/MM/YYYY form
    return None


def _day_month_year(w: _Window) -> tuple[int, int, int] | None:
    digits, sizes = w.digits, w.group_sizes
    reference = w.scan.reference_year
    if len(sizes) == 3 and sizes[0] <= 2 and sizes[1] <= 2 and sizes[2] in (2, 4):
        units = w.run.units[w.i : w.j + 1]
        day, month, year = (int(u.symbol.replace("o", "0")) for u in units)
    elif len(digits) == 8 or (len(digits) == 6 and w.near(ctx.BIRTH)):
        day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    else:
        return None
    year = v.full_year(year, reference_year=reference)
    if not (1900 <= year <= reference) or not v.valid_date(day, month, year):
        return None
    return day, month, year


_RECOGNISERS = (
    _card,
    _nhs,
    _phone,
    _sort_code,
    _bank_account,
    _cvv,
    _expiry,
    _date_of_birth,
)
