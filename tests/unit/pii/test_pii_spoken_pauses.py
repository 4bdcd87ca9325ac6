"""Values read out the way callers pause, stop and restart in them (issue 14, round 4: the
forms the third independent set, benchmarks/data/pii_independent3.txt, showed missed), each in
wordings of our own; and the look-alikes that must stay as they are.

Each positive names the exact characters the finding must cover and its normalised value.
"""

from __future__ import annotations

import pytest

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import PiiDetector, PiiPolicy, redact_transcript
from pii_calls import SUPPORTER, Case, call, found, ids, said

NI = PiiType.NATIONAL_INSURANCE_NUMBER
PHONE = PiiType.PHONE_NUMBER
SORT = PiiType.SORT_CODE
ACCOUNT = PiiType.BANK_ACCOUNT
CARD = PiiType.CREDIT_CARD

HESITATIONS: list[Case] = [
    (
        "My national insurance number is k r, erm, four four one two, nine nine, a.",
        NI,
        "k r, erm, four four one two, nine nine, a",
        "KR441299A",
    ),
    (
        "National insurance? It's G. H., um, 30 41 77 C.",
        NI,
        "G. H., um, 30 41 77 C",
        "GH304177C",
    ),
    (
        "NI number, p e, uh, seventy-one, er, twenty, oh six, b",
        NI,
        "p e, uh, seventy-one, er, twenty, oh six, b",
        "PE712006B",
    ),
    (
        "Sort code is forty, um, eleven, sixty-two.",
        SORT,
        "forty, um, eleven, sixty-two",
        "40-11-62",
    ),
]


@pytest.mark.parametrize(("text", "kind", "said", "value"), HESITATIONS, ids=ids(HESITATIONS))
def test_when_the_caller_hesitates_inside_a_value_then_it_is_one_finding(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "I gave 20, um, 30 pounds last year.",
        "It was about 3. Um, 4 of us went.",
        "Is it b, um, or c on the form?",
    ],
)
def test_when_a_hesitation_sits_between_unrelated_numbers_then_nothing_is_found(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


RESTARTS: list[Case] = [
    (
        "My mobile's oh seven seven double oh, sorry, oh nine double oh, one two three.",
        PHONE,
        "oh seven seven double oh, sorry, oh nine double oh, one two three",
        "+447700900123",
    ),
    (
        "NHS number four five oh five, no sorry, five five seven seven one oh four",
        PiiType.NHS_NUMBER,
        "four five oh five, no sorry, five five seven seven one oh four",
        "4505577104",
    ),
    (
        "Card number 4929 1234 56, no wait, 5678 9015 then.",
        CARD,
        "4929 1234 56, no wait, 5678 9015",
        "4929123456789015",
    ),
    (
        "And the account number? Six two four eight double, no, double seven one oh.",
        ACCOUNT,
        "Six two four eight double, no, double seven one oh",
        "62487710",
    ),
    (
        "The sort code is twenty, forty, no sorry, forty-five, seventy-one.",
        SORT,
        "twenty, forty, no sorry, forty-five, seventy-one",
        "204571",
    ),
    (
        "Security code on the back? Seven two, sorry, two one.",
        PiiType.CVV,
        "Seven two, sorry, two one",
        "721",
    ),
]


@pytest.mark.parametrize(("text", "kind", "said", "value"), RESTARTS, ids=ids(RESTARTS))
def test_when_the_caller_stops_and_picks_the_value_up_again_then_it_is_one_finding(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "I gave 20, no sorry, 25 pounds.",
        "It was 12, no, 13 of us.",
        "The order number is 1234, sorry, 5678.",
        "Is it 3, no, 4 o'clock you're calling back?",
    ],
)
def test_when_numbers_around_a_correction_make_no_value_then_nothing_is_found(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


CODES: list[Case] = [
    (
        "The code is 6612, it's on the front above the number.",
        PiiType.CVV,
        "6612",
        "6612",
    ),
    (
        "It's an American Express, so the code's on the front, it's four oh one nine.",
        PiiType.CVV,
        "four oh one nine",
        "4019",
    ),
    (
        "Amex, yes. And the code is 3 8 7 2.",
        PiiType.CVV,
        "3 8 7 2",
        "3872",
    ),
    (
        "Security code on the back? 514, three numbers.",
        PiiType.CVV,
        "514",
        "514",
    ),
]


@pytest.mark.parametrize(("text", "kind", "said", "value"), CODES, ids=ids(CODES))
def test_when_a_security_code_is_named_by_place_or_card_or_counted_then_it_is_found_alone(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert found(detector, text) == [(kind, said, value)]


@pytest.mark.parametrize(
    "text",
    [
        "The code for the door is 4512.",
        "My Amex, the postcode is 1234, no, I mean the flat is 1234.",
        "Just the last four digits, 4349.",
        "The front door code is 2024.",
    ],
)
def test_when_four_digits_are_no_card_code_then_nothing_is_found(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


EMAILS: list[Case] = [
    (
        "Supporter: It's k dot obi at outlook,\nAgent: Yep.\nSupporter: dot com.",
        PiiType.EMAIL,
        "k dot obi at outlook,\nAgent: Yep.\nSupporter: dot com",
        "k.obi@outlook.com",
    ),
    (
        "Supporter: It's sianwalker at btinternet.\nAgent: Mm-hm.\nSupporter: Dot com.",
        PiiType.EMAIL,
        "sianwalker at btinternet.\nAgent: Mm-hm.\nSupporter: Dot com",
        "sianwalker@btinternet.com",
    ),
    (
        "My email is tom underscore hughes at sign gmail dot com.",
        PiiType.EMAIL,
        "tom underscore hughes at sign gmail dot com",
        "tom_hughes@gmail.com",
    ),
]


@pytest.mark.parametrize(("text", "kind", "said", "value"), EMAILS, ids=ids(EMAILS))
def test_when_an_address_goes_on_after_a_pause_or_says_at_sign_then_it_is_one_finding(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


def test_when_a_new_sentence_starts_with_at_after_an_address_then_it_is_not_joined(
    detector: PiiDetector,
) -> None:
    text = "Supporter: It's sam at home dot com.\nAgent: Okay.\nSupporter: At the weekend I'm out."
    assert found(detector, text) == [(PiiType.EMAIL, "sam at home dot com", "sam@home.com")]


def test_when_an_nhs_number_is_read_in_parts_each_ended_with_a_full_stop_then_it_is_one(
    detector: PiiDetector,
) -> None:
    text = (
        "Supporter: My NHS number's four five oh, five five seven.\nAgent: Yep.\nSupporter: 7104."
    )
    said = "four five oh, five five seven.\nAgent: Yep.\nSupporter: 7104"
    assert found(detector, text) == [(PiiType.NHS_NUMBER, said, "4505577104")]


def test_when_parts_after_nhs_fail_the_check_then_they_are_not_joined(
    detector: PiiDetector,
) -> None:
    text = (
        "Supporter: My NHS number's four five oh, five five seven.\nAgent: Yep.\nSupporter: 7105."
    )
    assert all(
        kind is not PiiType.NHS_NUMBER or "7105" not in said
        for kind, said, _ in found(detector, text)
    )


@pytest.mark.parametrize(
    ("text", "sort", "sort_value", "account", "account_value"),
    [
        (
            "Agent: And the sort code and account number?\n"
            "Supporter: four oh, one one, six two, 66 21 04 93.",
            "four oh, one one, six two",
            "40-11-62",
            "66 21 04 93",
            "66210493",
        ),
        (
            "Sort code and account, it's 401162, 66210493.",
            "401162",
            "40-11-62",
            "66210493",
            "66210493",
        ),
    ],
)
def test_when_sort_code_and_account_are_read_in_one_breath_then_each_is_found(
    detector: PiiDetector, text: str, sort: str, sort_value: str, account: str, account_value: str
) -> None:
    assert found(detector, text) == [(SORT, sort, sort_value), (ACCOUNT, account, account_value)]


def test_when_fourteen_digits_are_read_with_no_bank_words_then_they_are_no_bank_details(
    detector: PiiDetector,
) -> None:
    text = "The reference is 40116266210493."
    assert all(kind not in (SORT, ACCOUNT) for kind, _, _ in found(detector, text))


@pytest.mark.parametrize(
    ("text", "said", "value"),
    [
        ("The expiry is June 31.", "June 31", "06/31"),
        ("It expires September thirty-one.", "September thirty-one", "09/31"),
        ("Expiry date, February 30.", "February 30", "02/30"),
    ],
)
def test_when_the_number_after_a_month_is_no_day_of_it_then_it_is_the_expiry_year(
    detector: PiiDetector, text: str, said: str, value: str
) -> None:
    assert found(detector, text) == [(PiiType.CARD_EXPIRY, said, value)]


@pytest.mark.parametrize("text", ["We met on June 31, or was it July?", "Born June 31."])
def test_when_no_expiry_is_named_then_a_month_and_an_impossible_day_are_nothing(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


@pytest.mark.parametrize(
    ("text", "said", "value"),
    [
        (
            "My national insurance is J K 55 66 77 and then D.",
            "J K 55 66 77 and then D",
            "JK556677D",
        ),
        (
            "National insurance, it's tm seven six five eight seven six, and the letter alpha.",
            "tm seven six five eight seven six, and the letter alpha",
            "TM765876A",
        ),
        ("NI number is JK 55 66 77 and D.", "JK 55 66 77 and D", "JK556677D"),
    ],
)
def test_when_the_ni_suffix_letter_follows_and_then_or_the_letter_then_it_is_taken(
    detector: PiiDetector, text: str, said: str, value: str
) -> None:
    assert found(detector, text) == [(NI, said, value)]


def test_when_and_a_follows_a_ni_number_as_an_article_then_it_is_no_suffix(
    detector: PiiDetector,
) -> None:
    text = "My national insurance is JK 55 66 77 and a bit more I think."
    assert found(detector, text) == [(NI, "JK 55 66 77", "JK556677")]


@pytest.mark.parametrize(
    "text",
    [
        "It's 4482 1009 6347 1012, sorry, 1021.",
        "It's 4532 2750 1421 7764, sorry, 4532 2750 1421 7746.",
    ],
)
def test_when_a_card_number_is_corrected_in_a_stored_call_then_no_digits_stay_in_clear(
    detector: PiiDetector, text: str
) -> None:
    """What is stored reads the text through the detection view (joining.py): the "sorry" of
    a correction stays in it, so the corrected card number is found there as here."""
    result = redact_transcript(
        call(said(text, 0.0, SUPPORTER)), detector, PiiPolicy(question_windows=False)
    )
    assert {d.type for d in result.detected} == {CARD}
    stored = result.full_transcript
    assert not any(group in stored for group in ("4482", "1009", "6347", "4532", "2750", "1421"))


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"),
    [
        (
            "Agent: Your date of birth?\nSupporter: Oh, um, 25/06/1984.",
            PiiType.DATE_OF_BIRTH,
            "25/06/1984",
            "25/06/1984",
        ),
        ("Agent: The security code?\nSupporter: Oh, 121.", PiiType.CVV, "121", "121"),
        (
            "My mobile is oh, erm, 07700 900123.",
            PHONE,
            "07700 900123",
            "+447700900123",
        ),
    ],
)
def test_when_oh_is_an_exclamation_before_a_value_then_it_is_no_zero_of_it(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert found(detector, text) == [(kind, said, value)]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("My mobile: Oh, seven, seven, double oh, nine oh oh, one two three.", "Oh, seven"),
        ("My mobile: Oh, 7700 900123.", "Oh, 7700 900123"),
    ],
)
def test_when_oh_starts_digits_read_out_then_it_is_their_zero(
    detector: PiiDetector, text: str, said: str
) -> None:
    [(kind, span, value)] = found(detector, text)
    assert kind is PHONE and span.startswith(said) and value == "+447700900123"


def test_when_a_sort_code_is_read_in_uneven_parts_over_back_channels_then_it_is_one(
    detector: PiiDetector,
) -> None:
    text = "Agent: And the sort code?\nSupporter: 60 83.\nAgent: Mm-hm.\nSupporter: one two."
    said = "60 83.\nAgent: Mm-hm.\nSupporter: one two"
    assert found(detector, text) == [(SORT, said, "60-83-12")]


def test_when_eight_digits_follow_the_sort_code_then_they_are_the_account_not_a_sort_code(
    detector: PiiDetector,
) -> None:
    text = (
        "Right, it's on my bank card, sort code is forty, eleven, sixty-two and then the "
        "number's 6, 6, 2, 1, 0, 4, 9, 3."
    )
    assert found(detector, text) == [
        (SORT, "forty, eleven, sixty-two", "40-11-62"),
        (ACCOUNT, "6, 6, 2, 1, 0, 4, 9, 3", "66210493"),
    ]


@pytest.mark.parametrize(
    ("text", "said", "value"),
    [
        (
            "My email is mary underscore hughes at BT internet dot com.",
            "mary underscore hughes at BT internet dot com",
            "mary_hughes@btinternet.com",
        ),
        (
            "It's pkhan at virgin media dot com.",
            "pkhan at virgin media dot com",
            "pkhan@virginmedia.com",
        ),
        (
            "Supporter: It's G-A-R-E-T-H,\nAgent: Yep.\nSupporter: at talk talk dot net.",
            "G-A-R-E-T-H,\nAgent: Yep.\nSupporter: at talk talk dot net",
            "g-a-r-e-t-h@talktalk.net",
        ),
    ],
)
def test_when_a_provider_is_said_in_two_words_or_the_at_follows_a_pause_then_it_is_read(
    detector: PiiDetector, text: str, said: str, value: str
) -> None:
    assert found(detector, text) == [(PiiType.EMAIL, said, value)]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"),
    [
        (
            "Date of birth? Twelve oh, sorry, oh seven eighty-four.",
            PiiType.DATE_OF_BIRTH,
            "Twelve oh, sorry, oh seven eighty-four",
            "12/07/1984",
        ),
        (
            "It's my work number, 0113 496 0721, extension 214.",
            PHONE,
            "0113 496 0721",
            "+441134960721",
        ),
        (
            "The best number is oh one six three two, nine six oh, four one seven.",
            PHONE,
            "oh one six three two, nine six oh, four one seven",
            "+441632960417",
        ),
    ],
)
def test_when_a_birth_date_is_restarted_or_a_number_is_named_by_when_or_where_then_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert found(detector, text) == [(kind, said, value)]


def test_when_one_is_a_pronoun_then_it_does_not_join_the_value_after_it(
    detector: PiiDetector,
) -> None:
    """Also through the detection view, which blanks the "it's" between "one" and the date."""
    text = "The expiry? 09/26, no, that's my old one, it's 09/29."
    result = redact_transcript(
        call(said(text, 0.0, SUPPORTER)), detector, PiiPolicy(question_windows=False)
    )
    assert [d.type for d in result.detected] == [PiiType.CARD_EXPIRY, PiiType.CARD_EXPIRY]
    assert "09/29" not in result.full_transcript


def test_when_one_is_a_digit_among_digits_then_it_stays_a_digit(detector: PiiDetector) -> None:
    text = "Card 4929 one two three four 5678 9015."
    said = "4929 one two three four 5678 9015"
    assert found(detector, text) == [(CARD, said, "4929123456789015")]
