"""What lexing produces: tokens of the text, and units, each a normalised symbol with the exact
characters it came from (pii/lexer.py builds them; docs/pii.md, "Spoken forms")."""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Token:
    """A raw token: a run of letters/digits (with an apostrophe suffix) or one other character."""

    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


class UnitKind(enum.Enum):
    DIGITS = "digits"  # symbol: digits; "o" is a spoken oh (zero or the letter O)
    LETTERS = "letters"  # symbol: upper-case letters
    ALNUM = "alnum"  # a written mixed token such as "SW1A" (upper-cased)
    ORDINAL = "ordinal"  # symbol: the number, "17"
    MONTH = "month"  # symbol: the month number, "1"
    WORD = "word"  # symbol: the lower-cased word
    PUNCT = "punct"  # symbol: the character
    SEPARATOR = "separator"  # a spoken separator ("slash" → "/")


@dataclass(frozen=True, slots=True)
class Unit:
    """One normalised symbol standing for tokens [first, last] = characters [start, end)."""

    kind: UnitKind
    symbol: str
    start: int
    end: int
    first: int
    last: int
    spoken: bool = False

    @property
    def is_code(self) -> bool:
        """Part of a number or code (digits, letters, mixed)."""
        return self.kind in (UnitKind.DIGITS, UnitKind.LETTERS, UnitKind.ALNUM)


@dataclass(frozen=True)
class Lexed:
    """A text, its tokens and its units (in order, covering every token exactly once)."""

    text: str
    tokens: tuple[Token, ...]
    units: tuple[Unit, ...]


@dataclass(slots=True)
class Draft:
    """A unit while the lexer is still deciding what an ambiguous word is."""

    kind: UnitKind
    symbol: str
    first: int
    last: int
    spoken: bool = False
    # An ambiguous word: what it becomes next to codes ("oh" → DIGITS "o"), else a WORD.
    pending: str | None = None
    alt_kind: UnitKind | None = None
    alt_symbol: str = ""
