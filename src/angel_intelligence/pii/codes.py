"""Recognisers for letter-and-digit codes: National Insurance numbers, postcodes, driving
licences, written ("AB123456C", "SW1A 1AA") or spelled out ("S W one A, one A A",
"Oscar Alpha one two…").

A spoken "oh" is a zero or the letter O; each code tries both where its format allows.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator
from dataclasses import replace

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import context as ctx
from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii import validators as v
from angel_intelligence.pii.context import closer
from angel_intelligence.pii.runs import Run
from angel_intelligence.pii.scan import Candidate, Scan
from angel_intelligence.pii.units import Unit, UnitKind

_SUFFIX_WORDS = frozenset({"and", "then", "the", "letter"})
MAX_SUFFIX_WORDS = 3
_NI_SHAPE = re.compile(r"[A-Zo]{2}[0-9o]{6}[A-D]?")
_MAX_AMBIGUOUS = 4
PART_PENALTY = 0.05


def code_candidates(scan: Scan) -> Iterator[Candidate]:
    for run in scan.runs:
        if run.is_digits:
            continue
        yield from _partial_postcode(scan, run)
        yield from _ordinal_inward(scan, run)
        yield from _misheard_ni(scan, run)
        yield from _misheard_licence(scan, run)
        for i, j, compact in run.windows(16):
            if compact.isalpha() or compact.isdigit():
                continue
            for found in (_ni(scan, run, i, j, compact), _postcode(scan, run, i, j, compact)):
                if found is not None:
                    yield found
            if len(compact) == 16:
                found = _licence(scan, run, i, j, compact)
                if found is not None:
                    yield found


def readings(compact: str) -> Iterator[str]:
    """Every reading of a code with each spoken "oh" as the letter O or the digit 0."""
    count = compact.count("o")
    if count == 0:
        yield compact
        return
    if count > _MAX_AMBIGUOUS:
        yield compact.replace("o", "0")
        yield compact.replace("o", "O")
        return
    parts = compact.split("o")
    for choice in itertools.product("O0", repeat=count):
        yield "".join(p + c for p, c in zip(parts, (*choice, ""), strict=True))


def _candidate(run: Run, i: int, j: int, kind: PiiType, value: str, confidence: float) -> Candidate:
    whole = run.is_sentence(i, j)
    start, end = run.span(i, j)
    if not whole:
        confidence -= PART_PENALTY
    return Candidate(kind, start, end, value, round(confidence, 3), whole)


def _ni(scan: Scan, run: Run, i: int, j: int, compact: str) -> Candidate | None:
    if len(compact) not in (8, 9) or not _NI_SHAPE.fullmatch(compact):
        return None
    first, last = run.units[i], run.units[j]
    said, negative = scan.near(ctx.NATIONAL_INSURANCE, first, last), scan.negative(first, last)
    code = compact[:2].replace("o", "O") + compact[2:].replace("o", "0")
    if v.ni_valid(code):
        confidence = 0.97 if said else 0.85
        if len(code) == 8 and not said:
            return None  # no suffix letter and no "national insurance": too weak
        # A whole NI number (suffix and all) asked for as one is one, whatever reference is
        # named nearer ("My supporter number's on the letter, but the NI is JK 30 41 52 B").
        if not closer(said, negative) and not (said and len(code) == 9):
            return None
        found = _candidate(run, i, j, PiiType.NATIONAL_INSURANCE_NUMBER, code, confidence)
        suffix = _suffix_after(scan, run) if len(code) == 8 and j == len(run) - 1 else None
        if suffix is not None:
            letter, end = suffix
            found = replace(found, end=end, value=code + letter)
        if said:  # said as a NI number: the rest of its run is a misheard part of it
            found = replace(found, grows_over=tuple((u.start, u.end) for u in run.units))
        return found
    if said and closer(said, negative) and len(code) == 9:
        # Said as a NI number but a letter misheard (or HMRC's example prefix QQ).
        return _candidate(run, i, j, PiiType.NATIONAL_INSURANCE_NUMBER, code, 0.6)
    return None


def _suffix_after(scan: Scan, run: Run) -> tuple[str, int] | None:
    """A NI number's suffix letter said after "and", "then" or "the letter" ("…76 58 76 and
    then a", "…77, and the letter D"): the letter and where it ends."""
    units = scan.lexed.units
    words: list[str] = []
    for unit in units[run.last_index + 1 :]:
        letter = _suffix_letter(unit)
        # a lone "a" after "and" alone is the article ("…77 and a bit")
        capital = scan.lexed.text[unit.start : unit.end].isupper()
        plain = capital or unit.kind is UnitKind.LETTERS or not {"then", "letter"}.isdisjoint(words)
        if words and letter is not None and plain:
            return letter, unit.end
        if unit.kind is UnitKind.PUNCT and unit.symbol == ",":
            continue
        if unit.kind is not UnitKind.WORD or unit.symbol not in _SUFFIX_WORDS:
            return None
        words.append(unit.symbol)
        if len(words) > MAX_SUFFIX_WORDS:
            return None
    return None


def _suffix_letter(unit: Unit) -> str | None:
    symbol = unit.symbol.upper() if len(unit.symbol) == 1 else lx.NATO.get(unit.symbol, "")
    if unit.kind in (UnitKind.LETTERS, UnitKind.WORD) and symbol in ("A", "B", "C", "D"):
        return symbol
    return None


def _postcode(scan: Scan, run: Run, i: int, j: int, compact: str) -> Candidate | None:
    if not 5 <= len(compact) <= 7:
        return None
    code = next((r for r in readings(compact) if v.postcode_valid(r)), None)
    if code is None:
        return None
    first, last = run.units[i], run.units[j]
    said = scan.near(ctx.POSTCODE, first, last, before=8, after=4)
    if not closer(said, scan.negative(first, last)):
        return None
    theirs = scan.near(ctx.ORGANISATION_ADDRESS, first, last, before=8, after=None)
    if theirs and not closer(said, theirs):
        return None
    written = j - i <= 1 and not any(u.spoken for u in run.units[i : j + 1])
    confidence = 0.95 if said else (0.85 if written else 0.75)
    return _candidate(run, i, j, PiiType.POSTCODE, v.format_postcode(code), confidence)


_ORDINAL_INWARD = re.compile(r"[0-9](?:st|nd|rd|th)", re.IGNORECASE)


def _ordinal_inward(scan: Scan, run: Run) -> Iterator[Candidate]:
    """A postcode whose inward code reads as an ordinal ("b15 1st", "ws14 7th"): the lexer
    takes "7th" for the seventh, so it ends the run of the outward code before it."""
    after = scan.unit_after(run)
    if after is None or after.kind is not UnitKind.ORDINAL:
        return
    inward = scan.text[after.start : after.end]
    if not _ORDINAL_INWARD.fullmatch(inward) or after.start - run.units[-1].end > 1:
        return
    for i in range(len(run)):
        compact = run.compact(i)
        code = next((r for r in readings(compact + inward.upper()) if v.postcode_valid(r)), None)
        if code is None or compact.isdigit():
            continue
        first = run.units[i]
        said = scan.near(ctx.POSTCODE, first, after, before=8, after=4)
        if not closer(said, scan.negative(first, after)):
            return
        index = bisect.bisect_left(scan.unit_starts, after.start) + 1
        word_after = index < len(scan.lexed.units) and scan.lexed.units[index].kind is UnitKind.WORD
        if not said and word_after:
            return  # "the M1 1st exit", "b2 2nd floor": an ordinal after all
        value = v.format_postcode(code)
        yield Candidate(PiiType.POSTCODE, first.start, after.end, value, 0.95 if said else 0.75)
        return


def _partial_postcode(scan: Scan, run: Run) -> Iterator[Candidate]:
    """A postcode Whisper cut short or garbled ("My post code in SW1A 1A", "and your postcode,
    1-8, 1-8"): the code read right after "postcode" is taken, failing closed."""
    compact = run.compact()
    first, last = run.units[0], run.units[-1]
    said = scan.near(ctx.POSTCODE, first, last, before=4, after=None)
    if len(compact) < 2 or not said or not closer(said, scan.negative(first, last)):
        return
    if len(compact) <= 8:
        for reading in readings(compact):
            if any(v.outward_valid(reading[:n]) for n in (2, 3, 4)):
                yield Candidate(PiiType.POSTCODE, first.start, last.end, reading, 0.6)
                return
    # Right after "postcode", any code is the postcode, however garbled (even a Whisper loop).
    if said.before is not None and said.before <= 2 and len(compact) >= 3:
        yield Candidate(PiiType.POSTCODE, first.start, last.end, compact, 0.55)


def _misheard_ni(scan: Scan, run: Run) -> Iterator[Candidate]:
    """A code read out right after "national insurance number" that Whisper garbled
    ("J-G-W-0-3-7-5-9-A", "j-1-0-3-7-5-9-8", "take the 1-0-3-7-5-9-8")."""
    compact = run.compact()
    digits = sum(ch.isdigit() or ch == "o" for ch in compact)
    letters = len(compact) - digits
    if not (7 <= len(compact) <= 10 and (digits >= 6 or (digits >= 5 and letters >= 1))):
        return
    first, last = run.units[0], run.units[-1]
    said = scan.near(ctx.NATIONAL_INSURANCE, first, last, before=5, after=None)
    if said and closer(said, scan.negative(first, last)):
        yield Candidate(PiiType.NATIONAL_INSURANCE_NUMBER, first.start, last.end, compact, 0.55)


def _misheard_licence(scan: Scan, run: Run) -> Iterator[Candidate]:
    """A licence number read out after "driving licence" and garbled ("C.L.R.K. 7081.0")."""
    compact = run.compact()
    digits = sum(ch.isdigit() or ch == "o" for ch in compact)
    if not (8 <= len(compact) <= 24 and digits >= 4 and len(compact) - digits >= 2):
        return
    first, last = run.units[0], run.units[-1]
    said = scan.near(ctx.LICENCE, first, last, before=5, after=None)
    if said and closer(said, scan.negative(first, last)):
        yield Candidate(PiiType.DRIVING_LICENCE, first.start, last.end, compact, 0.55)


def _licence(scan: Scan, run: Run, i: int, j: int, compact: str) -> Candidate | None:
    code = next((r for r in readings(compact) if v.licence_valid(r)), None)
    if code is None:
        return None
    first, last = run.units[i], run.units[j]
    said = scan.near(ctx.LICENCE, first, last)
    if not closer(said, scan.negative(first, last)):
        return None
    return _candidate(run, i, j, PiiType.DRIVING_LICENCE, code, 0.95 if said else 0.85)
