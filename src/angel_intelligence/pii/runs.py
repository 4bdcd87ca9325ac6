"""Code runs: maximal sequences of digit/letter units with only soft separators between them.

"4111-1111 1111, 1111", "S W one A, one A A" and "a B1, 2, 3, 4, 5, 6, C" are each one run, and
so is "£4 .5, £3, $1, £4": on donation calls Whisper writes a currency symbol before each digit
of a number read out digit by digit (a card number, found by the end-to-end test of issue 9), so
a currency symbol between two single digits joins them like a comma. Between longer numbers
("£10, £20") it still separates amounts.
A back-channel of the other party between two parts of a value ("5168 7880 / yep / 7226",
"4462 1324 / mm-hm / 1786 1394") joins them like a space when the speaker had not ended a
sentence before it: it interrupts the value, and the value goes on after it. So does the
speaker's own hesitation ("b w, um, six six two oh").
Brackets around a short group of digits next to more digits, as in "+44 (0)7911 123456" and
"(0161) 496 0123", are separators too: that is how UK numbers are written.
A run's *compact* form concatenates its unit symbols ("4111111111111111", "SW1A1AA",
"AB123456C"); recognisers look at every window of whole units, so a finding always starts and
ends on a unit boundary and maps back to exact characters. Runs may cross segment boundaries
(a card number read across two Whisper segments is one run).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii.context import CURRENCY
from angel_intelligence.pii.units import Lexed, Unit, UnitKind


@dataclass(frozen=True)
class Run:
    """Code units of the lexed text, with the separators between them."""

    units: tuple[Unit, ...]
    separators: tuple[str, ...]  # between consecutive units: "", "-", "/", ",", " "...
    indices: tuple[int, ...]  # of each unit in the lexed text (separators lie between them)
    # k where a sentence ends between units k and k+1: a full stop before a new line or a
    # capital ("Security code's seven six one. Seven six one, thank you": a read-back).
    stops: frozenset[int] = frozenset()

    @property
    def first_index(self) -> int:
        return self.indices[0]

    @property
    def last_index(self) -> int:
        return self.indices[-1]

    @cached_property
    def _offsets(self) -> tuple[int, ...]:
        offsets = [0]
        for unit in self.units:
            offsets.append(offsets[-1] + len(unit.symbol))
        return tuple(offsets)

    def __len__(self) -> int:
        return len(self.units)

    def compact(self, i: int = 0, j: int | None = None) -> str:
        """The symbols of units i..j (inclusive) joined."""
        last = len(self.units) - 1 if j is None else j
        return "".join(u.symbol for u in self.units[i : last + 1])

    def compact_length(self, i: int, j: int) -> int:
        return self._offsets[j + 1] - self._offsets[i]

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original characters of units i..j."""
        return self.units[i].start, self.units[j].end

    def span_units(self) -> tuple[Unit, Unit]:
        """The first and last unit."""
        return self.units[0], self.units[-1]

    def separators_between(self, i: int, j: int) -> tuple[str, ...]:
        return self.separators[i:j]

    def is_sentence(self, i: int, j: int) -> bool:
        """Units i..j are all of the run, or all of it between sentence ends: said on their
        own, like a whole run."""
        return (i == 0 or i - 1 in self.stops) and (j == len(self.units) - 1 or j in self.stops)

    def windows(self, max_length: int) -> Iterator[tuple[int, int, str]]:
        """Every window (i, j, compact) of whole units up to `max_length` characters."""
        for i in range(len(self.units)):
            for j in range(i, len(self.units)):
                if self.compact_length(i, j) > max_length:
                    break
                yield i, j, self.compact(i, j)

    @property
    def is_digits(self) -> bool:
        return all(u.kind is UnitKind.DIGITS for u in self.units)

    def digit_parts(self) -> list[Run]:
        """The maximal stretches of digit units ("CVC, double eight four" → "88 4")."""
        parts: list[Run] = []
        start: int | None = None
        for index in range(len(self.units) + 1):
            digit = index < len(self.units) and self.units[index].kind is UnitKind.DIGITS
            if digit and start is None:
                start = index
            elif not digit and start is not None:
                parts.append(self._part(start, index))
                start = None
        return parts

    def _part(self, start: int, stop: int) -> Run:
        if start == 0 and stop == len(self.units):
            return self
        stops = frozenset(k - start for k in self.stops if start <= k < stop - 1)
        return Run(
            self.units[start:stop],
            self.separators[start : stop - 1],
            self.indices[start:stop],
            stops,
        )


def find_runs(lexed: Lexed) -> list[Run]:
    """Split the units of a text into code runs."""
    runs: list[Run] = []
    units: list[Unit] = []
    separators: list[str] = []
    indices: list[int] = []
    pending = ""
    brackets = _digit_brackets(lexed.units)
    interruptions = _interruptions(lexed.units)
    if lx.TURN_CHANGE in lexed.text:
        interruptions |= _back_channel_turns(lexed.units)
    for index, unit in enumerate(lexed.units):
        if units and unit.is_code and _is_count(lexed.units, index):
            # "514, three numbers": the count is no digit of the value before it
            runs.append(Run(tuple(units), tuple(separators), tuple(indices)))
            units, separators, indices, pending = [], [], [], ""
        if unit.is_code:
            if units and CURRENCY.intersection(pending) and not _is_digit(unit):
                runs.append(Run(tuple(units), tuple(separators), tuple(indices)))
                units, separators, indices, pending = [], [], [], ""
            if units:
                separator = "".join(c for c in pending if c not in CURRENCY)
                separators.append(separator.strip() or (" " if pending else ""))
            units.append(unit)
            indices.append(index)
            pending = ""
        elif index in brackets and not units:
            continue  # "(0161) 496 0123": the run starts inside the bracket
        elif units and index in interruptions:
            pending += " "
        elif units and _is_year_apostrophe(lexed.units, index) and _is_month(units[-1]):
            pending += " "  # "expiry's four, '28": a year's apostrophe after a month
        elif units and (
            _is_separator(unit)
            or index in brackets
            or (_is_currency(unit) and _is_digit(units[-1]))
        ):
            pending += unit.symbol
        else:
            if units:
                runs.append(Run(tuple(units), tuple(separators), tuple(indices)))
            units, separators, indices, pending = [], [], [], ""
    if units:
        runs.append(Run(tuple(units), tuple(separators), tuple(indices)))
    return [_with_spacing(run, lexed.text) for run in runs]


def _digit_brackets(units: tuple[Unit, ...]) -> set[int]:
    """Indices of the brackets of "(0)" or "(0161)" where digits follow the closing bracket (a
    trunk zero or an area code: what UK numbers put in brackets; "(1) 2" stays apart)."""
    found: set[int] = set()
    for k in range(len(units) - 3):
        opening, inside, closing, after = units[k : k + 4]
        if (
            opening.kind is UnitKind.PUNCT
            and opening.symbol == "("
            and inside.kind is UnitKind.DIGITS
            and len(inside.symbol) <= 5
            and inside.symbol.startswith("0")
            and closing.kind is UnitKind.PUNCT
            and closing.symbol == ")"
            and after.kind is UnitKind.DIGITS
        ):
            found.update((k, k + 2))
    return found


def _interruptions(units: tuple[Unit, ...]) -> set[int]:
    """Indices of the units of back-channels said between two parts of a value: after a code
    unit with at most a comma between (a full stop ends what was said: "Sort code 60 83 12. /
    Yep. / …" does not run on into what follows), and before another code unit."""
    found: set[int] = set()
    k = 0
    while k < len(units):
        if not _is_back_channel(units[k]):
            k += 1
            continue
        end, words = k, 1
        while end + 1 < len(units) and words <= lx.MAX_BACK_CHANNEL_WORDS:
            nxt = units[end + 1]
            if _is_back_channel(nxt):
                words += 1
            elif not (nxt.kind is UnitKind.PUNCT and nxt.symbol in "-,.!" + lx.TURN_CHANGE):
                break
            end += 1
        start = k
        if start > 0 and _is_turn_change(units[start - 1]):
            start -= 1  # the other party's turn: "4069 0067 / Agent: Mm-hmm. / Supporter: …"
        before = start - 1
        if before >= 0 and units[before].kind is UnitKind.PUNCT and units[before].symbol == ",":
            before -= 1
        if _is_letter_dot(units, before):
            before -= 1  # "X. P., um, five…": the dot of a spelled letter ends no sentence
        after = end + 1
        while after < len(units) and _is_separator(units[after]):
            after += 1
        if (
            words <= lx.MAX_BACK_CHANNEL_WORDS
            and before >= 0
            and units[before].is_code
            and after < len(units)
            and units[after].is_code
        ):
            found.update(range(start, end + 1))
        k = end + 1
    return found


def _is_count(units: tuple[Unit, ...], index: int) -> bool:
    """A small number that counts what follows ("514, three numbers", "the last 3 digits"),
    not a digit of a code."""
    unit = units[index]
    if unit.kind is not UnitKind.DIGITS or len(unit.symbol) > 2:
        return False
    after = index + 1
    if after < len(units) and units[after].kind is UnitKind.PUNCT and units[after].symbol == "-":
        after += 1  # "three-digit"
    return (
        after < len(units)
        and units[after].kind is UnitKind.WORD
        and units[after].symbol in lx.COUNTED_WORDS
    )


def _is_letter_dot(units: tuple[Unit, ...], index: int) -> bool:
    """A full stop written straight after a single spelled letter ("X. P.")."""
    return (
        index >= 1
        and units[index].kind is UnitKind.PUNCT
        and units[index].symbol == "."
        and units[index - 1].kind is UnitKind.LETTERS
        and len(units[index - 1].symbol) == 1
        and units[index - 1].end == units[index].start
    )


def _is_back_channel(unit: Unit) -> bool:
    return unit.kind is UnitKind.WORD and (
        unit.symbol in lx.BACK_CHANNEL_WORDS or unit.symbol in lx.HESITATION_WORDS
    )


def _back_channel_turns(units: tuple[Unit, ...]) -> set[int]:
    """Indices of a turn of the other party that says only "Yes.", "Go on.", "Got it." and
    the like, between two parts of a value in labelled text, with no full stop before it
    ("4929 1234 / Agent: Go on. / Supporter: 5678 9015")."""
    found: set[int] = set()
    changes = [k for k, unit in enumerate(units) if unit.symbol == lx.TURN_CHANGE]
    for start, end in itertools.pairwise(changes):
        inside = units[start + 1 : end]
        words = [u for u in inside if u.kind is not UnitKind.PUNCT]
        if not 0 < len(words) <= lx.MAX_BACK_CHANNEL_WORDS:
            continue
        if not all(
            u.kind is UnitKind.WORD and u.symbol in lx.TURN_BACK_CHANNEL_WORDS for u in words
        ):
            continue
        if any(u.kind is UnitKind.PUNCT and u.symbol not in "-,.!" for u in inside):
            continue
        before = start - 1
        if before >= 0 and units[before].kind is UnitKind.PUNCT and units[before].symbol == ",":
            before -= 1
        if (
            before >= 0
            and units[before].is_code
            and end + 1 < len(units)
            and units[end + 1].is_code
        ):
            found.update(range(start, end + 1))
    return found


def _is_year_apostrophe(units: tuple[Unit, ...], index: int) -> bool:
    """The apostrophe of a two-digit year ("'28"), written straight before it."""
    unit = units[index]
    if unit.kind is not UnitKind.PUNCT or unit.symbol not in "'’" or index + 1 >= len(units):
        return False
    year = units[index + 1]
    return year.kind is UnitKind.DIGITS and len(year.symbol) == 2 and year.start == unit.end


def _is_month(unit: Unit) -> bool:
    return unit.kind is UnitKind.DIGITS and len(unit.symbol) <= 2


def _is_turn_change(unit: Unit) -> bool:
    return unit.kind is UnitKind.PUNCT and unit.symbol == lx.TURN_CHANGE


def _is_currency(unit: Unit) -> bool:
    return unit.kind is UnitKind.PUNCT and unit.symbol in CURRENCY


def _is_digit(unit: Unit) -> bool:
    """A single spoken or written digit (what Whisper prefixes with "£" digit by digit)."""
    return unit.kind is UnitKind.DIGITS and len(unit.symbol) == 1


def _is_separator(unit: Unit) -> bool:
    if unit.kind is UnitKind.SEPARATOR:
        return True
    return unit.kind is UnitKind.PUNCT and unit.symbol in lx.SOFT_PUNCTUATION


def _with_spacing(run: Run, text: str) -> Run:
    """Record a plain space as the separator where units are separated by whitespace only, and
    where a sentence ends between two units."""
    separators = []
    stops = set()
    for k, sep in enumerate(run.separators):
        left, right = run.units[k], run.units[k + 1]
        gap = text[left.end : right.start]
        if sep == "" and gap.strip() == "" and right.start > left.end:
            sep = " "
        if "." in sep and ("\n" in gap or text[right.start].isupper()):
            stops.add(k)
        separators.append(sep)
    return Run(run.units, tuple(separators), run.indices, frozenset(stops))
