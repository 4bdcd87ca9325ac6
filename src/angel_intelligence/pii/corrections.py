"""A value said twice, the second time correcting the first: both are PII.

Callers misspeak and start again: "07911 123 456, sorry, 07911 123 465"; "it's four one one
one... no wait, four one two one…"; "273 167 2332, no, sorry, 273 167 2323". The corrected
value passes its checks and is found; the first attempt is often cut short or has a wrong digit,
so it fails them, yet it is nearly all of the caller's number. A code run next to a finding,
with only a correction cue ("sorry", "no", "wait", "I mean"…) between them, that reads like the
same value (the same but for a digit or two, or the start of it) is taken as the finding's type.

A caller may also correct only the end of a long number: "4917 9574 8380 5665, sorry, 5656".
When the number with its last digits replaced by the correction passes a strong check (Luhn
with a card prefix, a valid UK phone number, a phone or NHS number said as one), the whole of
it, the correction included, is that value.

A value is also said twice without a cue: read back ("Thank you for catching that, 29753104."),
started and cut off by the other party ("Oh seven seven oh oh / Agent: Sorry, you're very
faint. / Supporter: Oh seven seven oh oh, nine oh oh…"), or with a group said twice over
("0161 496 496 0732"). The same digits as a finding are the same value, and of one type: the
surer finding's (a sort code the agent reads back as 09-11-72 is no date of birth).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator
from dataclasses import replace

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import context as ctx
from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii import validators as v
from angel_intelligence.pii.context import closer
from angel_intelligence.pii.runs import Run
from angel_intelligence.pii.scan import Candidate, Scan
from angel_intelligence.pii.units import UnitKind

_CUE_WORDS = "sorry no nope wait mean meant actually rather again oops correction hang hold"
CUE_WORDS = frozenset(_CUE_WORDS.split())
# What else may be said between the two attempts; any other word (a context word: "no, my
# account number is…") makes the second a different value.
_FILLERS = "i it it's its is that that's the let me start on er erm um uh oh"
FILLERS = frozenset(_FILLERS.split())
MAX_WORDS_BETWEEN = 6  # "…, hang on, let me start again, …"
MIN_ATTEMPT = 3  # characters of a first attempt to count as a value at all
MIN_CUT_NUMBERS = 2  # digits of an attempt said as two numbers and cut short ("2 4, no, …")
CONFIDENCE = 0.6  # like a misheard value: it may fail the type's checks
MIN_CORRECTED = 8  # digits of a number whose end is corrected: card, phone and NHS lengths
MIN_STUTTER = 3  # digits of a group said twice over by mistake ("496 496")
MIN_REPEAT = 6  # digits of a number said again to be taken as the same value
REPEAT_CONFIDENCE = 0.7
# An attempt of this many characters is the caller's value whatever else is said between it
# and the correction ("4598 9873 1075, no, sorry, I've jumped a line. 4598 9873 1057 6036").
LONG_ATTEMPT = 8
# A first attempt cut off by the other party ("Oh seven seven oh oh / Agent: Sorry, you're
# very faint. / Supporter: Oh seven seven oh oh, nine oh oh…"): a turn of a few words.
MAX_TURN_WORDS = 8
MIN_CUT_ATTEMPT = 5
# A value picked up again after a cue ("oh seven seven oh, no sorry, oh oh nine…"): the digits
# said again where the caller restarts, at most; and a "double" left hanging before the cue
# ("three one seven nine six double, no wait, double two oh").
MAX_RESTART = 3
MAX_SLIPPED_RESTART = 6  # ...or a whole group, or with one digit of them put right
RESTART_WORDS = FILLERS | frozenset({"double", "triple", "treble"})
RESTART_CONFIDENCE = 0.7
_RESTART_LENGTHS: tuple[tuple[PiiType, tuple[ctx.Phrase, ...], range], ...] = (
    (PiiType.BANK_ACCOUNT, ctx.ACCOUNT, range(8, 9)),
    (PiiType.SORT_CODE, ctx.SORT_CODE, range(6, 7)),
    (PiiType.CVV, ctx.CVV, range(3, 5)),
)


def restatements(scan: Scan, chosen: list[Candidate]) -> list[Candidate]:
    """Findings for the other attempts at each finding's value (not overlapping `chosen`),
    and for the value said again elsewhere (`repeats`)."""
    found: list[Candidate] = []
    runs = scan.runs
    for index, run in enumerate(runs):
        if _covered(run, [*chosen, *found]):
            continue
        for other in (index - 1, index + 1):
            if not 0 <= other < len(runs):
                continue
            finding = _finding_over(runs[other], chosen)
            if finding is None or not _attempt_between(scan, run, runs[other]):
                continue
            if _same_value(run.compact(), _code(scan, finding), other > index):
                start, end = run.span(0, len(run) - 1)
                value = run.compact().replace("o", "0") if run.is_digits else run.compact()
                found.append(Candidate(finding.type, start, end, value, CONFIDENCE))
                break
    return found + list(_repeats(scan, [*chosen, *found]))


def cut_attempts(scan: Scan, chosen: list[Candidate]) -> list[Candidate]:
    """A first attempt cut short and the value said again whole, straight after a correction
    cue ("11 6, no sorry, 12 6 1936", "4 4 1 0, no, 4 4 0 1 9 2"): one finding from the start
    of the attempt to the end of the value, since the attempt is the start of that value with
    a slip (`_same_value`); it takes the value's type and replaces the finding inside it. An
    attempt as long as the value is a value of its own (restatements)."""
    merged: list[Candidate] = []
    runs = scan.runs
    for index in range(len(runs) - 1):
        attempt, value = runs[index], runs[index + 1]
        if _covered(attempt, chosen) or not _cue_between(scan, attempt, value):
            continue
        finding = _finding_over(value, chosen)
        if finding is None:
            continue
        said, code = _digits(attempt), _code(scan, finding)
        # two numbers said as such may be a cut attempt ("2 4, no, 3 4 1935": day and month)
        shortest = MIN_CUT_NUMBERS if len(attempt) > 1 else MIN_ATTEMPT
        if len(said) >= len(code) - 1 or not _same_value(said, code, shortest=shortest):
            continue
        start = attempt.units[0].start
        merged.append(replace(finding, start=start, end=max(finding.end, value.units[-1].end)))
    return merged


def _repeats(scan: Scan, findings: list[Candidate]) -> Iterator[Candidate]:
    """A number said again where nothing names it ("Thank you for catching that, 29753104.",
    the agent's read-back of the account number said before): the same digits as a finding
    are the same value, whatever words are near them."""
    values: dict[str, Candidate] = {}
    if not findings:
        return
    for finding in sorted(findings, key=lambda f: -f.confidence):
        values.setdefault(_code(scan, finding), finding)
    for run in scan.runs:
        if not run.is_digits:
            continue
        digits = _digits(run)
        if len(digits) < MIN_REPEAT or digits not in values:
            continue
        if _covered(run, findings) or scan.is_quantity(run):
            continue
        if scan.negative(run.units[0], run.units[-1]):
            continue
        start, end = run.span(0, len(run) - 1)
        yield Candidate(values[digits].type, start, end, values[digits].value, REPEAT_CONFIDENCE)


def agreeing_types(scan: Scan, chosen: list[Candidate]) -> list[Candidate]:
    """A value said twice is of one type: where two findings read the same digits (or one is
    a corrected attempt at the other), the less sure takes the type of the surer ("oh nine,
    one one, seven two", a date by its shape, is the sort code the agent reads back as
    09-11-72)."""
    result = list(chosen)
    if len({finding.type for finding in result}) < 2:
        return result
    codes = [_code(scan, finding) for finding in result]
    if len(set(codes)) == len(codes) and len(result) > 1 and not _any_cue(scan):
        return result  # no value said twice, and no correction
    runs = [_run_of(scan, finding) for finding in result]
    sureness = [finding.confidence for finding in result]  # a retyped finding's: its source's
    for _ in range(2):  # an attempt takes the type its correction took from a read-back
        for high in sorted(range(len(result)), key=lambda k: -sureness[k]):
            if len(codes[high]) < MIN_REPEAT:
                continue
            for low, finding in enumerate(result):
                if finding.type is result[high].type or sureness[low] >= sureness[high]:
                    continue
                same = codes[low] == codes[high]
                attempt = _consecutive(scan, runs[low], runs[high]) and _same_value(
                    codes[low], codes[high]
                )
                if same or attempt:
                    value = result[high].value if same else codes[low]
                    result[low] = replace(finding, type=result[high].type, value=value)
                    sureness[low] = sureness[high] - 0.01
    return result


def _any_cue(scan: Scan) -> bool:
    return any(u.kind is UnitKind.WORD and u.symbol in CUE_WORDS for u in scan.lexed.units)


def _run_of(scan: Scan, finding: Candidate) -> int | None:
    for index, run in enumerate(scan.runs):
        start, end = run.span(0, len(run) - 1)
        if start < finding.end and end > finding.start:
            return index
    return None


def _consecutive(scan: Scan, a: int | None, b: int | None) -> bool:
    if a is None or b is None or abs(a - b) != 1:
        return False
    return _cue_between(scan, scan.runs[a], scan.runs[b])


def _code(scan: Scan, finding: Candidate) -> str:
    """The code units a finding covers, joined, with spoken zeros as digits."""
    key = (finding.start, finding.end)
    if key not in scan.codes:
        scan.codes[key] = _code_between(scan, finding.start, finding.end)
    return scan.codes[key]


def _code_between(scan: Scan, start: int, end: int) -> str:
    units = scan.lexed.units
    k = bisect.bisect_left(scan.unit_starts, start)
    symbols = []
    while k < len(units) and units[k].start < end:
        if units[k].end <= end and units[k].is_code:
            symbols.append(units[k].symbol)
        k += 1
    return "".join(symbols).replace("o", "0")


def tail_corrections(scan: Scan) -> Iterator[Candidate]:
    """A number and a correction of its last digits, as one finding of the value they make."""
    runs = scan.runs
    for first, second in itertools.pairwise(runs):
        if not (first.is_digits and second.is_digits):
            continue
        digits, tail = _digits(first), _digits(second)
        if not (len(digits) >= MIN_CORRECTED and 2 <= len(tail) < len(digits)):
            continue
        if scan.is_quantity(second):  # "07911 123456, sorry, 20 pounds"
            continue
        end_named = _end_named(scan, first, second)
        if not (end_named or _cue_between(scan, first, second)):
            continue
        value = digits[: -len(tail)] + tail
        found = _restarted(scan, first, second, value, put_right=end_named)
        if found is not None:
            kind, value, confidence = found
            start, end = first.units[0].start, second.units[-1].end
            yield Candidate(kind, start, end, value, confidence)


_AT_THE_END = (("at", "the", "end"), ("on", "the", "end"))


def _end_named(scan: Scan, first: Run, second: Run) -> bool:
    """Digits said as the end of a number just given ("So that's 07700 900444? / 445 at the
    end, sorry"): only fillers or correction cues before them, "at the end" after them."""
    units = scan.lexed.units
    between = units[first.last_index + 1 : second.first_index]
    words = [u.symbol for u in between if u.kind is UnitKind.WORD]
    if any(u.is_code for u in between) or len(words) > MAX_WORDS_BETWEEN:
        return False
    if any(word not in CUE_WORDS and word not in FILLERS for word in words):
        return False
    after = [u.symbol for u in units[second.last_index + 1 :] if u.kind is UnitKind.WORD][:3]
    return tuple(after) in _AT_THE_END


def restarts(scan: Scan) -> Iterator[Candidate]:
    """A value the caller stops and picks up again: "oh seven seven oh, no sorry, oh oh nine
    oh oh…", "three oh six, eight two, sorry, two one, oh two…", "four one, no, one five". The
    second attempt starts again from the last digit or few said before the cue (or straight
    after them), so the value is the first attempt without those digits and then the second.
    Taken when that value passes a strong check (Luhn with a card prefix, a UK phone number,
    a mod-11 NHS number near "NHS") or has the length of the type named just before it (an
    account number, a sort code, a security code; a date of birth as day, month and year)."""
    for first, second in itertools.pairwise(scan.runs):
        digits = first.is_digits and second.is_digits
        if not digits and not (_ni_part(first) and _ni_part(second)):
            continue
        if scan.is_quantity(second) or not _cue_between(scan, first, second, RESTART_WORDS):
            continue
        said, again = _digits(first), _digits(second)
        if not digits:
            said, again = first.compact(), second.compact()
        elif (date := _date_restart(scan, first, second)) is not None:
            yield date
            continue
        if len(said) < 2 or len(again) < 2:
            continue
        for kept in _restart_points(first, said, again):
            found = _restarted(scan, first, second, said[:kept] + again)
            if found is not None:
                kind, value, confidence = found
                yield Candidate(kind, first.units[0].start, second.units[-1].end, value, confidence)
                break


def _restart_points(first: Run, said: str, again: str) -> Iterator[int]:
    """How many digits of the first attempt stand, most said again first: where its last
    digits are the start of the second ("…seven oh, sorry, oh nine…"), where its last number
    word is said again longer ("twenty, forty, sorry, forty-five…"), or all of it."""
    for overlap in range(min(MAX_RESTART, len(said) - 1, len(again)), 0, -1):
        if said[-overlap:] == again[:overlap]:
            yield len(said) - overlap
    last = first.units[-1].symbol.replace("o", "0")
    if 1 < len(last) < len(said) and again.startswith(last[0]) and not again.startswith(last):
        yield len(said) - len(last)
    # started again from a little before the slip, the slip put right ("…two three one oh,
    # no sorry, three one nine…"; "yz 44 10, no, 44 01 92 d"; a group of an Amex number
    # said again, "seven five nought two seven six, sorry, seven five nine two seven six")
    for overlap in range(min(MAX_SLIPPED_RESTART, len(said) - 1, len(again)), 1, -1):
        slips = _distance(said[-overlap:], again[:overlap])
        if slips == 1 or (slips == 0 and overlap > MAX_RESTART):
            yield len(said) - overlap
    yield len(said)


def _restarted(
    scan: Scan, first: Run, second: Run, digits: str, *, put_right: bool = False
) -> tuple[PiiType, str, float] | None:
    """The type of a value picked up again: a strong check, or the length its context asks
    (`put_right`: a read-back's end put right by the caller, "…445 at the end", is one value
    however many speakers said it)."""
    start, end = first.units[0], second.units[-1]
    if not digits.isdigit():  # letters too: a NI number said again from a slip
        code = digits[:2].replace("o", "O").upper() + digits[2:].replace("o", "0").upper()
        said = scan.near(ctx.NATIONAL_INSURANCE, start, end, after=0)
        wanted = said and closer(said, scan.negative(start, end))
        if len(code) == 9 and v.ni_valid(code) and wanted:
            return PiiType.NATIONAL_INSURANCE_NUMBER, code, RESTART_CONFIDENCE
        return None
    between = scan.lexed.units[first.last_index + 1 : second.first_index]
    one_speaker = put_right or all(u.symbol != lx.TURN_CHANGE for u in between)
    found = _checked(scan, first, digits, alone=one_speaker and not scan.negative(start, end))
    if found is not None:
        return found
    if scan.negative(start, end):
        return None
    for kind, phrases, size in _RESTART_LENGTHS:
        if len(digits) in size and scan.near(phrases, start, end, after=0):
            return kind, digits, RESTART_CONFIDENCE
    if len(digits) in (6, 8) and scan.near(ctx.BIRTH, start, end, after=0):
        day, month = int(digits[:2]), int(digits[2:4])
        year = v.full_year(int(digits[4:]), reference_year=scan.reference_year)
        if v.valid_date(day, month, year):
            value = f"{day:02d}/{month:02d}/{year}"
            return PiiType.DATE_OF_BIRTH, value, RESTART_CONFIDENCE
    return None


def _date_restart(scan: Scan, first: Run, second: Run) -> Candidate | None:
    """A date of birth restarted from the part said wrong: "17 8, no, 9 1973" is the 17th of
    September 1973 (the day kept, the month and year said again), "21 5, no sorry, 6 84"."""
    start, end = first.units[0], second.units[-1]
    if not scan.near(ctx.BIRTH, start, end, after=0) or scan.negative(start, end):
        return None
    said, again = _date_groups(first), _date_groups(second)
    if len(again) == 3 and len(said) <= 2 and all(len(group) <= 2 for group in said):
        said = []  # "9 2, sorry, 10 2 1985": the date said again whole after its start
    elif not 1 <= len(again) <= 2 or len(said) < 3 - len(again):
        return None
    day, month, year = [int(group) for group in said[: 3 - len(again)] + again]
    full = v.full_year(year, reference_year=scan.reference_year) if year < 100 else year
    if not (len(again[-1]) in (2, 4) and v.valid_date(day, month, full)):
        return None
    value = f"{day:02d}/{month:02d}/{full}"
    return Candidate(PiiType.DATE_OF_BIRTH, start.start, end.end, value, RESTART_CONFIDENCE)


def _date_groups(run: Run) -> list[str]:
    """The numbers of a date as said, a year said as two numbers joined ("19 73" → 1973)."""
    groups = [unit.symbol.replace("o", "0") for unit in run.units]
    if len(groups) >= 2 and groups[-2] in ("19", "20") and len(groups[-1]) == 2:
        groups[-2:] = [groups[-2] + groups[-1]]
    return groups


def _ni_part(run: Run) -> bool:
    """A run that may be part of a NI number: letters and digits, at most nine."""
    kinds = (UnitKind.DIGITS, UnitKind.LETTERS)
    return len(run.compact()) <= 9 and all(u.kind in kinds for u in run.units)


def stutters(scan: Scan) -> Iterator[Candidate]:
    """A number with a group said twice over ("0161 496 496 0732": the caller lost their place
    and said "496" again), as one finding of the value without the repeat, when that passes a
    strong check (a valid UK phone number, Luhn with a card prefix)."""
    for run in scan.runs:
        if not run.is_digits or len(run) < 3:
            continue
        symbols = [u.symbol.replace("o", "0") for u in run.units]
        for k in range(len(symbols) - 1):
            if len(symbols[k]) < MIN_STUTTER or symbols[k] != symbols[k + 1]:
                continue  # "00 00", "double 0" are digits said twice on purpose
            digits = "".join(symbols[: k + 1] + symbols[k + 2 :])
            if len(digits) < MIN_CORRECTED + 2 or scan.near(ctx.ORGANISATION, *run.span_units()):
                continue
            found = _checked(scan, run, digits)
            if found is not None and found[0] is not PiiType.NHS_NUMBER:
                kind, value, confidence = found
                start, end = run.span(0, len(run) - 1)
                yield Candidate(kind, start, end, value, confidence - 0.05)


def with_tail_corrections(chosen: list[Candidate], tails: list[Candidate]) -> list[Candidate]:
    """`chosen` with each corrected number in place of the findings inside it: the first
    attempt may pass its check on its own ("07911 123 465, no, 456"), yet the finding is the
    number with its correction. A tail overlapping a finding of another type is left out."""
    for tail in tails:
        inside = [c for c in chosen if c.start < tail.end and c.end > tail.start]
        # a card number put right is card data whatever a part of it passed for (PCI first:
        # ten digits of it may pass modulus 11 as an NHS number)
        card = tail.type is PiiType.CREDIT_CARD
        if all(
            (c.type is tail.type or (card and c.confidence < tail.confidence))
            and tail.start <= c.start
            and c.end <= tail.end
            for c in inside
        ):
            chosen = sorted([*(c for c in chosen if c not in inside), tail], key=lambda c: c.start)
    return chosen


def _digits(run: Run) -> str:
    return run.compact().replace("o", "0")


def _checked(
    scan: Scan, run: Run, digits: str, *, alone: bool = False
) -> tuple[PiiType, str, float] | None:
    """The type a corrected number passes the strong check of, with its value and confidence
    (`alone`: the value and its correction are all that was said, nothing naming them, so a
    possible but unallocated phone number counts, as one said on its own does: 0.6)."""
    if v.luhn_valid(digits) and v.card_scheme(digits):
        return PiiType.CREDIT_CARD, digits, 0.9
    first, last = run.units[0], run.units[-1]
    phone = v.uk_phone(digits)
    if phone is not None and (phone.valid or scan.near(ctx.PHONE, first, last)):
        return PiiType.PHONE_NUMBER, phone.e164, 0.85 if phone.valid else 0.75
    national = digits.startswith("0") and len(digits) in (10, 11)  # not "4430…" as +44
    if phone is not None and alone and national and not scan.negative(first, last):
        return PiiType.PHONE_NUMBER, phone.e164, 0.6
    if v.nhs_valid(digits) and scan.near(ctx.NHS, first, last):
        return PiiType.NHS_NUMBER, digits, 0.9
    return None


def _covered(run: Run, findings: list[Candidate]) -> bool:
    start, end = run.span(0, len(run) - 1)
    return any(f.start < end and f.end > start for f in findings)


def _finding_over(run: Run, findings: list[Candidate]) -> Candidate | None:
    """The finding that covers most of a run, if it covers at least half of it."""
    start, end = run.span(0, len(run) - 1)
    best, best_share = None, 0.5
    for finding in findings:
        share = (min(end, finding.end) - max(start, finding.start)) / (end - start)
        if share >= best_share:
            best, best_share = finding, share
    return best


def _attempt_between(scan: Scan, a: Run, b: Run) -> bool:
    """What may lie between an attempt `a` and the finding at `b`: a correction cue; or,
    for a long attempt, a cue among a few words; or the other party's short turn."""
    if _cue_between(scan, a, b):
        return True
    first, second = (a, b) if a.first_index < b.first_index else (b, a)
    between = scan.lexed.units[first.last_index + 1 : second.first_index]
    if any(u.is_code for u in between):
        return False
    words = [u.symbol.replace("’", "'") for u in between if u.kind is UnitKind.WORD]
    size = len(_digits(a))
    if scan.negative(a.units[0], a.units[-1]):
        return False  # "The order number's 12345678, no, my account number is 12345679."
    if size >= LONG_ATTEMPT and len(words) <= MAX_WORDS_BETWEEN:
        return any(word in CUE_WORDS for word in words)
    turns = [u for u in between if u.kind is UnitKind.PUNCT and u.symbol == lx.TURN_CHANGE]
    return size >= MIN_CUT_ATTEMPT and len(turns) == 2 and len(words) <= MAX_TURN_WORDS


def _cue_between(scan: Scan, a: Run, b: Run, fillers: frozenset[str] = FILLERS) -> bool:
    """Only a few words between the two runs, one of them a correction cue."""
    first, second = (a, b) if a.first_index < b.first_index else (b, a)
    between = scan.lexed.units[first.last_index + 1 : second.first_index]
    words = [u.symbol.replace("’", "'") for u in between if u.kind is UnitKind.WORD]
    if len(words) > MAX_WORDS_BETWEEN or any(u.is_code for u in between):
        return False
    if any(word not in CUE_WORDS and word not in fillers for word in words):
        return False
    return any(word in CUE_WORDS for word in words)


def _same_value(a: str, b: str, first: bool = True, shortest: int = MIN_ATTEMPT) -> bool:
    """Two attempts at one value: the same but for a slip, or one the start of the other
    (the attempt `a` the start of `b` only when said `first`)."""
    a, b = a.replace("o", "0"), b.replace("o", "0")
    if not first and len(a) < len(b):
        # a correction of the end ("So that's 07700 900 416? / No, 461.") or the whole
        slips = 1 if len(a) < 8 else 2
        ending = len(a) >= MIN_ATTEMPT and _distance(a, b[-len(a) :]) <= 1
        return ending or _distance(a, b) <= slips
    short, long = sorted((a, b), key=len)
    if len(short) < shortest:
        return False
    slips = 1 if len(short) < 8 else 2
    return _distance(short, long[: len(short)]) <= slips or (
        len(long) - len(short) <= 1 and _distance(short, long) <= slips
    )


def _distance(a: str, b: str) -> int:
    """Edit distance counting a swap of neighbours as one slip (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
