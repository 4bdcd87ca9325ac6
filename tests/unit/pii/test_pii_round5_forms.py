"""Forms the held-out halves still missed after round 4, found as form classes (type and token
shapes, benchmarks/pii_miss_forms.py) and implemented as readings (issue 14, round 5), each
in wordings of our own; and the look-alikes that must stay as they are.

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
EXPIRY = PiiType.CARD_EXPIRY
CVV = PiiType.CVV
DOB = PiiType.DATE_OF_BIRTH
POSTCODE = PiiType.POSTCODE
EMAIL = PiiType.EMAIL

CARD_DATA: list[Case] = [
    # a slash writes a month and a year, never a code, whatever is asked next to it
    ("Agent: The expiry and the CVV?\nSupporter: 7/28, and 415.", EXPIRY, "7/28", "07/28"),
    ("Agent: The expiry and the CVV?\nSupporter: 7/28, and 415.", CVV, "415", "415"),
    ("Agent: Valid until?\nSupporter: 2/30.\nAgent: And the back?\nSupporter: 118.", EXPIRY,
     "2/30", "02/30"),
    ("Agent: And it runs out?\nSupporter: 9/2031.", EXPIRY, "9/2031", "09/31"),
    # in one breath, lower case, no slash
    ("supporter: right its 4929 1234 5678 9015 0727 311", CARD, "4929 1234 5678 9015",
     "4929123456789015"),
    ("supporter: right its 4929 1234 5678 9015 0727 311", EXPIRY, "0727", "07/27"),
    ("supporter: right its 4929 1234 5678 9015 0727 311", CVV, "311", "311"),
    ("supporter: its 3782 822463 10005 11 29 code 4410", CVV, "4410", "4410"),
    # the other party checks the last group back in a turn of its own, then the caller goes on
    ("Agent: The card?\nSupporter: 5354 1234 9876,\nAgent: Was that 9876?\nSupporter: Yes, 5438.",
     CARD, "5354 1234 9876,\nAgent: Was that 9876?\nSupporter: Yes, 5438", "5354123498765438"),
    ("supporter: yep 4929 1234 5678 9015 expiry 03 28 and 640", CVV, "640", "640"),
    ("Supporter: The expiry's 08/27 202.", CVV, "202", "202"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "kind", "said", "value"), CARD_DATA, ids=ids(CARD_DATA))
def test_when_card_data_comes_in_one_breath_or_as_month_and_year_then_each_is_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


DATES: list[Case] = [
    ("Agent: Date of birth?\nSupporter: fourth,\nAgent: Mm-hmm.\nSupporter: um, March,\n"
     "Agent: Yep.\nSupporter: 1957.", DOB,
     "fourth,\nAgent: Mm-hmm.\nSupporter: um, March,\nAgent: Yep.\nSupporter: 1957",
     "04/03/1957"),
    ("Agent: Your DOB?\nSupporter: 11th of,\nAgent: Yep.\nSupporter: June 1962.", DOB,
     "11th of,\nAgent: Yep.\nSupporter: June 1962", "11/06/1962"),
    ("Agent: Date of birth?\nSupporter: 5th.\nAgent: Okay.\nSupporter: Of the 8th.\n"
     "Agent: Yep.\nSupporter: '71.", DOB,
     "5th.\nAgent: Okay.\nSupporter: Of the 8th.\nAgent: Yep.\nSupporter: '71", "05/08/1971"),
    ("Agent: Date of birth?\nSupporter: The 2nd of May, nineteen.\nAgent: Mm-hmm.\n"
     "Supporter: Forty-four.", DOB,
     "The 2nd of May, nineteen.\nAgent: Mm-hmm.\nSupporter: Forty-four", "02/05/1944"),
    # "Gift Aid" names a scheme, not a gift: no other event
    ("Agent: And your date of birth for the Gift Aid?\nSupporter: Seventh of July, 1950.", DOB,
     "Seventh of July, 1950", "07/07/1950"),
    # restarted from the part said wrong, or said again whole after its start
    ("Agent: Date of birth?\nSupporter: 14 6, no, 7 1966.", DOB, "14 6, no, 7 1966",
     "14/07/1966"),
    ("Agent: Date of birth?\nSupporter: 3 9, sorry, 4 9 1971.", DOB, "3 9, sorry, 4 9 1971",
     "04/09/1971"),
    ("Agent: Date of birth?\nSupporter: 8 nought 3 59.", DOB, "8 nought 3 59", "08/03/1959"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "kind", "said", "value"), DATES, ids=ids(DATES))
def test_when_a_date_of_birth_is_given_in_parts_or_put_right_then_it_is_one_finding(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


CODES_AND_NUMBERS: list[Case] = [
    ("Agent: Postcode?\nSupporter: N W ten.\nAgent: Yep.\nSupporter: four J X.", POSTCODE,
     "N W ten.\nAgent: Yep.\nSupporter: four J X", "NW10 4JX"),
    ("Agent: And the postcode?\nSupporter: cv4 7th", POSTCODE, "cv4 7th", "CV4 7TH"),
    ("Agent: Postcode?\nSupporter: o for orange, L for Lucy, one, two, A for Alfie, B for boy.",
     POSTCODE, "o for orange, L for Lucy, one, two, A for Alfie, B for boy", "OL1 2AB"),
    ("Agent: NI number?\nSupporter: Our case ref is 2231, the NI's HT 55 10 27 C.", NI,
     "HT 55 10 27 C", "HT551027C"),
    ("Agent: NI number?\nSupporter: M for Mary, A for a-apple, 33 10 42, B for Bob.", NI,
     "M for Mary, A for a-apple, 33 10 42, B for Bob", "MA331042B"),
    ("Agent: National insurance?\nSupporter: wp 20, no, 21 77 08 c.", NI,
     "wp 20, no, 21 77 08 c", "WP217708C"),
    ("Agent: Your mobile?\nSupporter: oh seven nine double\nAgent: Mm-hmm.\n"
     "Supporter: four, one two three, double-oh-five.", PHONE,
     "oh seven nine double\nAgent: Mm-hmm.\nSupporter: four, one two three, double-oh-five",
     "+447944123005"),
    ("Agent: Mobile?\nSupporter: zero seven eight one two, three four nine, no sorry, "
     "three four five, six seven eight.", PHONE,
     "zero seven eight one two, three four nine, no sorry, three four five, six seven eight",
     "+447812345678"),
    ("Agent: Account number?\nSupporter: 5 5 1 0 3, er, sorry, the phone went, 9 2 7.",
     ACCOUNT, "5 5 1 0 3, er, sorry, the phone went, 9 2 7", "55103927"),
    ("Agent: Account number?\nSupporter: 6120 0884, um, no, 0848.", ACCOUNT,
     "6120 0884, um, no, 0848", "61200848"),
    ("Agent: Sort code?\nSupporter: 40 18, hang on, I've lost it, 33.", SORT,
     "40 18, hang on, I've lost it, 33", "40-18-33"),
    # unlabelled lines: a sort code and its read-back are two, not an account over both
    ("Bank details?\nSixty, twenty-one, forty-four.\nSixty, twenty-one, forty-four. And the "
     "account number?", SORT, "Sixty, twenty-one, forty-four", "60-21-44"),
    ("Agent: And the account number?\nSupporter: It's only seven digits, 3051772.", ACCOUNT,
     "3051772", "3051772"),
    ("Agent: And an email?\nSupporter: tom dot B for Bertie, A, R, R, Y, at gmail dot com.",
     EMAIL, "tom dot B for Bertie, A, R, R, Y, at gmail dot com", "tom.barry@gmail.com"),
    ("Agent: And an email?\nSupporter: S M I T H at hotmail dot com.", EMAIL,
     "S M I T H at hotmail dot com", "smith@hotmail.com"),
    ("Agent: And an email?\nSupporter: rob dot lane 71.\nat yahoo dot co dot uk.", EMAIL,
     "rob dot lane 71.\nat yahoo dot co dot uk", "rob.lane71@yahoo.co.uk"),
    ("Agent: And an email?\nSupporter: ann kerr 5 at,\nAgent: Yep.\nSupporter: aol dot com.",
     EMAIL, "ann kerr 5 at,\nAgent: Yep.\nSupporter: aol dot com", "annkerr5@aol.com"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "kind", "said", "value"), CODES_AND_NUMBERS,
                         ids=ids(CODES_AND_NUMBERS))  # fmt: skip
def test_when_a_code_or_number_is_paused_spelled_or_put_right_then_it_is_one_finding(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


LOOK_ALIKES: list[str] = [
    "Agent: How often?\nSupporter: 3/12 months, and 500 on top.",
    "Supporter: I'd say double. Nine times out of ten.",
    "Agent: So that's £5 a month from the 1st.\nSupporter: Yes, the 1st, after the 28th.",
    "Supporter: The bus was the 14 and we got off at the 2nd stop on the 9th.",
    "Supporter: I paid 2000, sorry, 3000 pounds.",
    "Agent: Is it the card ending 4417?\nSupporter: Yes, and 220 pounds this time.",
    "Agent: The event is on the 4th of the 11th at 7, and Gift Aid forms on the 1st.",
    "Agent: Your order number is 6120 0884, no, 0848.",
    "Supporter: My reference is KD 44 19 02 for the claim.",
    # Gift Aid is no gift event next to a birth word, but its own dates are no birthdays
    "Agent: Gift Aid was added on the 2nd of June 1998.",
    "Agent: Your Gift Aid covers 4/7/1995 onwards.",
    # an aside is a pause set off by commas; seven digits need the account number asked for
    "Supporter: My account was opened in 1998 with 2500 pounds.",
    "Supporter: We raised 1,250,000 for the account.",
    # an ordinal after an outward code's look-alike, with a word after it
    "Agent: Come off at the M1 1st exit, then the B2 2nd floor car park.",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_when_numbers_only_look_like_these_forms_then_nothing_is_found(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


def test_when_card_data_comes_in_one_breath_in_a_stored_call_then_no_digits_stay_in_clear(
    detector: PiiDetector,
) -> None:
    """The stored path (the detection view) masks all three, the code by its place."""
    text = "right its 4929 1234 5678 9015 0727 and 311"
    result = redact_transcript(
        call(said(text, 0.0, SUPPORTER)), detector, PiiPolicy(question_windows=False)
    )
    assert "4929" not in result.full_transcript and "0727" not in result.full_transcript
    assert "311" not in result.full_transcript
    kinds = [item["type"] for item in result.pii_detected]
    assert kinds == ["credit_card", "card_expiry", "cvv"]
