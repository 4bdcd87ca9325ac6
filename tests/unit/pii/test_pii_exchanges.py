"""Values in longer exchanges, as the second set written blind (benchmarks/data/
pii_independent2.txt) found them missed, each in wordings of our own: turns with speaker labels,
a value read in parts answered with the other party's "Mm-hmm.", a read-back on the next turn;
and the look-alikes that must stay unredacted.

Each positive names the exact characters the finding must cover and its normalised value.
"""

from __future__ import annotations

import pytest

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import PiiDetector
from pii_calls import Case, found, ids

CARD = PiiType.CREDIT_CARD
PHONE = PiiType.PHONE_NUMBER
SORT = PiiType.SORT_CODE
ACCOUNT = PiiType.BANK_ACCOUNT
NI = PiiType.NATIONAL_INSURANCE_NUMBER
POSTCODE = PiiType.POSTCODE
DOB = PiiType.DATE_OF_BIRTH
EMAIL = PiiType.EMAIL
EXPIRY = PiiType.CARD_EXPIRY

BACK_CHANNELS: list[Case] = [
    (
        "Agent: The long number, please.\nSupporter: 4539 1488\nAgent: Mm-hmm.\n"
        "Supporter: 1234 5675.",
        CARD,
        "4539 1488\nAgent: Mm-hmm.\nSupporter: 1234 5675",
        "4539148812345675",
    ),
    (
        "Agent: And your account number?\nSupporter: 5 5 1\nAgent: Hmm.\nSupporter: 0 2 8\n"
        "Agent: Mhmm.\nSupporter: 7 3.",
        ACCOUNT,
        "5 5 1\nAgent: Hmm.\nSupporter: 0 2 8\nAgent: Mhmm.\nSupporter: 7 3",
        "55102873",
    ),
    (
        "Supporter: My mobile is oh seven seven oh oh\nAgent: Mmhmm.\nSupporter: nine oh oh\n"
        "Agent: Uh-huh.\nSupporter: one four two.",
        PHONE,
        "oh seven seven oh oh\nAgent: Mmhmm.\nSupporter: nine oh oh\nAgent: Uh-huh.\n"
        "Supporter: one four two",
        "+447700900142",
    ),
]


@pytest.mark.parametrize(("text", "kind", "said", "value"), BACK_CHANNELS, ids=ids(BACK_CHANNELS))
def test_when_the_other_party_says_mm_hmm_between_parts_then_the_value_is_one_finding(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


READ_BACK_ON_THE_NEXT_TURN: list[tuple[str, list[tuple[PiiType, str]]]] = [
    (
        "Supporter: my sort code's 20 45 77\nAgent: 20 45 77\nSupporter: that's it",
        [(SORT, "20 45 77"), (SORT, "20 45 77")],
    ),
    (
        "agent: sort code please\nsupporter: 2 0 4 5 7 7\nagent: 20 45 77",
        [(SORT, "2 0 4 5 7 7"), (SORT, "20 45 77")],
    ),
    (
        "agent: best number for you\nsupporter: oh won 1 3 4 9 6 oh 7 5 ate\nagent: 0113 496 0758",
        [(PHONE, "oh won 1 3 4 9 6 oh 7 5 ate"), (PHONE, "0113 496 0758")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), READ_BACK_ON_THE_NEXT_TURN)
def test_when_the_other_party_reads_a_value_back_then_it_does_not_run_on_into_it(
    detector: PiiDetector, text: str, expected: list[tuple[PiiType, str]]
) -> None:
    assert [(kind, said) for kind, said, _ in found(detector, text)] == expected


def test_when_the_same_speaker_goes_on_after_a_turn_break_then_the_value_is_one(
    detector: PiiDetector,
) -> None:
    text = "Agent: Card number?\nSupporter: 4539 1488\nSupporter: 1234 5675."
    assert found(detector, text) == [(CARD, "4539 1488\nSupporter: 1234 5675", "4539148812345675")]


LETTERS_OVER_A_BACK_CHANNEL: list[Case] = [
    (
        "Supporter: It's j k four four\nAgent: Mm-hmm.\nSupporter: one two three three\n"
        "Agent: Yep.\nSupporter: c.",
        NI,
        "j k four four\nAgent: Mm-hmm.\nSupporter: one two three three\nAgent: Yep.\nSupporter: c",
        "JK441233C",
    ),
    (
        "Agent: And the driving licence?\nSupporter: M O R G A\nAgent: Mm-hmm.\n"
        "Supporter: seven five three one one six\nAgent: Okay.\nSupporter: S M nine I J.",
        PiiType.DRIVING_LICENCE,
        "M O R G A\nAgent: Mm-hmm.\nSupporter: seven five three one one six\nAgent: Okay.\n"
        "Supporter: S M nine I J",
        "MORGA753116SM9IJ",
    ),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"),
    LETTERS_OVER_A_BACK_CHANNEL,
    ids=ids(LETTERS_OVER_A_BACK_CHANNEL),
)
def test_when_spelled_letters_and_digits_are_parted_by_a_back_channel_turn_then_one_code(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


def test_when_a_lone_letter_follows_a_turn_that_says_more_then_it_stays_a_word(
    detector: PiiDetector,
) -> None:
    text = "Supporter: My NI number is AB 12 34 56\nAgent: Lovely, thanks.\nSupporter: A pleasure."
    assert [(kind, said) for kind, said, _ in found(detector, text)] == [(NI, "AB 12 34 56")]


PARTS_AFTER_FULL_STOPS: list[Case] = [
    (
        "Agent: And the sort code?\nSupporter: 2 0.\nAgent: Yep.\nSupporter: 3 2.\n"
        "Agent: Mm-hmm.\nSupporter: 1 1.",
        SORT,
        "2 0.\nAgent: Yep.\nSupporter: 3 2.\nAgent: Mm-hmm.\nSupporter: 1 1",
        "20-32-11",
    ),
    (
        "Supporter: Thirty.\nAgent: Yep.\nSupporter: Ninety-one.\nAgent: Okay.\n"
        "Supporter: Oh six.\nAgent: And then the account number?",
        SORT,
        "Thirty.\nAgent: Yep.\nSupporter: Ninety-one.\nAgent: Okay.\nSupporter: Oh six",
        "30-91-06",
    ),
    (
        "Agent: The account number, please.\nSupporter: 7 1 2 0.\nAgent: Mm-hmm.\n"
        "Supporter: 4 4 8 9.",
        ACCOUNT,
        "7 1 2 0.\nAgent: Mm-hmm.\nSupporter: 4 4 8 9",
        "71204489",
    ),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"), PARTS_AFTER_FULL_STOPS, ids=ids(PARTS_AFTER_FULL_STOPS)
)
def test_when_bank_details_asked_for_are_read_in_parts_with_full_stops_then_one_finding(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "Agent: How many tables?\nSupporter: 1 2.\nAgent: Yep.\nSupporter: 1 4.\nAgent: Okay.\n"
        "Supporter: 1 6.",
        "Agent: What's the booking reference?\nSupporter: 4 4.\nAgent: Yep.\nSupporter: 1 8.\n"
        "Agent: Okay.\nSupporter: 0 7.\nAgent: And the account number for the refund?",
        "Agent: Which rows?\nSupporter: 1 2 3 4.\nAgent: Yep.\nSupporter: 5 6 7 8.",
    ],
)
def test_when_parts_are_not_asked_for_as_bank_details_then_they_stay_apart(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


SMALL_FORMS: list[Case] = [
    ("Agent: Expiry?\nSupporter: Expiry's seven, '29.", EXPIRY, "seven, '29", "07/29"),
    ("Agent: Expiry?\nSupporter: It expires 11 '28.", EXPIRY, "11 '28", "11/28"),
    ("Supporter: it's ls6 2qd, all lower case", POSTCODE, "ls6 2qd", "LS6 2QD"),
    (
        "Supporter: Oh, it's N16 7RE, Stoke Newington.\nAgent: And the flat?",
        POSTCODE,
        "N16 7RE",
        "N16 7RE",
    ),
    (
        "Postcode?\nS double-you three, four B B.",
        POSTCODE,
        "S double-you three, four B B",
        "SW3 4BB",
    ),
]


@pytest.mark.parametrize(("text", "kind", "said", "value"), SMALL_FORMS, ids=ids(SMALL_FORMS))
def test_when_a_value_is_written_as_callers_and_whisper_write_it_then_it_is_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "Agent: Your case number is N16 7RE.",
        "Agent: N16 7RE is the case reference.",
        "The order number is 07911 123456",
        "It was 4 '5\", 3 '5\" on the day.",
    ],
)
def test_when_a_reference_word_names_the_value_in_its_sentence_then_it_is_no_pii(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


SAID_AGAIN: list[tuple[str, list[tuple[PiiType, str]]]] = [
    (
        "Agent: The account number?\nSupporter: 6 1 0 2 4 4 8 3.\nAgent: Lovely.\n"
        "Supporter: Shall I check the spelling of the name?\nAgent: No need. So, 61024483.",
        [(ACCOUNT, "6 1 0 2 4 4 8 3"), (ACCOUNT, "61024483")],
    ),
    (
        "Supporter: 4539 1488 1234, no, sorry, I've lost my place. 4539 1488 1234 5675.",
        [(CARD, "4539 1488 1234"), (CARD, "4539 1488 1234 5675")],
    ),
    (
        "Agent: Best number for you?\nSupporter: Oh seven nine one one\nAgent: Sorry, say again?\n"
        "Supporter: Oh seven nine one one, two three four, five six seven.",
        [
            (PHONE, "Oh seven nine one one"),
            (PHONE, "Oh seven nine one one, two three four, five six seven"),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), SAID_AGAIN)
def test_when_a_value_is_said_again_or_attempted_first_then_each_is_the_value(
    detector: PiiDetector, text: str, expected: list[tuple[PiiType, str]]
) -> None:
    assert [(kind, said) for kind, said, _ in found(detector, text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The booking reference is 20443871, no, my account number is 20443872.",
            [(ACCOUNT, "20443872")],
        ),
        (
            "Agent: Our number is 0300 123 4567 if you need us.\nSupporter: 0300 123 4567, lovely.",
            [],
        ),
        ("Agent: It's 0800 123 4567 for the events team, free to call.", []),
        ("Agent: I can see the Visa ending 0427 has expired.", []),
        ("Agent: Is that the Mastercard ending in 412, the security one?", []),
    ],
)
def test_when_a_number_is_a_reference_an_organisations_or_a_cards_ending_then_it_is_left(
    detector: PiiDetector, text: str, expected: list[tuple[PiiType, str]]
) -> None:
    assert [(kind, said) for kind, said, _ in found(detector, text)] == expected


ONE_TYPE: list[tuple[str, list[tuple[PiiType, str]]]] = [
    (
        "Supporter: It's two oh, one four, six six... no, two oh, one four, six eight.\n"
        "Agent: Thank you, 20-14-68. And the account number?",
        [
            (SORT, "two oh, one four, six six"),
            (SORT, "two oh, one four, six eight"),
            (SORT, "20-14-68"),
        ],
    ),
    (
        "Supporter: Halifax, 11-05-42, 3 1 7 7 0 2 6 5.",
        [(SORT, "11-05-42"), (ACCOUNT, "3 1 7 7 0 2 6 5")],
    ),
    ("Supporter: My account number is 20-14-68-31.", [(ACCOUNT, "20-14-68-31")]),
]


@pytest.mark.parametrize(("text", "expected"), ONE_TYPE)
def test_when_bank_details_are_said_twice_or_together_then_each_has_its_type(
    detector: PiiDetector, text: str, expected: list[tuple[PiiType, str]]
) -> None:
    assert [(kind, said) for kind, said, _ in found(detector, text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Supporter: I had an email from donations@riverside.org.uk last week.",
        "Agent: Just email enquiries@riverside.org.uk or give us a ring.",
        "Supporter: Which address is it?\nAgent: It's events@riverside.org.uk for the events team.",
    ],
)
def test_when_a_role_address_is_an_organisations_then_it_is_not_personal_data(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


def test_when_a_role_address_is_given_as_ones_own_then_it_is_an_email(
    detector: PiiDetector,
) -> None:
    text = "Supporter: The email is info@smithbakery.co.uk, it's my shop."
    assert [(kind, said) for kind, said, _ in found(detector, text)] == [
        (EMAIL, "info@smithbakery.co.uk")
    ]


EMAILS_IN_EXCHANGES: list[Case] = [
    (
        "Supporter: Email, r dot osei\nAgent: Mm-hmm.\nSupporter: at gmail dot com.",
        EMAIL,
        "r dot osei\nAgent: Mm-hmm.\nSupporter: at gmail dot com",
        "r.osei@gmail.com",
    ),
    (
        "Supporter: No, it's tom1984 at yahoo dot co dot uk. Eighty-four, not eighty-three.",
        EMAIL,
        "tom1984 at yahoo dot co dot uk",
        "tom1984@yahoo.co.uk",
    ),
    (
        "Supporter: jo underscore the underscore baker at outlook dot com. It's the shop's.",
        EMAIL,
        "jo underscore the underscore baker at outlook dot com",
        "jo_the_baker@outlook.com",
    ),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"), EMAILS_IN_EXCHANGES, ids=ids(EMAILS_IN_EXCHANGES)
)
def test_when_an_address_is_read_across_turns_or_ends_a_sentence_then_it_is_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


def test_when_an_organisations_address_is_read_back_then_it_is_still_theirs(
    detector: PiiDetector,
) -> None:
    text = (
        "Agent: Our address is info@riverside.org.uk.\n"
        "Supporter: info at riverside dot org dot uk. Thanks."
    )
    assert found(detector, text) == []


BIRTH_DATES: list[Case] = [
    (
        "Agent: Date of birth?\nSupporter: Third of the fourth\nAgent: Mm-hmm.\n"
        "Supporter: nineteen sixty-two.",
        DOB,
        "Third of the fourth\nAgent: Mm-hmm.\nSupporter: nineteen sixty-two",
        "03/04/1962",
    ),
    ("Supporter: I was born on Boxing Day, 1948.", DOB, "Boxing Day, 1948", "26/12/1948"),
    ("Agent: And your date of birth?\nSupporter: 3 8 5 9", DOB, "3 8 5 9", "03/08/1959"),
]


@pytest.mark.parametrize(("text", "kind", "said", "value"), BIRTH_DATES, ids=ids(BIRTH_DATES))
def test_when_a_birth_date_is_said_in_parts_by_name_or_digit_by_digit_then_it_is_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "Supporter: We met on Christmas Day, 1990.",
        "Agent: The office is closed on Boxing Day.",
        "Agent: Your PIN is 3 8 5 9.",
    ],
)
def test_when_a_named_day_or_four_digits_are_not_a_birth_date_then_nothing_is_found(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


def test_when_the_caller_breaks_off_a_card_number_with_an_aside_then_it_is_one_finding(
    detector: PiiDetector,
) -> None:
    text = (
        "Supporter: The card number is 4539 1488\n"
        "Supporter: sorry, the doorbell, just a sec\nSupporter: 1234 5675."
    )
    assert found(detector, text) == [
        (
            CARD,
            "4539 1488\nSupporter: sorry, the doorbell, just a sec\nSupporter: 1234 5675",
            "4539148812345675",
        )
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Agent: Your booking code for the summer lunch is 44-18-07.\nSupporter: 44-18-07. Great.",
        "Supporter: Table 4539 1488, sorry, the doorbell, then 1234 5675.",
    ],
)
def test_when_a_reference_is_named_a_few_words_before_or_no_card_was_asked_then_nothing(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


MISHEARD_AND_REPEATED: list[Case] = [
    ("Agent: Postcode?\nSupporter: LS6 to QD", POSTCODE, "LS6 to QD", "LS6 2QD"),
    ("Supporter: It's CF10 for AB.", POSTCODE, "CF10 for AB", "CF10 4AB"),
    (
        "Supporter: My number's 0113 496 496 0758",
        PHONE,
        "0113 496 496 0758",
        "+441134960758",
    ),
    ("Supporter: 07911 123 123 456", PHONE, "07911 123 123 456", "+447911123456"),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"), MISHEARD_AND_REPEATED, ids=ids(MISHEARD_AND_REPEATED)
)
def test_when_a_digit_is_heard_as_a_word_or_a_group_is_said_twice_then_the_value_is_read(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


@pytest.mark.parametrize(
    "text", ["We drove from M1 to A1 in an hour.", "Supporter: I paid 100 100 times over."]
)
def test_when_words_between_codes_are_words_then_nothing_is_found(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Agent: Post it to PO Box 118, Leeds, LS1 4AP.", []),
        ("Agent: Drop it into the office, it's Canal House, M1 2JE.", []),
        (
            "Agent: Drop it into the office. And your postcode?\nSupporter: M14 5RW.",
            [(POSTCODE, "M14 5RW")],
        ),
        ("Supporter: We live at 4 Mill Lane, M14 5RW.", [(POSTCODE, "M14 5RW")]),
    ],
)
def test_when_a_postcode_is_an_organisations_address_then_it_is_left(
    detector: PiiDetector, text: str, expected: list[tuple[PiiType, str]]
) -> None:
    assert [(kind, said) for kind, said, _ in found(detector, text)] == expected


CARD_AND_YEAR_FORMS: list[Case] = [
    (
        "Supporter: It's an Amex, 3778 657975 43239, and the four on the front are 5120.",
        PiiType.CVV,
        "5120",
        "5120",
    ),
    (
        "Agent: Date of birth?\nSupporter: The ninth of the fifth.\nAgent: And the year?\n"
        "Supporter: Sixty-three.",
        DOB,
        "Sixty-three",
        "1963",
    ),
    ("Agent: What year were you born?\nSupporter: 1947.", DOB, "1947", "1947"),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"), CARD_AND_YEAR_FORMS, ids=ids(CARD_AND_YEAR_FORMS)
)
def test_when_a_code_is_named_by_its_count_or_a_birth_year_is_asked_then_it_is_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "Agent: Date of birth is fine. What year did you join?\nSupporter: 1998.",
        "Agent: And the year of the walk?\nSupporter: 2019.",
    ],
)
def test_when_a_year_is_of_something_else_then_it_is_no_birth_date(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Agent: Your direct debit of £5 will start on 01/07/2026.",
        "Agent: Your reference is 7742 1190.\nSupporter: 7742 1190, thanks.",
        "Agent: The raffle numbers are 112 113 114.\nSupporter: 112 113 114, brilliant.",
        "Agent: Date of birth?\nSupporter: 12th of May 1950.\nAgent: And how many tickets?\n"
        "Supporter: 4.",
    ],
)
def test_when_ordinary_numbers_are_said_in_an_exchange_then_they_stay_unredacted(
    detector: PiiDetector, text: str
) -> None:
    assert [kind for kind, _, _ in found(detector, text) if kind is not DOB] == []


def test_when_the_year_of_birth_is_asked_for_then_the_year_is_found(
    detector: PiiDetector,
) -> None:
    text = "Agent: Year of birth?\nSupporter: Do you need that? It's 1951."
    assert found(detector, text) == [(DOB, "1951", "1951")]


AGENT_TYPING_ALONG: list[Case] = [
    (
        "Agent: Card number?\nSupporter: 4539 1488\nAgent: Go on.\nSupporter: 1234 5675.",
        CARD,
        "4539 1488\nAgent: Go on.\nSupporter: 1234 5675",
        "4539148812345675",
    ),
    (
        "Agent: Account number?\nSupporter: 3 1 4 4\nAgent: Got it.\nSupporter: 0 9 2 6",
        ACCOUNT,
        "3 1 4 4\nAgent: Got it.\nSupporter: 0 9 2 6",
        "31440926",
    ),
    (
        "Agent: Sort code?\nSupporter: 20\nAgent: Yes.\nSupporter: 45\nAgent: Right.\n"
        "Supporter: 77",
        SORT,
        "20\nAgent: Yes.\nSupporter: 45\nAgent: Right.\nSupporter: 77",
        "20-45-77",
    ),
]


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"), AGENT_TYPING_ALONG, ids=ids(AGENT_TYPING_ALONG)
)
def test_when_the_agent_says_yes_or_go_on_between_parts_then_the_value_is_one_finding(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


def test_when_the_agent_says_more_than_a_back_channel_then_the_parts_stay_apart(
    detector: PiiDetector,
) -> None:
    text = "Supporter: 4526 0181 5908 3012\nAgent: Yes, and the expiry?\nSupporter: 06/28"
    assert [kind for kind, _, _ in found(detector, text)] == [CARD, EXPIRY]


def test_when_the_card_is_asked_when_it_runs_out_then_the_month_and_year_are_its_expiry(
    detector: PiiDetector,
) -> None:
    text = "Agent: When does the card run out?\nSupporter: March 2028."
    assert found(detector, text) == [(EXPIRY, "March 2028", "03/28")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Agent: So that's 07700 900 416?\nSupporter: No, 461.",
            [(PHONE, "07700 900 416"), (PHONE, "461")],
        ),
        ("Supporter: My birthday's 4/9.", [(DOB, "4/9")]),
        ("Supporter: We moved on 4/9.", []),
    ],
)
def test_when_the_end_is_corrected_or_a_birthday_is_day_and_month_then_each_is_found(
    detector: PiiDetector, text: str, expected: list[tuple[PiiType, str]]
) -> None:
    assert [(kind, said) for kind, said, _ in found(detector, text)] == expected
