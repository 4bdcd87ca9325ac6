"""British English for generated prose: US spellings, US-style dates and dollar amounts fixed.

The spelling table is breame's (1,706 US→UK pairs, the data behind uwotm8), applied word by
word with our exceptions, because blind replacement gets noun/verb and sense pairs wrong
(research/ecosystem.md, "British spelling"):

- kept as written: words uwotm8 also leaves alone because the UK uses both senses (check,
  draft, tire, install, filter, disk, connection), plus ton; but "by check" is a cheque;
- converted although uwotm8 skips them: catalog, analog (the spec asks for -ogue), gray, mold,
  plow, pajama;
- by context: "meter" stays (a gas or electricity meter) unless a number or "per"/"square"/
  "cubic" comes before it (5 metres); "practice" stays a noun and becomes "practise" only as a
  verb (after to, a pronoun or a modal); "license" becomes the noun "licence" unless used as a
  verb, "licensed"/"licensing" stay; "program" becomes "programme" except after computer or
  software;
- a capitalised word in mid-sentence is taken as a name and kept ("World Health
  Organization", Mr Gray);
- URLs, e-mail addresses and `code` are never touched;
- -ization/-izing/-ized forms missing from the table follow their -ize verb (authorisation).

Dates become "17 January 2026" or DD/MM/YYYY; "$25" becomes "£25" (the spec: money in £).
Only ever apply this to prose values, never to JSON keys or enum values (the spec's own config
spells "programs" and "enrolment" as it likes, and Pulse matches them exactly).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cache

# Words breame converts that must stay as written (both spellings are British in some sense).
KEEP: frozenset[str] = frozenset(
    {
        "check", "checks", "checked", "checking",
        "draft", "drafts", "drafted", "drafting",
        "tire", "tires", "tired", "tiring",
        "install", "installs", "installed", "installing",
        "filter", "filters", "filet", "filets",
        "disk", "disks", "connection", "connections",
        "ton", "tons",
        "licensed", "licensing",
    }
)  # fmt: skip
# Pairs breame lacks.
ADDITIONS: dict[str, str] = {
    "enrollment": "enrolment",
    "enrollments": "enrolments",
}
_VERB_CUES = frozenset(
    {
        "to", "i", "we", "you", "they", "he", "she", "it", "will", "would", "can", "could",
        "should", "must", "may", "might", "shall", "please", "not", "also", "still", "always",
        "never", "often",
    }
)  # fmt: skip
_UNIT_CUES = frozenset({"per", "square", "cubic", "sq"})
_SOFTWARE_CUES = frozenset({"computer", "software"})
_IZE_SUFFIXES = ("izations", "ization", "izers", "izer", "izing", "ized", "izes", "izable")

_WORD = re.compile(r"[A-Za-z]+")
_PROTECTED = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.-]+|`[^`]*`")
_NUMBER_BEFORE = re.compile(r"\d\s*$")
_SENTENCE_END = re.compile(r"[.!?;:\n]")


@cache
def _breame() -> tuple[Callable[[str], bool], Callable[[str], str]]:
    from breame.spelling import american_spelling_exists, get_british_spelling

    return american_spelling_exists, get_british_spelling


def british_word(word: str) -> str | None:
    """The British spelling of one lower-case American word, or None when there is none."""
    if word in ADDITIONS:
        return ADDITIONS[word]
    exists, british = _breame()
    if exists(word):
        return british(word)
    for suffix in _IZE_SUFFIXES:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            if exists(stem + "ize") and british(stem + "ize") == stem + "ise":
                return stem + suffix.replace("iz", "is", 1)
    return None


def _match_case(original: str, replacement: str) -> str:
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


def _contextual(lower: str, previous: str, number_before: bool) -> str | None:
    """Our rules for words whose British spelling depends on sense; None: not such a word."""
    if lower in ("meter", "meters"):
        unit = number_before or previous in _UNIT_CUES
        return ("metre" if lower == "meter" else "metres") if unit else lower
    if lower in ("practice", "practices"):
        verb = previous in _VERB_CUES
        return lower.replace("practice", "practise") if verb else lower
    if lower in ("license", "licenses"):
        verb = previous in _VERB_CUES
        return lower if verb else lower.replace("license", "licence")
    if lower in ("check", "checks") and previous == "by":  # "paid by check": the payment
        return lower.replace("check", "cheque")
    if lower in ("program", "programs"):
        return lower if previous in _SOFTWARE_CUES else lower.replace("program", "programme")
    return None


def british_spelling(text: str) -> str:
    """Replace American spellings word by word, following the rules in the module docstring."""
    if not text:
        return text
    protected = [m.span() for m in _PROTECTED.finditer(text)]
    pieces: list[str] = []
    last_end = 0
    previous = ""
    for match in _WORD.finditer(text):
        start, end = match.span()
        before = text[:start]
        if _SENTENCE_END.search(text[last_end:start]):
            previous = ""
        word = match.group(0)
        replacement = word
        if not any(a <= start < b for a, b in protected):
            replacement = _replace(word, previous, _starts_sentence(before), before)
        pieces.append(text[last_end:start])
        pieces.append(replacement)
        last_end = end
        previous = word.lower()
    pieces.append(text[last_end:])
    return "".join(pieces)


def _starts_sentence(before: str) -> bool:
    stripped = before.rstrip(" \t\"'“‘([")
    return not stripped or stripped[-1] in ".!?;:\n•*-"


def _replace(word: str, previous: str, sentence_start: bool, before: str) -> str:
    lower = word.lower()
    if lower in KEEP and not (lower in ("check", "checks") and previous == "by"):
        return word
    # A capital letter in mid-sentence marks a name, which keeps its own spelling.
    if word[0].isupper() and not sentence_start and not (word.isupper() and len(word) > 1):
        return word
    contextual = _contextual(lower, previous, bool(_NUMBER_BEFORE.search(before)))
    british = contextual if contextual is not None else british_word(lower)
    if british is None or british == lower:
        return word
    return _match_case(word, british)


# --- Dates and money ----------------------------------------------------------------------------

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_MONTH_NAMES = (
    {name.lower(): name for name in _MONTHS}
    | {name[:3].lower(): name for name in _MONTHS}
    | {"sept": "September"}
)
_MONTH = (
    r"(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_US_LONG_DATE = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,\s*|\s+)(\d{{4}})\b")
# not when the number starts a numeric date ("January 20/01/2026"): that would not be idempotent
_US_SHORT_DATE = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?![,\s]*\d)(?![/.-]\d)")
_TAKEN_MONTH = re.compile(rf"\d{{1,2}}(?:st|nd|rd|th)?|{'|'.join(_MONTH_NAMES)}")
_ISO_DATE = re.compile(r"(?<![\d/-])(\d{4})-(\d{2})-(\d{2})(?![\d/-])")
_US_NUMERIC_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_DOLLARS = re.compile(r"(?<![\w$])(?:US)?\$\s?(?=\d)")


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def british_dates(text: str) -> str:
    """ "January 17, 2026" → "17 January 2026"; "2026-01-17" → "17/01/2026"; "01/17/2026" →
    "17/01/2026" (only when the day is over 12, so the order is certain)."""

    def long_date(m: re.Match[str]) -> str:
        month = _MONTH_NAMES[m.group(1).lower()]
        day, year = int(m.group(2)), int(m.group(3))
        if not _valid(year, _MONTHS.index(month) + 1, day):
            return m.group(0)
        return f"{day} {month} {year}"

    def short_date(m: re.Match[str]) -> str:
        month = _MONTH_NAMES[m.group(1).lower()]
        day = int(m.group(2))
        before = m.string[: m.start()].split()[-1:]
        if not 1 <= day <= 31 or (before and _TAKEN_MONTH.fullmatch(before[0].lower())):
            # the month already follows a day ("5 January 17") or a month ("January January 5",
            # which would become "January 5 January", itself a US short date): leave it
            return m.group(0)
        return f"{day} {month}"

    def iso(m: re.Match[str]) -> str:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return f"{day:02d}/{month:02d}/{year}" if _valid(year, month, day) else m.group(0)

    def numeric(m: re.Match[str]) -> str:
        first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if first <= 12 < second and _valid(year, first, second):
            return f"{second:02d}/{first:02d}/{year}"
        return m.group(0)

    text = _US_LONG_DATE.sub(long_date, text)
    text = _US_SHORT_DATE.sub(short_date, text)
    text = _ISO_DATE.sub(iso, text)
    return _US_NUMERIC_DATE.sub(numeric, text)


def sterling(text: str) -> str:
    """ "$25" → "£25": Angel's calls are a UK charity's, so money is pounds (spec)."""
    return _DOLLARS.sub("£", text)


def to_british_english(text: str) -> str:
    """Spelling, dates and money in British form. For prose only; see the module docstring."""
    return sterling(british_dates(british_spelling(text)))
