"""Codes, dates and addresses in the forms the labelled set written blind
(benchmarks/data/pii_independent.txt) found missed, each in wordings of our own: letters said by
their names or doubled, dates of birth in number groups or with the year first, addresses
spelled or read out slowly, an organisation's own role address; and the look-alikes that must
stay unredacted.

Each positive names the exact characters the finding must cover and its normalised value.
"""

from __future__ import annotations

import pytest

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import PiiDetector
from angel_intelligence.pii.lexer import lex
from pii_calls import Case, found, ids

POSTCODE = PiiType.POSTCODE
DOB = PiiType.DATE_OF_BIRTH
EMAIL = PiiType.EMAIL

LETTERS_BY_NAME: list[Case] = [
    ("It's ess ee one, two dee ex.", POSTCODE, "ess ee one, two dee ex", "SE1 2DX"),
    (
        "Postcode en double you one, four ar tee.",
        POSTCODE,
        "en double you one, four ar tee",
        "NW1 4RT",
    ),
    ("It's em one four, five R W.", POSTCODE, "em one four, five R W", "M14 5RW"),
    ("It's Y O ten, five double D.", POSTCODE, "Y O ten, five double D", "YO10 5DD"),
    ("S W one A, one double A.", POSTCODE, "S W one A, one double A", "SW1A 1AA"),
    ("Postcode's L S six, two double Q.", POSTCODE, "L S six, two double Q", "LS6 2QQ"),
    ("It's double-u one, two aitch jay.", POSTCODE, "double-u one, two aitch jay", "W1 2HJ"),
    (
        "Whiskey one Alpha, one X-ray Yankee.",
        POSTCODE,
        "Whiskey one Alpha, one X-ray Yankee",
        "W1A 1XY",
    ),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"), LETTERS_BY_NAME, ids=ids(LETTERS_BY_NAME)
)
def test_when_letters_are_said_by_their_names_or_doubled_then_the_code_is_read(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "It's, em, 07911 123456.",  # a filler, not the letter M
        "I'll double you up, 4 times over.",
        "Double A batteries, 4 of them.",
        "The bee and the tee.",
    ],
)
def test_when_a_letter_name_is_not_straight_next_to_a_code_then_it_stays_a_word(
    detector: PiiDetector, text: str
) -> None:
    letters = [u.symbol for u in lex(text).units if u.kind.value == "letters"]
    assert letters == []


DATES_AS_NUMBERS: list[Case] = [
    ("Oh three, oh six, seventy one.", DOB, "Oh three, oh six, seventy one", "03/06/1971"),
    ("It's twelve, twelve, nineteen sixty.", DOB, "twelve, twelve, nineteen sixty", "12/12/1960"),
    (
        "Date of birth, four, nine, nineteen eighty two.",
        DOB,
        "four, nine, nineteen eighty two",
        "04/09/1982",
    ),
    ("It's 3-6-71.", DOB, "3-6-71", "03/06/1971"),
    ("Born 1-11-52.", DOB, "1-11-52", "01/11/1952"),
    ("Thirtieth, first, nineteen fifty.", DOB, "Thirtieth, first, nineteen fifty", "30/01/1950"),
    ("Twenty-first, third, '64.", DOB, "Twenty-first, third, '64", "21/03/1964"),
    ("The ninth of the third sixty four.", DOB, "The ninth of the third sixty four", "09/03/1964"),
    # a birth word names the date, whatever reference word is said on the way
    (
        "My husband's date of birth, it's on the policy, is the 4th of July 1948.",
        DOB,
        "the 4th of July 1948",
        "04/07/1948",
    ),
    ("Date of birth for the membership, 17/01/1990.", DOB, "17/01/1990", "17/01/1990"),
    ("Date of birth, five six fifty-eight.", DOB, "five six fifty-eight", "05/06/1958"),
    (
        "Date of birth?\nThe fifth, June, fifty-eight.",
        DOB,
        "The fifth, June, fifty-eight",
        "05/06/1958",
    ),
    # the year said first
    (
        "When were you born?\nNineteen fifty-six, the third of April.",
        DOB,
        "Nineteen fifty-six, the third of April",
        "03/04/1956",
    ),
    ("I was born in 1956, on the 3rd of April.", DOB, "1956, on the 3rd of April", "03/04/1956"),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"), DATES_AS_NUMBERS, ids=ids(DATES_AS_NUMBERS)
)
def test_when_a_birth_date_is_said_as_day_month_and_year_numbers_then_it_is_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "It was set up on 12/06/1990.",
        "I've been a member since 01/02/1990.",
        "We married on the ninth of the third sixty four.",
        "Your order 12-06-89 has been sent.",
        "The 3rd, the 10th, 1990 and 1992.",
        "Twenty, forty-five, seventy-seven.",
        "It's 3-6-12.",  # 2012: a child's birth year, not a supporter's
        "We'll send a letter in 7 to 10 working days.",  # a range, not 7/2/10
        "It's 17 01 1990 on the form.",  # run together: a birth word is needed
        "In 2019, on the 3rd of April, we moved.",
        "The charity was founded in 1901, on the 4th of July.",
        "The gala was held on the 3rd of June 1988.",
    ],
)
def test_when_a_date_is_of_another_event_or_no_date_then_it_is_no_birth_date(
    detector: PiiDetector, text: str
) -> None:
    assert DOB not in [kind for kind, _, _ in found(detector, text)]


@pytest.mark.parametrize(
    "text",
    [
        "Or email us at supportercare@charity.org.uk, and we'll reply.",
        "You can email us on info at oxfam dot org dot uk.",
        "Our address is gift.aid@hospice.org.uk for the forms.",
    ],
)
def test_when_an_organisation_gives_its_own_role_address_then_it_is_not_personal_data(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "My email's hello at greenfieldsfarm dot co dot uk.",
            "hello at greenfieldsfarm dot co dot uk",
        ),
        ("Our email address is the.wrights@talktalk.net.", "the.wrights@talktalk.net"),
        ("Email us at jane.smith@charity.org.uk.", "jane.smith@charity.org.uk"),  # a person's
    ],
)
def test_when_an_address_is_a_persons_or_a_supporters_then_it_is_an_email(
    detector: PiiDetector, text: str, said: str
) -> None:
    assert [(kind, s) for kind, s, _ in found(detector, text)] == [(EMAIL, said)]


EMAILS_READ_OUT: list[Case] = [
    ("It's J O N E S at gmail dot com.", EMAIL, "J O N E S at gmail dot com", "jones@gmail.com"),
    (
        "It's tom underscore brown 99 at gmail dot com.",
        EMAIL,
        "tom underscore brown 99 at gmail dot com",
        "tom_brown99@gmail.com",
    ),
    (
        "it's jonesy 1 2 3 at hotmail dot com",
        EMAIL,
        "jonesy 1 2 3 at hotmail dot com",
        "jonesy123@hotmail.com",
    ),
    (
        "Email is margaret, dot, hughes, at, gmail, dot, com.",
        EMAIL,
        "margaret, dot, hughes, at, gmail, dot, com",
        "margaret.hughes@gmail.com",
    ),
    (
        "It's margaret.hughes at gmail, dot com.",
        EMAIL,
        "margaret.hughes at gmail, dot com",
        "margaret.hughes@gmail.com",
    ),
    ("My email is jane at gmail.", EMAIL, "jane at gmail", "jane@gmail"),
    (
        "It's peter dot W as in whiskey dot hall at gmail dot com.",
        EMAIL,
        "peter dot W as in whiskey dot hall at gmail dot com",
        "peter.w.hall@gmail.com",
    ),
    (
        "And your email?\nIt's jsmith58 at hotmail.",
        EMAIL,
        "jsmith58 at hotmail",
        "jsmith58@hotmail",
    ),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"), EMAILS_READ_OUT, ids=ids(EMAILS_READ_OUT)
)
def test_when_an_address_is_read_out_slowly_or_spelled_then_the_whole_of_it_is_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "My son works at Sky.",  # a provider's name without "email" is a workplace
        "Have a look at hotmail.",
        "It's J O N E S, the name on the card.",
    ],
)
def test_when_no_address_is_read_out_then_no_email_is_found(
    detector: PiiDetector, text: str
) -> None:
    assert EMAIL not in [kind for kind, _, _ in found(detector, text)]


@pytest.mark.parametrize("label", ["Agent", "Supporter", "Caller", "Speaker 1", "S0"])
def test_when_a_line_starts_with_a_speaker_label_then_it_is_no_context(label: str) -> None:
    # As `full_transcript` shows turns: "Supporter" is also a reference word ("supporter
    # number"), and must not make the value after the label a reference.
    text = f"Agent: And your postcode?\n{label}: M1 2JE."
    spans = PiiDetector().detect(text)
    assert [(s.type.value, text[s.start_char : s.end_char]) for s in spans] == [
        ("postcode", "M1 2JE")
    ]
