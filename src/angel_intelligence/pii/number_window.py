"""A window of whole units of a digit run, as the number recognisers read it: its digits, its
context and how a finding over it is scored (numbers.py, cards.py)."""

from __future__ import annotations

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import context as ctx
from angel_intelligence.pii.runs import Run
from angel_intelligence.pii.scan import Candidate, Scan
from angel_intelligence.pii.units import UnitKind

PART_PENALTY = 0.1  # a window inside a longer run is less likely to be the whole value


class NumberWindow:
    """Units i..j of a digit run, with helpers for context and scoring."""

    def __init__(
        self, scan: Scan, run: Run, i: int, j: int, digits: str, quantity: bool = False
    ) -> None:
        self.scan, self.run, self.i, self.j, self.digits = scan, run, i, j, digits
        self.quantity = quantity
        self.first, self.last = run.units[i], run.units[j]
        self.whole = run.is_sentence(i, j)
        self.separators = run.separators_between(i, j)

    def near(
        self, wanted: tuple[ctx.Phrase, ...], before: int = 12, after: int | None = 6
    ) -> ctx.Nearness:
        return self.scan.near(wanted, self.first, self.last, before=before, after=after)

    @property
    def across_sentences(self) -> bool:
        """The window runs over a sentence end ("…seventy-five. / Forty, sixty-one…": a value
        and its read-back): two things said, not one number."""
        return any(k in self.run.stops for k in range(self.i, self.j))

    @property
    def dictated(self) -> bool:
        """Every unit spoken a digit at a time ("four five three nine, ..."), not written."""
        return all(u.spoken for u in self.run.units[self.i : self.j + 1])

    @property
    def international(self) -> bool:
        """Written after a "+", or said after "plus" with the UK's code ("plus four four oh
        seven seven…"): a phone number in international format, never a card."""
        before = self.scan.unit_before(self.run) if self.i == 0 else None
        if before is None:
            return False
        said = before.kind is UnitKind.WORD and before.symbol == "plus"
        if said:
            return self.digits.startswith("44")
        return before.kind is UnitKind.PUNCT and before.symbol == "+"

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
