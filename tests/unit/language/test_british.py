"""The British English normaliser: a table of cases, the exceptions included."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from angel_intelligence.language.british import (
    british_dates,
    british_spelling,
    sterling,
    to_british_english,
)

SPELLING = [
    # -ise, -our, -re, -ogue, -ence, doubled l (the spec's list)
    (
        "The organization will analyze the color of the center.",
        "The organisation will analyse the colour of the centre.",
    ),
    ("She recognized his favorite behavior.", "She recognised his favourite behaviour."),
    ("Send the catalog and the dialog.", "Send the catalogue and the dialogue."),
    ("An analog line.", "An analogue line."),
    ("The defense and the offense.", "The defence and the offence."),
    (
        "The supporter canceled; the agent apologized.",
        "The supporter cancelled; the agent apologised.",
    ),
    ("Fulfillment and enrollment.", "Fulfilment and enrolment."),
    ("Authorization and prioritization.", "Authorisation and prioritisation."),
    ("Gray skies and mold.", "Grey skies and mould."),
    # capitals kept, sentence starts converted
    ("Color matters.", "Colour matters."),
    ("COLOR", "COLOUR"),
    # meter: a device unless it is a measurement
    ("Please read the gas meter.", "Please read the gas meter."),
    ("The smart meter was fitted.", "The smart meter was fitted."),
    ("The pipe is 5 meters long.", "The pipe is 5 metres long."),
    ("Ten kilometers.", "Ten kilometres."),
    # practice: noun stays, verb becomes practise
    ("Good practice matters.", "Good practice matters."),
    ("In practice it works.", "In practice it works."),
    ("We practice every week.", "We practise every week."),
    ("They want to practice more.", "They want to practise more."),
    ("He practiced the script.", "He practised the script."),
    # licence: noun licence, verb license, licensed stays
    ("Her driving license expired.", "Her driving licence expired."),
    ("The charity is licensed to collect.", "The charity is licensed to collect."),
    ("We will license the material.", "We will license the material."),
    # programme except software
    ("The charity program helps children.", "The charity programme helps children."),
    ("A computer program crashed.", "A computer program crashed."),
    # words both spellings of which are British keep
    ("Please check the details.", "Please check the details."),
    ("She paid by check.", "She paid by cheque."),
    ("A draft letter.", "A draft letter."),
    ("The agent sounded tired.", "The agent sounded tired."),
    ("Install the app.", "Install the app."),
    ("A ton of paperwork.", "A ton of paperwork."),
    # names in mid-sentence keep their spelling
    (
        "Mr Gray called the World Health Organization.",
        "Mr Gray called the World Health Organization.",
    ),
    # URLs, e-mail addresses and code are untouched
    ("See https://example.org/color now.", "See https://example.org/color now."),
    ("Write to color@example.org today.", "Write to color@example.org today."),
    ("Run `colorize` first.", "Run `colorize` first."),
    # nothing to do
    ("", ""),
    ("The supporter enquired about Gift Aid.", "The supporter enquired about Gift Aid."),
]


@pytest.mark.parametrize(("text", "expected"), SPELLING)
def test_british_spelling(text: str, expected: str) -> None:
    assert british_spelling(text) == expected


DATES = [
    ("Call back on January 17, 2026.", "Call back on 17 January 2026."),
    ("Call back on Jan 17th 2026.", "Call back on 17 January 2026."),
    ("Call back on March 3rd.", "Call back on 3 March."),
    ("Due 2026-01-20.", "Due 20/01/2026."),
    ("Due 01/17/2026.", "Due 17/01/2026."),
    # ambiguous day/month order: left as the model wrote it (it was asked for DD/MM/YYYY)
    ("Due 03/04/2026.", "Due 03/04/2026."),
    ("Due 17/01/2026.", "Due 17/01/2026."),
    ("Due 17 January 2026.", "Due 17 January 2026."),
    # a month already taken by a day or a month stays (normalising twice changes nothing more)
    ("January January 5 and January 5 January 17", "January January 5 and 5 January January 17"),
    ("Not a date: 2026-13-45.", "Not a date: 2026-13-45."),
    ("She may 5 times.", "She may 5 times."),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_british_dates(text: str, expected: str) -> None:
    assert british_dates(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A gift of $25 a month.", "A gift of £25 a month."),
        ("US$ 10.50 today.", "£10.50 today."),
        ("£10 already.", "£10 already."),
        ("No money here $ sign.", "No money here $ sign."),
    ],
)
def test_sterling(text: str, expected: str) -> None:
    assert sterling(text) == expected


def test_everything_together() -> None:
    text = "The supporter canceled the $10 program on January 17, 2026 and asked us to analyze it."
    assert to_british_english(text) == (
        "The supporter cancelled the £10 programme on 17 January 2026 and asked us to analyse it."
    )


WORDS = [
    "organization", "color", "center", "catalog", "meter", "gas", "practice", "we", "license",
    "the", "program", "check", "by", "Gray", "January", "17,", "2026", "$10", "analyze", "to",
    "canceled", "enrollment", "2026-01-20", "01/17/2026", "A", "ton", "5", "meters", ".", "\n",
]  # fmt: skip


@given(st.lists(st.sampled_from(WORDS), max_size=30))
def test_normalising_twice_changes_nothing_more(words: list[str]) -> None:
    text = " ".join(words)
    once = to_british_english(text)
    assert to_british_english(once) == once
