"""Runs of digits and spelled letters in a call, with when they were said and what they hold.

A run is read from `joining.run_view`, where anything short between two parts of a code is
blanked (fillers, the other party's "mm-hm", Whisper's quotes and currency symbols), so
`4 '5", 3 '5", 1 '0"` and "zero seven." / "I'm one, one, two" are each one run. Letters said
one by one ("S .M .I .G .H", "M -M -H -M") form runs of their own: the lexer keeps a lone run
of letters as words, since "a" or "I" alone are words. Parts that a finding covers are left
out: the finding has them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from angel_intelligence.domain.pii import PiiSpan
from angel_intelligence.pii import context as ctx
from angel_intelligence.pii.joining import run_view
from angel_intelligence.pii.lexer import lex
from angel_intelligence.pii.runs import find_runs
from angel_intelligence.pii.stream import CallStream
from angel_intelligence.pii.turns import COUNT_WORDS
from angel_intelligence.pii.units import Lexed, Unit, UnitKind

LOOP_REPEATS = 3  # the same one to three symbols this many times in a row: Whisper looping
NOT_LETTERS = frozenset({"a", "I"})  # words, even alone


@dataclass(frozen=True, slots=True)
class CodeRun:
    start: int  # characters [start, end) of the layout text
    end: int
    symbols: tuple[str, ...]  # "45", "7", "M": one per unit said
    digits: int  # digits in it
    spelled: int  # letters said one by one
    start_s: float
    end_s: float
    segment: int  # where it starts
    count: bool  # a count or amount word follows ("three digits", "twenty pounds")
    amount: bool  # a currency symbol before it ("£25")

    @property
    def loop(self) -> bool:
        symbols = self.symbols
        for size in (1, 2, 3):
            for first in range(len(symbols) - size * LOOP_REPEATS + 1):
                gram = symbols[first : first + size]
                if all(
                    symbols[first + r * size : first + (r + 1) * size] == gram
                    for r in range(1, LOOP_REPEATS)
                ):
                    return True
        return False

    @property
    def rule(self) -> str:
        if self.loop:
            return "loop"
        return "digits" if self.digits else "spelled"


def code_runs(stream: CallStream, findings: Sequence[PiiSpan]) -> list[CodeRun]:
    """Every run of the call that no finding covers, in order."""
    lexed = lex(run_view(stream.layout.text))
    taken = [(s.start_char, s.end_char) for s in findings]
    pieces = [part for run in find_runs(lexed) for part in _free(run.units, taken)]
    spans = [(p[0].start, p[-1].end) for p in pieces] + taken
    pieces += [part for letters in _letters(lexed) for part in _free(letters, spans)]
    context = _Context(stream, lexed)
    return sorted((context.run(units) for units in pieces), key=lambda r: r.start)


def _free(units: Sequence[Unit], taken: Sequence[tuple[int, int]]) -> Iterator[list[Unit]]:
    """Stretches of the units that nothing taken covers."""
    part: list[Unit] = []
    for unit in units:
        if any(start < unit.end and unit.start < end for start, end in taken):
            if part:
                yield part
            part = []
        else:
            part.append(unit)
    if part:
        yield part


def _letters(lexed: Lexed) -> Iterator[list[Unit]]:
    """Runs of two or more single letters with only punctuation between them."""
    run: list[Unit] = []
    for index, token in enumerate(lexed.tokens):
        if token.text.isalpha() and len(token.text) == 1 and token.text not in NOT_LETTERS:
            run.append(Unit(UnitKind.LETTERS, token.text.upper(), token.start, token.end,
                            index, index, True))  # fmt: skip
        elif token.text[0].isalnum():
            if len(run) >= 2:
                yield run
            run = []
    if len(run) >= 2:
        yield run


def span_time(stream: CallStream, start: int, end: int) -> tuple[float, float, int]:
    """When characters [start, end) of the layout text were said, and the segment they start in."""
    starts = [t.start for t in stream.tokens]
    low, high = bisect_left(starts, start), bisect_right(starts, end - 1)
    tokens = stream.tokens[low:high] or stream.tokens[max(0, low - 1) : low + 1]
    return min(t.start_s for t in tokens), max(t.end_s for t in tokens), tokens[0].segment


class _Context:
    """When each run was said, and the words around it."""

    def __init__(self, stream: CallStream, lexed: Lexed) -> None:
        self.stream = stream
        self.lexed = lexed
        self.unit_starts = [u.start for u in lexed.units]

    def run(self, units: list[Unit]) -> CodeRun:
        start, end = units[0].start, units[-1].end
        start_s, end_s, segment = span_time(self.stream, start, end)
        return CodeRun(
            start=start,
            end=end,
            symbols=tuple(u.symbol for u in units),
            digits=sum(len(u.symbol) for u in units if u.kind is UnitKind.DIGITS),
            spelled=sum(1 for u in units if u.kind is not UnitKind.DIGITS and len(u.symbol) == 1),
            start_s=start_s,
            end_s=end_s,
            segment=segment,
            count=self._count_after(end),
            amount=self._currency_before(start),
        )

    def _count_after(self, end: int) -> bool:
        units = self.lexed.units
        index = bisect_left(self.unit_starts, end)
        while index < len(units) and units[index].kind is UnitKind.PUNCT:
            index += 1
        return (
            index < len(units)
            and units[index].kind is UnitKind.WORD
            and units[index].symbol in COUNT_WORDS
        )

    def _currency_before(self, start: int) -> bool:
        units = self.lexed.units
        index = bisect_left(self.unit_starts, start) - 1
        while index >= 0 and units[index].kind is UnitKind.PUNCT:
            if units[index].symbol in ctx.CURRENCY:
                return True
            index -= 1
        return False
