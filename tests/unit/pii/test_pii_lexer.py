"""Spoken-form normalisation: what each unit stands for, and the exact characters it came from."""

from __future__ import annotations

import pytest

from angel_intelligence.pii.lexer import lex
from angel_intelligence.pii.runs import find_runs
from angel_intelligence.pii.scan import Scan
from angel_intelligence.pii.units import UnitKind


def codes(text: str) -> list[tuple[str, str]]:
    """(symbol, original characters) of every digit/letter unit."""
    lexed = lex(text)
    return [(u.symbol, text[u.start : u.end]) for u in lexed.units if u.is_code]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("four one one one", [("4", "four"), ("1", "one"), ("1", "one"), ("1", "one")]),
        ("double seven", [("77", "double seven")]),
        ("treble one, triple 2", [("111", "treble one"), ("222", "triple 2")]),
        ("twenty five", [("25", "twenty five")]),
        ("twenty-five four-one", [("25", "twenty-five"), ("4", "four"), ("1", "one")]),
        ("one hundred and twenty three", [("123", "one hundred and twenty three")]),
        ("nineteen ninety", [("19", "nineteen"), ("90", "ninety")]),
        ("oh seven nine", [("o", "oh"), ("7", "seven"), ("9", "nine")]),
        ("too zero, three", [("2", "too"), ("0", "zero"), ("3", "three")]),
        ("S W one A", [("S", "S"), ("W", "W"), ("1", "one"), ("A", "A")]),
        ("Sierra Tango one", [("S", "Sierra"), ("T", "Tango"), ("1", "one")]),
        ("B for Bravo 33", [("B", "B for Bravo"), ("33", "33")]),
        ("a B1, 2", [("A", "a"), ("B1", "B1"), ("2", "2")]),
        ("JONES 802145", [("JONES", "JONES"), ("802145", "802145")]),
    ],
)
def test_spoken_numbers_and_letters_become_units_with_their_characters(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert codes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Oh, I see.",  # "oh" and "I" are words away from digits
        "I went to the shop for milk.",  # homophones only next to a single digit
        "Charlie said hello.",  # a NATO word alone is a name
        "A lot of people.",
        "D O B please",  # spelled abbreviations are context words, never codes
    ],
)
def test_ambiguous_words_stay_words_away_from_codes(text: str) -> None:
    assert codes(text) == []


def test_ordinals_and_months_are_recognised() -> None:
    lexed = lex("the twenty first of May, 17th June, 8TH")
    kinds = [(u.kind, u.symbol) for u in lexed.units if u.kind is not UnitKind.PUNCT]
    assert (UnitKind.ORDINAL, "21") in kinds
    assert (UnitKind.MONTH, "5") in kinds
    assert (UnitKind.ORDINAL, "17") in kinds
    assert (UnitKind.ALNUM, "8TH") in kinds  # upper case: half a postcode ("B33 8TH")


def test_units_cover_every_token_once_in_order() -> None:
    text = "It's four-one-one, double oh seven; twenty-five £12.50 at 10:30 S for Sugar."
    lexed = lex(text)
    covered = [k for u in lexed.units for k in range(u.first, u.last + 1)]
    assert covered == list(range(len(lexed.tokens)))


def test_runs_join_units_across_soft_separators_and_segments() -> None:
    text = "Card 4111-1111 1111,\n1111. Thanks, 07911 123456"
    runs = find_runs(lex(text))
    assert [r.compact() for r in runs] == ["4111111111111111", "07911123456"]
    assert runs[0].separators == ("-", " ", ",")


def test_runs_break_at_words_and_hard_punctuation() -> None:
    runs = find_runs(lex("10:30 and 20 34 56"))
    assert [r.compact() for r in runs] == ["10", "30", "203456"]


def test_runs_join_single_digits_whisper_wrote_with_currency_symbols() -> None:
    # Whisper tiny.en on a card number read out on a donation call (tests/integration/e2e).
    runs = find_runs(lex("The card number is £4 .5, £3, $1, $4, €8."))
    assert [r.compact() for r in runs] == ["45314" + "8"]
    assert runs[0].separators == (".", ",", ",", ",", ",")
    # amounts stay apart: a currency symbol joins single digits only
    assert [r.compact() for r in find_runs(lex("£10, £20 or £5, £50"))] == ["10", "20", "5", "50"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a code's letters in lower or mixed case, next to digits
        ("ab 12 c", [("AB", "ab"), ("12", "12"), ("C", "c")]),
        ("Nh 44", [("NH", "Nh"), ("44", "44")]),
        # a letter O written for a zero stays ambiguous, as a spoken "oh" does
        ("O7403 555111", [("o7403", "O7403"), ("555111", "555111")]),
        # "as in" spells a letter as "for" does
        ("A as in apple 1", [("A", "A as in apple"), ("1", "1")]),
    ],
)
def test_when_letters_are_in_any_case_or_spelled_as_in_then_they_are_code_units(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert codes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "we go at 12",  # two-letter English words stay words next to numbers
        "NI, 12",  # the abbreviation that names the number is context
        "one two three, I mean",  # "I" before a word is the pronoun
    ],
)
def test_when_a_short_word_sits_by_a_number_then_it_stays_a_word(text: str) -> None:
    assert all(symbol.isdigit() for symbol, _ in codes(text)), codes(text)


def test_when_uk_brackets_hold_a_trunk_zero_or_area_code_then_the_run_goes_through_them() -> None:
    runs = find_runs(lex("+44 (0)7911 123456 or (0161) 496 0123, option (1) 2"))
    assert [r.compact() for r in runs] == ["4407911123456", "01614960123", "1", "2"]


def test_a_run_knows_the_units_on_either_side_across_its_separators() -> None:
    scan = Scan.of("It's 12, 34 pounds", reference_year=2026)
    (run,) = scan.runs
    after = scan.unit_after(run)
    before = scan.unit_before(run)
    assert after is not None and after.symbol == "pounds"
    assert before is not None and before.symbol == "it's"
    assert scan.is_quantity(run)
