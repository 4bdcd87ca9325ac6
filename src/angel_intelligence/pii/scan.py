"""What every recogniser reads (the normalised text, its runs and context) and what it yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import context as ctx
from angel_intelligence.pii.context import ContextIndex, Nearness, Phrase
from angel_intelligence.pii.lexer import lex
from angel_intelligence.pii.runs import Run, find_runs
from angel_intelligence.pii.units import Lexed, Unit, UnitKind


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible finding: characters [start, end) of the scanned text."""

    type: PiiType
    start: int
    end: int
    value: str
    confidence: float
    whole: bool = True  # covers a whole run, not a part of a longer number
    # Characters of the units around it that it takes over unless another finding has them
    # (a card number's run: misheard digits around a valid card number are card data too).
    grows_over: tuple[tuple[int, int], ...] = ()

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Scan:
    """A text prepared for the recognisers."""

    lexed: Lexed
    reference_year: int
    runs: tuple[Run, ...] = field(default=())

    @classmethod
    def of(cls, text: str, *, reference_year: int) -> Scan:
        lexed = lex(text)
        return cls(lexed=lexed, reference_year=reference_year, runs=tuple(find_runs(lexed)))

    @property
    def text(self) -> str:
        return self.lexed.text

    @cached_property
    def codes(self) -> dict[tuple[int, int], str]:
        """A cache of the code units of character spans, joined (corrections.py)."""
        return {}

    @cached_property
    def unit_starts(self) -> list[int]:
        """Where each unit starts, in order (for bisecting)."""
        return [unit.start for unit in self.lexed.units]

    @cached_property
    def context(self) -> ContextIndex:
        return ContextIndex(self.lexed)

    def near(
        self,
        wanted: tuple[Phrase, ...],
        first: Unit,
        last: Unit,
        *,
        before: int = 12,
        after: int | None = 6,
    ) -> Nearness:
        return self.context.near(wanted, first.first, last.last, before=before, after=after)

    def negative(self, first: Unit, last: Unit) -> Nearness:
        """Reference-number words ("order", "reference") just before the span, or after it
        in the same sentence ("E5 8QT, Clapton. / And flat?" is no flat number)."""
        near = self.context.near(ctx.NEGATIVE, first.first, last.last, before=7, after=2)
        if near.after is not None and near.after >= self.context.words_to_sentence_end(last.last):
            return Nearness(near.before, None)
        return near

    def unit_before(self, run: Run) -> Unit | None:
        index = run.first_index - 1
        return self.lexed.units[index] if index >= 0 else None

    def unit_after(self, run: Run) -> Unit | None:
        index = run.last_index + 1
        return self.lexed.units[index] if index < len(self.lexed.units) else None

    def is_quantity(self, run: Run) -> bool:
        """An amount, a time or a count ("£12.50", "25 pounds", "12/26 people", "50%")."""
        before = self.unit_before(run)
        if before is not None and before.kind is UnitKind.PUNCT and before.symbol in ctx.CURRENCY:
            return True
        return self.is_counted(run) or self.follows_amount_word(run)

    def follows_amount_word(self, run: Run) -> bool:
        """Said straight after a word of money ("the account raised 1250000", "we collected
        about 2340"): an amount, whatever context words are near."""
        index = run.first_index - 1
        units = self.lexed.units
        hedge = index >= 0 and units[index].kind is UnitKind.WORD
        if hedge and units[index].symbol in ctx.AMOUNT_HEDGES:
            index -= 1
        if index < 0 or units[index].kind is not UnitKind.WORD:
            return False
        return units[index].symbol in ctx.AMOUNT_WORDS

    def is_counted(self, run: Run) -> bool:
        """Followed by what it counts ("25 pounds", "12/26 people", "50%"): a quantity, even
        where Whisper's "£" before a number could be a misheard code's."""
        after = self.unit_after(run)
        if after is None:
            return False
        if after.kind is UnitKind.PUNCT:
            return after.symbol == "%"
        return self.lexed.tokens[after.first].lower in ctx.QUANTITY_WORDS
