"""The number check: every number a generated text states must be one the brief contains.

A number in the answer is supported when the brief writes the same token ("72.5", "01/01/2026",
"1700000000.12"), or the same value (1,234 = 1234; 15 for -15.0, a fall stated as a positive
amount), or that value rounded to fewer decimals (72 or 72.5 for 72.46). A date in prose
("5 January 2026") is checked as the brief writes it (05/01/2026), a month and year by its
year. A list marker at the start of a line ("1. ") is not a figure. Numbers written as words
are not checked.

Repair, when regenerating did not help: an unsupported number is replaced by the brief's value
for the figure whose label the sentence names (the best match, which must be unique), else its
sentence is removed; `Repair` says what was done, for the message's metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from angel_intelligence.services.brief import Brief, Fact

_NUMBER = re.compile(r"(?<![\w])\d+(?:[.,/:]\d+)*")
_LIST_MARKER = re.compile(r"(?m)^(\s*)\d{1,2}[.)](?=\s)")
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=\d))*(?:[.!?]+[ \t]*|\n+|$)")
_WORD = re.compile(r"[a-z]+")
_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
_MONTHS = [
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
]
_PROSE_DATE = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)? )?({'|'.join(_MONTHS)}),? (\d{{4}})\b", re.IGNORECASE
)


def _dates_as_tokens(text: str) -> str:
    """ "5 January 2026" as 05/01/2026 and "January 2026" as 2026, as the brief writes them."""

    def token(match: re.Match[str]) -> str:
        day, month, year = match.groups()
        if day is None:
            return year
        return f"{int(day):02d}/{_MONTHS.index(month.lower()) + 1:02d}/{year}"

    return _PROSE_DATE.sub(token, text)


def _value(token: str) -> Decimal | None:
    text = token.replace(",", "")
    try:
        return abs(Decimal(text))
    except InvalidOperation:
        return None


def _rounded(value: Decimal) -> set[Decimal]:
    return {value, value.quantize(Decimal(1)), value.quantize(Decimal("0.1"))}


@dataclass(frozen=True)
class Allowed:
    """The numbers a brief supports."""

    tokens: frozenset[str]
    values: frozenset[Decimal]

    @classmethod
    def of(cls, text: str) -> Allowed:
        tokens, values = set(), set()
        for match in _NUMBER.finditer(text):
            token = match.group()
            tokens.add(token)
            if _DATE.match(token):
                tokens.add(token.rsplit("/", 1)[1])  # its year, as "January 2026" states it
                continue
            if (value := _value(token)) is not None:
                values |= _rounded(value)
        return cls(frozenset(tokens), frozenset(values))

    def supports(self, token: str) -> bool:
        if token in self.tokens:
            return True
        value = _value(token)
        return value is not None and value in self.values


def numbers_in(text: str) -> list[str]:
    """The numbers a text states (list markers at the start of a line left out)."""
    text = _dates_as_tokens(_LIST_MARKER.sub(r"\1", text))
    return [m.group() for m in _NUMBER.finditer(text)]


def unsupported(text: str, allowed: Allowed) -> list[str]:
    """The numbers of `text` that the brief does not contain, in order, each once."""
    found: list[str] = []
    for token in numbers_in(text):
        if not allowed.supports(token) and token not in found:
            found.append(token)
    return found


@dataclass
class Repair:
    """What the repair did to a text."""

    replaced: list[dict[str, str]] = field(default_factory=list)
    removed_sentences: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.replaced or self.removed_sentences)

    def to_json(self) -> dict[str, object]:
        return {"replaced": self.replaced, "removed_sentences": self.removed_sentences}


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in _WORD.findall(text.lower()) if len(w) > 2}


def _around(sentence: str, token: str, reach: int = 4) -> str:
    """The words either side of `token` in `sentence` (what the number is said of)."""
    at = sentence.find(token)
    if at < 0:
        return sentence
    before = sentence[:at].split()[-reach:]
    after = sentence[at + len(token) :].split()[:reach]
    return " ".join([*before, *after])


def _best_fact(context: str, facts: tuple[Fact, ...], used: set[int]) -> Fact | None:
    words = _words(context)
    scored = []
    for index, fact in enumerate(facts):
        if index in used:
            continue
        label = _words(fact.label)
        overlap = len(label & words)
        if not overlap:
            continue
        # the most label words said, then the fewest left unsaid ("previous average quality
        # score" is not the figure of "the average quality score was …")
        scored.append((overlap - 0.1 * len(label - words), index))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None  # two figures fit as well: guessing could state the wrong one
    used.add(scored[0][1])
    return facts[scored[0][1]]


def repair(text: str, brief: Brief) -> tuple[str, Repair]:
    """`text` with every unsupported number replaced from the brief or its sentence removed."""
    allowed = Allowed.of(brief.text)
    report = Repair()
    kept: list[str] = []
    for sentence in _SENTENCE.findall(text):
        if not sentence:
            continue
        bad = unsupported(sentence, allowed)
        if not bad:
            kept.append(sentence)
            continue
        used: set[int] = set()
        fixed, replaced = sentence, []
        for token in bad:
            fact = _best_fact(_around(fixed, token), brief.facts, used)
            if fact is None:
                break
            fixed = re.sub(rf"(?<![\w]){re.escape(token)}(?![\w]|[.,/:]\d)", fact.value, fixed)
            replaced.append({"from": token, "to": fact.value, "figure": fact.label})
        if unsupported(fixed, allowed):
            report.removed_sentences += 1
            continue
        report.replaced += replaced
        kept.append(fixed)
    return "".join(kept).strip(), report
