"""The forms callers really use (issue 14): codes in lower case or oddly spaced, numbers in pairs,
tens and hundreds, "+44 (0)", a value restated after a correction, security codes named by their
place on the card, dates of birth as day and month numbers, and the look-alikes that are not PII.

Each positive names the exact characters the finding must cover and its normalised value.
"""

from __future__ import annotations

import pytest

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import PiiDetector
from pii_calls import Case, found, ids

CARD = PiiType.CREDIT_CARD
EXPIRY = PiiType.CARD_EXPIRY
CVV = PiiType.CVV
NI = PiiType.NATIONAL_INSURANCE_NUMBER
NHS = PiiType.NHS_NUMBER
POSTCODE = PiiType.POSTCODE
PHONE = PiiType.PHONE_NUMBER
SORT = PiiType.SORT_CODE
ACCOUNT = PiiType.BANK_ACCOUNT
DOB = PiiType.DATE_OF_BIRTH
EMAIL = PiiType.EMAIL

LETTER_CASE_AND_SPACING: list[Case] = [
    ("National insurance, ce 12 34 56 a.", NI, "ce 12 34 56 a", "CE123456A"),
    ("Lm 60 70 80 c, my national insurance.", NI, "Lm 60 70 80 c", "LM607080C"),
    ("It's zr-13-57-91-b.", NI, "zr-13-57-91-b", "ZR135791B"),
    ("It's JK9 87654C, my NI.", NI, "JK9 87654C", "JK987654C"),
    (
        "It's j k nine eight seven six five four c.",
        NI,
        "j k nine eight seven six five four c",
        "JK987654C",
    ),
    (
        "NI, A as in apple, B as in bravo, 1 2 3 4 5 6, C.",
        NI,
        "A as in apple, B as in bravo, 1 2 3 4 5 6, C",
        "AB123456C",
    ),
    ("Licence taylo702149jd4we.", PiiType.DRIVING_LICENCE, "taylo702149jd4we", "TAYLO702149JD4WE"),
    ("Postcode, s w 1 a 1 a a.", POSTCODE, "s w 1 a 1 a a", "SW1A 1AA"),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"), LETTER_CASE_AND_SPACING, ids=ids(LETTER_CASE_AND_SPACING)
)
def test_when_a_code_is_in_any_case_or_spacing_then_it_is_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


NUMBERS_IN_PAIRS_TENS_HUNDREDS: list[Case] = [
    ("Sort code, seventy, twenty-one, forty.", SORT, "seventy, twenty-one, forty", "70-21-40"),
    (
        "The sort code's three oh, fifteen, sixty two.",
        SORT,
        "three oh, fifteen, sixty two",
        "30-15-62",
    ),
    (
        "Bank details, sixty, eighty-three, twelve, and 12345678.",
        SORT,
        "sixty, eighty-three, twelve",
        "60-83-12",
    ),
    (
        "Account number, double two, three four, five six, seven eight.",
        ACCOUNT,
        "double two, three four, five six, seven eight",
        "22345678",
    ),
    (
        "Account, sixty one, eighty four, ninety two, seventy three.",
        ACCOUNT,
        "sixty one, eighty four, ninety two, seventy three",
        "61849273",
    ),
    (
        "NHS number, nine hundred and two, six seven three, oh four three eight.",
        NHS,
        "nine hundred and two, six seven three, oh four three eight",
        "9026730438",
    ),
    (
        "My mobile's oh seven four five six, one two three, seven eight nine.",
        PHONE,
        "oh seven four five six, one two three, seven eight nine",
        "+447456123789",
    ),
    (
        "My mobile, oh seven seven double oh, nine hundred, four five six.",
        PHONE,
        "oh seven seven double oh, nine hundred, four five six",
        "+447700900456",
    ),
    (
        "Card number, fifty five oh three, oh nine fifty two, ninety three fifty nine, fifty nine "
        "forty nine.",
        CARD,
        "fifty five oh three, oh nine fifty two, ninety three fifty nine, fifty nine forty nine",
        "5503095293595949",
    ),
    ("It's O7403 555111, my phone.", PHONE, "O7403 555111", "+447403555111"),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"),
    NUMBERS_IN_PAIRS_TENS_HUNDREDS,
    ids=ids(NUMBERS_IN_PAIRS_TENS_HUNDREDS),
)
def test_when_a_number_is_said_in_pairs_tens_or_hundreds_then_it_is_read_as_digits(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


INTERNATIONAL_AND_BRACKETED: list[Case] = [
    ("My mobile is +44 (0)7825 331144.", PHONE, "+44 (0)7825 331144", "+447825331144"),
    ("Work, +44 (0) 161 496 0555.", PHONE, "+44 (0) 161 496 0555", "+441614960555"),
    ("It's +44(0)7911123456.", PHONE, "+44(0)7911123456", "+447911123456"),
    ("Home number (0113) 496 0001.", PHONE, "0113) 496 0001", "+441134960001"),
    ("It's 0044 7398 765432.", PHONE, "0044 7398 765432", "+447398765432"),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"),
    INTERNATIONAL_AND_BRACKETED,
    ids=ids(INTERNATIONAL_AND_BRACKETED),
)
def test_when_a_uk_number_is_written_with_plus_44_or_brackets_then_it_is_one_phone_number(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


# (text, type, first attempt, corrected value)
CORRECTIONS: list[tuple[str, PiiType, str, str]] = [
    (
        "It's four one one one... no wait, four one two one, four one oh nine, four six six eight, "
        "five two three four.",
        CARD,
        "four one one one",
        "four one two one, four one oh nine, four six six eight, five two three four",
    ),
    ("NHS number is 515 484 7830, sorry, 515 484 7803.", NHS, "515 484 7830", "515 484 7803"),
    (
        "Mobile, oh seven nine one one, one two three, I mean, oh seven nine one one, one two three, "
        "four five six.",
        PHONE,
        "oh seven nine one one, one two three",
        "oh seven nine one one, one two three, four five six",
    ),
    ("It's MW 12 34 56 B, no, sorry, MW 12 43 56 B, my NI.", NI, "MW 12 34 56 B", "MW 12 43 56 B"),
    (
        "Account number 73928461, hang on, let me start again, 73928416.",
        ACCOUNT,
        "73928461",
        "73928416",
    ),
]


@pytest.mark.parametrize(
    ("text", "kind", "first", "second"),
    CORRECTIONS,
    ids=[f"{k.value}:{a[:20]}" for _, k, a, _ in CORRECTIONS],
)
def test_when_a_value_is_restated_after_a_correction_then_both_attempts_are_found(
    detector: PiiDetector, text: str, kind: PiiType, first: str, second: str
) -> None:
    # Each attempt lies inside a finding of the type: its own, or (a first attempt cut short,
    # then the whole value) one finding over both, cue and all ("four one one one... no wait,
    # four one two one…"), as the independent sets label a corrected value.
    spans = detector.detect(text)
    for attempt in (first, second):
        start = text.index(attempt, text.index(first) + len(first) if attempt is second else 0)
        end = start + len(attempt)
        assert any(s.type is kind and s.start_char <= start and end <= s.end_char for s in spans), (
            attempt,
            found(detector, text),
        )


@pytest.mark.parametrize(
    "text",
    [
        # a context word between: the second number is another value, not a correction
        "The order number's 12345678, no, my account number is 12345679.",
        # not the same value: a different number after "sorry"
        "Account number 73928461, sorry, and the 4321 is my pin.",
        # amounts and years restated are not PII
        "I gave £25, sorry, £30.",
        "Was it 2019? No, 2020.",
    ],
)
def test_when_the_words_after_a_cue_say_it_is_something_else_then_it_is_not_taken(
    detector: PiiDetector, text: str
) -> None:
    kinds = [kind for kind, _, _ in found(detector, text)]
    assert kinds.count(ACCOUNT) <= 1 and not set(kinds) - {ACCOUNT}, found(detector, text)


SECURITY_CODE_BY_PLACE: list[Case] = [
    ("It's Amex, the four numbers on the front, 6 0 4 8.", CVV, "6 0 4 8", "6048"),
    (
        "The four digit code on the front is two one eight five.",
        CVV,
        "two one eight five",
        "2185",
    ),
    ("The last three on the signature panel, three oh seven.", CVV, "three oh seven", "307"),
    ("The three numbers by the signature are 3 9 0.", CVV, "3 9 0", "390"),
    ("The three on the back, £219.", CVV, "219", "219"),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"), SECURITY_CODE_BY_PLACE, ids=ids(SECURITY_CODE_BY_PLACE)
)
def test_when_a_security_code_is_named_by_its_place_on_the_card_then_it_is_a_cvv(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


DATES_OF_BIRTH: list[Case] = [
    (
        "Date of birth, the third of the fifth seventy one.",
        DOB,
        "the third of the fifth seventy one",
        "03/05/1971",
    ),
    ("Date of birth 3/5/71.", DOB, "3/5/71", "03/05/1971"),
    ("Date of birth, 03 05 1971.", DOB, "03 05 1971", "03/05/1971"),
    ("DOB is 3.5.71.", DOB, "3.5.71", "03/05/1971"),
    ("Born 3rd May '71.", DOB, "3rd May '71", "03/05/1971"),
    (
        "My date of birth's the 15th of the 10th, 1948.",
        DOB,
        "the 15th of the 10th, 1948",
        "15/10/1948",
    ),
    ("Born Sept 4th 1982.", DOB, "Sept 4th 1982", "04/09/1982"),
]


@pytest.mark.parametrize(("text", "kind", "said", "value"), DATES_OF_BIRTH, ids=ids(DATES_OF_BIRTH))
def test_when_a_birth_date_is_said_with_day_and_month_numbers_then_it_is_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


@pytest.mark.parametrize(
    ("text", "said", "value"),
    [
        ("It expires May twenty-nine.", "May twenty-nine", "05/29"),
        ("Expiry date is October thirty.", "October thirty", "10/30"),
        ("The expiry's oh nine, twenty six.", "oh nine, twenty six", "09/26"),
    ],
)
def test_when_an_expiry_is_a_month_and_a_two_digit_year_then_it_is_an_expiry(
    detector: PiiDetector, text: str, said: str, value: str
) -> None:
    assert (EXPIRY, said, value) in found(detector, text)


def test_when_a_month_and_number_are_a_birthday_then_it_is_not_an_expiry(
    detector: PiiDetector,
) -> None:
    assert found(detector, "My birthday is May twenty-nine.") == [(DOB, "May twenty-nine", "29/05")]


EMAILS: list[Case] = [
    (
        "My email is j smith one two three at gmail dot com.",
        EMAIL,
        "j smith one two three at gmail dot com",
        "jsmith123@gmail.com",
    ),
    ("Email's jsmith123 at gmail.com.", EMAIL, "jsmith123 at gmail.com", "jsmith123@gmail.com"),
    (
        "It's Tom Dot Hughes At Gmail Dot Com.",
        EMAIL,
        "Tom Dot Hughes At Gmail Dot Com",
        "tom.hughes@gmail.com",
    ),
]


@pytest.mark.parametrize(("text", "kind", "said", "value"), EMAILS, ids=ids(EMAILS))
def test_when_an_email_is_read_out_then_the_whole_address_is_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


NOT_PII: list[str] = [
    # organisations' own lines, said as theirs
    "You can call us on 0300 123 4567.",
    "Our freephone number is oh eight hundred, five hundred, one two three four.",
    "Call us free on 0808 808 00 00.",
    # websites read out
    "Have a look at oxfam dot org dot uk.",
    "Visit us at www dot redcross dot org dot uk.",
    # dates of other events, with a year that could be a birth year
    "We were married on the 15th of October 1966.",
    "I was married on 12/06/1971.",
    # two-letter words next to numbers, and brackets that are not part of a number
    "I'm at 12 34 56 Market Street.",
    "It weighs 10 kg, about 22 lb.",
    "Option (1) 2 people.",
    # six digits in a banking context that are an amount, not a sort code
    "The bank lent us 100,000 pounds.",
]


@pytest.mark.parametrize("text", NOT_PII)
def test_when_a_look_alike_is_not_personal_data_then_nothing_is_found(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


def test_when_an_organisation_word_is_near_a_mobile_then_it_is_still_a_phone_number(
    detector: PiiDetector,
) -> None:
    # Only 03, 08 and 09 numbers are organisations' lines; a mobile is a person's.
    assert found(detector, "Call us on 07911 123456.")[0][0] is PHONE
