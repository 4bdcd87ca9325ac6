"""Values read in parts, each part ended with a full stop and answered with the other party's
"Mm-hm." or "Yep." ("4462 1324. / Mm-hm. / 1786 1394.", "07911. / Yep. / 123 456.").

runs.py joins parts over a back-channel only when no full stop came before it ("Sort code 60 83
12. / Yep. / …" is two values). Here parts are joined over a full stop too, but only when
together they pass a strong check: a card number (Luhn with a card prefix, 15-19 digits, each
part four digits or more), a UK phone number (valid, or possible and said as a phone number;
each part three digits or more) or an NHS number after "NHS" (modulus 11: "six four three,
seven oh two. / Mm-hm. / four eight three six"); or when they are what was asked for, in the
shape it is given in: a sort code in pairs after "sort code" or just before the account
number is named ("Sort code, please. / 0 9. / Yep. / 0 1. / Mm-hmm. / 2 8."), an account
number of eight digits after "account".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import context as ctx
from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii import validators as v
from angel_intelligence.pii.cards import MAX_DIGITS, MIN_DICTATED_CARD_DIGITS
from angel_intelligence.pii.codes import readings
from angel_intelligence.pii.context import closer
from angel_intelligence.pii.runs import Run
from angel_intelligence.pii.scan import Candidate, Scan
from angel_intelligence.pii.units import Unit, UnitKind

MIN_PART_DIGITS = 3
MAX_ASIDE_WORDS = 8
ASIDE_REACH = 6  # words from the type's name to the first part of bank details said with an aside
ASIDE_CONFIDENCE = 0.7
MIN_CARD_DIGITS = 13
MAX_CHECK_WORDS = 10  # "Sorry, was that 5678? / Yes." around the other party's check
SORT_CODE_DIGITS, ACCOUNT_DIGITS = 6, 8
MISHEARD_CARD, MISHEARD_CARD_REACH = 0.6, 6  # a card asked for, read over an aside, not Luhn
MAX_PHONE_ASIDE_WORDS = 4  # "…, then, …", "…, hang on, let me look, …"
ACCOUNT_AFTER_SORT_CODE = 5  # as numbers.py: "…, 2 8. / And the account number?"


def interrupted_values(scan: Scan) -> Iterator[Candidate]:
    yield from _interrupted_postcodes(scan)
    runs = [run for run in scan.runs if run.is_digits]
    yield from _cards_over_a_check(scan, runs)
    for first in range(len(runs)):
        digits, sizes = "", list[int]()
        for last in range(first, len(runs)):
            part = runs[last].compact().replace("o", "0")
            if last > first and not _back_channel_between(scan, runs, last):
                start, end = runs[first].units[0].start, runs[last].units[-1].end
                if (card := _card_aside(scan, runs, first, last, digits + part)) is not None:
                    yield Candidate(PiiType.CREDIT_CARD, start, end, digits + part, card)
                elif (phone := _phone_aside(scan, runs, first, last, digits + part)) is not None:
                    yield Candidate(PiiType.PHONE_NUMBER, start, end, phone, ASIDE_CONFIDENCE)
                elif (bank := _bank_aside(scan, runs, first, last, digits + part)) is not None:
                    yield Candidate(bank[0], start, end, bank[1], ASIDE_CONFIDENCE)
                break
            digits, sizes = digits + part, [*sizes, len(part)]
            if len(digits) > MAX_DIGITS or min(sizes) < 2:
                break
            if last == first:
                continue
            found = _asked_for(scan, runs[first], runs[last], digits, sizes)
            if found is None and min(sizes) >= MIN_PART_DIGITS:
                found = _checked(scan, runs[first], digits, min(sizes))
            if found is not None:
                kind, value, confidence = found
                start, end = runs[first].units[0].start, runs[last].units[-1].end
                yield Candidate(kind, start, end, value, confidence)


def _interrupted_postcodes(scan: Scan) -> Iterator[Candidate]:
    """A postcode asked for and given in its two halves, each answered with a back-channel
    ("Postcode? / L S two eight. / Yep. / eight Y T"): an outward code, then the inward code
    (a digit and two letters), together a valid postcode."""
    runs = scan.runs
    for index in range(1, len(runs)):
        outward, inward = runs[index - 1], runs[index]
        if not _back_channel_between(scan, runs, index):
            continue
        tail = inward.compact()
        if len(tail) != 3 or not (tail[0].isdigit() or tail[0] == "o"):
            continue
        for i in range(len(outward)):
            head = outward.compact(i)
            if not 2 <= len(head) <= 4:
                continue
            code = next((r for r in readings(head + tail) if v.postcode_valid(r)), None)
            if code is None:
                continue
            start, end = outward.units[i], inward.units[-1]
            said = scan.near(ctx.POSTCODE, start, start, before=8, after=None)
            if said and closer(said, scan.negative(start, end)):
                value = v.format_postcode(code)
                yield Candidate(PiiType.POSTCODE, start.start, end.end, value, 0.85)
            break


def _asked_for(
    scan: Scan, first: Run, last: Run, digits: str, sizes: list[int]
) -> tuple[PiiType, str, float] | None:
    """Bank details in the parts they are read in, where they were asked for."""
    start, end = first.units[0], last.units[-1]
    negative = scan.negative(start, end)
    if len(digits) == 6 and all(size % 2 == 0 for size in sizes):  # in pairs: "87 29. / 43"
        sort = scan.near(ctx.SORT_CODE, start, end, after=None)
        account = scan.near(ctx.ACCOUNT, start, end, before=6, after=ACCOUNT_AFTER_SORT_CODE)
        before_account = account.after is not None and account.before is None
        if (sort and closer(sort, negative)) or (before_account and not negative):
            return PiiType.SORT_CODE, f"{digits[:2]}-{digits[2:4]}-{digits[4:]}", 0.7
    if len(digits) == 8:
        account = scan.near(ctx.ACCOUNT, start, end, after=None)
        if account and closer(account, negative):
            return PiiType.BANK_ACCOUNT, digits, 0.7
    return None


def _checked(
    scan: Scan, first: Run, digits: str, shortest: int
) -> tuple[PiiType, str, float] | None:
    card = len(digits) >= MIN_DICTATED_CARD_DIGITS and shortest >= 4
    if card and v.luhn_valid(digits) and v.card_scheme(digits):
        return PiiType.CREDIT_CARD, digits, 0.9
    start = first.units[0]
    if v.nhs_valid(digits) and scan.near(ctx.NHS, start, start, after=None):
        return PiiType.NHS_NUMBER, digits, 0.85
    phone = v.uk_phone(digits)
    if phone is None:
        return None
    if phone.valid:
        return PiiType.PHONE_NUMBER, phone.e164, 0.85
    said = scan.near(ctx.PHONE, first.units[0], first.units[-1], after=None)
    return (PiiType.PHONE_NUMBER, phone.e164, 0.75) if said else None  # an unallocated number


def _card_aside(scan: Scan, runs: list[Run], first: int, last: int, digits: str) -> float | None:
    """A card number asked for, broken by the caller's own aside ("4226 6433 / sorry, my
    dog's barking, hang on / 6870 0917"): a few words and no change of speaker between the
    last two parts, parts of four digits or more, and together a card number (Luhn with a
    card prefix: 0.85); or, asked for just before, the length of one without passing Luhn (a
    digit misheard: 0.6), so no part of it is left in clear."""
    if not MIN_DICTATED_CARD_DIGITS <= len(digits) <= MAX_DIGITS:
        return None
    if any(len(runs[k].compact()) < 4 for k in range(first, last + 1)):
        return None
    if not _aside_between(scan, runs, last):
        return None
    start = runs[first].units[0]
    asked = scan.near(ctx.CARD, start, start, after=None)
    if not asked:
        return None
    if v.luhn_valid(digits) and v.card_scheme(digits):
        return 0.85
    negative = scan.negative(start, runs[last].units[-1])
    near = asked.before is not None and asked.before <= MISHEARD_CARD_REACH
    return MISHEARD_CARD if near and not negative and len(digits) >= 15 else None


def _phone_aside(scan: Scan, runs: list[Run], first: int, last: int, digits: str) -> str | None:
    """A phone number asked for, broken by a few words of the caller's own ("oh one six one
    four nine six, then, oh eight seven two"; "0113 496, hang on, 0457"): parts of three digits
    or more, no change of speaker between, and together a valid UK number (or a possible one
    said as a phone number), with the phone named before the first part."""
    if any(len(runs[k].compact()) < MIN_PART_DIGITS for k in range(first, last + 1)):
        return None
    between = scan.lexed.units[runs[last - 1].last_index + 1 : runs[last].first_index]
    words = [u for u in between if u.kind is UnitKind.WORD]
    if len(words) > MAX_PHONE_ASIDE_WORDS or not _aside_between(scan, runs, last):
        return None
    if scan.is_quantity(runs[first]) or scan.is_quantity(runs[last]):
        return None
    phone = v.uk_phone(digits)
    if phone is None:
        return None
    start, end = runs[first].units[0], runs[last].units[-1]
    said = scan.near(ctx.PHONE, start, start, after=None)
    if not said or not closer(said, scan.negative(start, end)):
        return None
    return phone.e164


def _cards_over_a_check(scan: Scan, runs: list[Run]) -> Iterator[Candidate]:
    """A card number read in parts, the other party checking the last group back in a turn
    of its own ("4929 1234 5678, / Agent: Sorry, was that 5678? / Supporter: Yes. 9015"):
    the parts without the check, when together they pass Luhn with a card prefix."""
    units = scan.lexed.units
    for k in range(len(runs) - 2):
        said, check, rest = runs[k], runs[k + 1], runs[k + 2]
        digits, repeated = _digits(said), _digits(check)
        if len(repeated) < 2 or not digits.endswith(repeated):
            continue
        before = units[said.last_index + 1 : check.first_index]
        after = units[check.last_index + 1 : rest.first_index]
        turns = [u for u in (*before, *after) if u.symbol == lx.TURN_CHANGE]
        words = [u for u in (*before, *after) if u.kind is UnitKind.WORD]
        if len(turns) != 2 or len(words) > MAX_CHECK_WORDS or lx.TURN_CHANGE not in _symbols(after):
            continue
        card = digits + _digits(rest)
        valid = v.luhn_valid(card) and v.card_scheme(card) is not None
        if MIN_CARD_DIGITS <= len(card) <= MAX_DIGITS and valid:
            start, end = said.units[0].start, rest.units[-1].end
            yield Candidate(PiiType.CREDIT_CARD, start, end, card, 0.9)


def _digits(run: Run) -> str:
    return run.compact().replace("o", "0")


def _symbols(units: Sequence[Unit]) -> set[str]:
    return {unit.symbol for unit in units}


def _bank_aside(
    scan: Scan, runs: list[Run], first: int, last: int, digits: str
) -> tuple[PiiType, str] | None:
    """An account number or sort code asked for, broken by the caller's own aside ("4 4 0 1
    2, um, sorry, my glasses, 7 7 3"; "20 33, er, where was I, 59"): the length the type asks
    for, in parts of two digits or more, the type named just before the first."""
    if not _aside_between(scan, runs, last) or len(runs[last].compact()) < 2:
        return None
    between = scan.lexed.units[runs[last - 1].last_index + 1 : runs[last].first_index]
    if not (_is_comma(between[0]) and _is_comma(between[-1])):
        return None  # an aside is a pause: "…, um, sorry, my glasses, …", not "1998 with 2500"
    if scan.is_quantity(runs[first]) or scan.is_quantity(runs[last]):
        return None
    start, end = runs[first].units[0], runs[last].units[-1]
    negative = scan.negative(start, end)
    if len(digits) == ACCOUNT_DIGITS:
        account = scan.near(ctx.ACCOUNT, start, start, before=ASIDE_REACH, after=None)
        if account and closer(account, negative):
            return PiiType.BANK_ACCOUNT, digits
    if len(digits) == SORT_CODE_DIGITS:
        sort = scan.near(ctx.SORT_CODE, start, start, before=ASIDE_REACH, after=None)
        if sort and closer(sort, negative):
            return PiiType.SORT_CODE, f"{digits[:2]}-{digits[2:4]}-{digits[4:]}"
    return None


def _is_comma(unit: Unit) -> bool:
    return unit.kind is UnitKind.PUNCT and unit.symbol == ","


def _aside_between(scan: Scan, runs: list[Run], index: int) -> bool:
    """A few words of the same speaker between run index - 1 and run index."""
    between = scan.lexed.units[runs[index - 1].last_index + 1 : runs[index].first_index]
    words = [u for u in between if u.kind is UnitKind.WORD]
    return len(words) <= MAX_ASIDE_WORDS and not any(u.symbol == lx.TURN_CHANGE for u in between)


def _back_channel_between(scan: Scan, runs: Sequence[Run], index: int) -> bool:
    """Only a back-channel ("Mm-hm.", "Yep.") between run index - 1 and run index."""
    between = scan.lexed.units[runs[index - 1].last_index + 1 : runs[index].first_index]
    words = [u for u in between if u.kind is not UnitKind.PUNCT]
    turn = sum(u.symbol == lx.TURN_CHANGE for u in between) == 2
    allowed = lx.TURN_BACK_CHANNEL_WORDS if turn else lx.BACK_CHANNEL_WORDS
    return (
        0 < len(words) <= lx.MAX_BACK_CHANNEL_WORDS
        and all(u.kind is UnitKind.WORD and u.symbol in allowed for u in words)
        and all(u.symbol in "-,.!" + lx.TURN_CHANGE for u in between if u.kind is UnitKind.PUNCT)
    )
