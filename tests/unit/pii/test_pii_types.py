"""Every PII type, written and spoken as Whisper writes calls, with the hard negatives.

Positives name the exact characters the finding must cover, so the offset map back from the
normalised form is checked too. Negatives are the numbers a charity call is full of: amounts,
times, years, reference numbers, counts, and numbers whose check digits fail.
"""

from __future__ import annotations

import pytest

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import PiiDetector

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
LICENCE = PiiType.DRIVING_LICENCE

# (text, type, the exact characters found, the normalised value)
POSITIVES: list[tuple[str, PiiType, str, str]] = [
    # card numbers: Luhn + issuer prefix, any grouping, digits or words
    ("My card number is 4955 7225 3911 2025.", CARD, "4955 7225 3911 2025", "4955722539112025"),
    ("It's 4735-3134-3794-7865.", CARD, "4735-3134-3794-7865", "4735313437947865"),
    ("Card, 5631444294817339, thanks.", CARD, "5631444294817339", "5631444294817339"),
    ("Amex, 3762 835509 86119.", CARD, "3762 835509 86119", "376283550986119"),
    (
        "It's four nine five five, seven two two five, three nine one one, two oh two five.",
        CARD,
        "four nine five five, seven two two five, three nine one one, two oh two five",
        "4955722539112025",
    ),
    (
        "Long number please.\nYeah, 6011 3082 three nine one eight two three seven two.",
        CARD,
        "6011 3082 three nine one eight two three seven two",
        "6011308239182372",
    ),
    ("The card is 27 20 92 21 29 19 89 09.", CARD, "27 20 92 21 29 19 89 09", "2720922129198909"),
    (
        "Yeah, 4-9-1-8-2-8-5-0-1-4-0-2-0-1-9-9-3-9-0.",
        CARD,
        "4-9-1-8-2-8-5-0-1-4-0-2-0-1-9-9-3-9-0",
        "4918285014020199390",
    ),
    ("Visa debit, 4955 7225\n3911 2025.", CARD, "4955 7225\n3911 2025", "4955722539112025"),
    # Whisper writes "£" (or "$") before each digit of a number read out on a donation call
    (
        "The card number is £4 .5, £3, $1, $4, $8, $0, $3, $4, $3, $3, $4, $6, $7.",
        CARD,
        "4 .5, £3, $1, $4, $8, $0, $3, $4, $3, $3, $4, $6, $7",
        "45314803433467",
    ),
    (
        "It is £4, £9, £5, £5, £7, £2, £2, £5, £3, £9, £1, £1, £2, £0, £2, £5.",
        CARD,
        "4, £9, £5, £5, £7, £2, £2, £5, £3, £9, £1, £1, £2, £0, £2, £5",
        "4955722539112025",
    ),
    # a card number misheard (Luhn fails) is still a card when it is read out as one
    ("My card number is 4955 7225 3911 2026.", CARD, "4955 7225 3911 2026", "4955722539112026"),
    # ... and when it is dictated digit by digit, card-length, with nothing saying what else it is
    (
        "It's two two two one, two eight eight nine, three one oh oh, double two one.",
        CARD,
        "two two two one, two eight eight nine, three one oh oh, double two one",
        "222128893100221",
    ),
    # card expiry: context, or straight after the card
    ("The expiry date is 08/27.", EXPIRY, "08/27", "08/27"),
    ("Expires oh three twenty nine.", EXPIRY, "oh three twenty nine", "03/29"),
    ("Expiry, December twenty twenty seven.", EXPIRY, "December twenty twenty seven", "12/27"),
    ("Valid until 11/2028.", EXPIRY, "11/2028", "11/28"),
    ("Card 4955 7225 3911 2025, 09/28.", EXPIRY, "09/28", "09/28"),
    # CVV: only beside "security code", "back of the card"
    ("The security code is 314.", CVV, "314", "314"),
    ("Three digits on the back of the card?\nSeven oh two.", CVV, "Seven oh two", "702"),
    ("CVV, double four nine.", CVV, "double four nine", "449"),
    ("Amex, so the security code is 4 digits: 8123.", CVV, "8123", "8123"),
    # National Insurance numbers: HMRC prefix rules
    ("My national insurance number is JG103759A.", NI, "JG103759A", "JG103759A"),
    # "OH" in capitals is the prefix O H, not a spoken zero (found by the hypothesis property)
    ("It's OH 000 000 A.", NI, "OH 000 000 A", "OH000000A"),
    (
        "NI number, N E, one two, three four, five six, D.",
        NI,
        "N E, one two, three four, five six, D",
        "NE123456D",
    ),
    ("It's a B1, 2, 3, 4, 5, 6, C.", NI, "a B1, 2, 3, 4, 5, 6, C", "AB123456C"),
    (
        "Oscar Papa four five six seven eight nine Bravo, my NI.",
        NI,
        "Oscar Papa four five six seven eight nine Bravo",
        "OP456789B",
    ),
    ("National insurance P Z 38 29 44.", NI, "P Z 38 29 44", "PZ382944"),
    # NHS numbers: modulus 11
    ("My NHS number is 629 436 4833.", NHS, "629 436 4833", "6294364833"),
    (
        "NHS, seven seven five, six eight nine, three four eight four.",
        NHS,
        "seven seven five, six eight nine, three four eight four",
        "7756893484",
    ),
    ("It's 758-137-2839.", NHS, "758-137-2839", "7581372839"),
    (
        "NHS number, six oh five six, seven one two, five six seven.",
        NHS,
        "six oh five six, seven one two, five six seven",
        "6056712567",
    ),
    # postcodes: format + postcode areas; spelled letter by letter; oh as the letter O
    ("My postcode is SW1A 1AA.", POSTCODE, "SW1A 1AA", "SW1A 1AA"),
    ("Postcode, S W one A, one A A.", POSTCODE, "S W one A, one A A", "SW1A 1AA"),
    ("It's O X one, two D P.", POSTCODE, "O X one, two D P", "OX1 2DP"),
    ("We're in M1 1AE.", POSTCODE, "M1 1AE", "M1 1AE"),
    (
        "Postcode Sierra Echo one, seven Papa Bravo.",
        POSTCODE,
        "Sierra Echo one, seven Papa Bravo",
        "SE1 7PB",
    ),
    ("Post code, B for Bravo 33, 8 T H.", POSTCODE, "B for Bravo 33, 8 T H", "B33 8TH"),
    ("My post code in SW1A 1A", POSTCODE, "SW1A 1A", "SW1A1A"),
    # phone numbers: libphonenumber; Ofcom drama ranges only when said as a phone number
    ("Call me on 07911 123456.", PHONE, "07911 123456", "+447911123456"),
    (
        "Mobile is oh seven nine one one, one two three four five six.",
        PHONE,
        "oh seven nine one one, one two three four five six",
        "+447911123456",
    ),
    ("It's +44 20 7123 4567.", PHONE, "+44 20 7123 4567", "+442071234567"),
    ("My phone number is 079-1-1-1-2-3-4-5-6.", PHONE, "079-1-1-1-2-3-4-5-6", "+447911123456"),
    (
        "Home phone, oh one six three two, nine six oh, one two three.",
        PHONE,
        "oh one six three two, nine six oh, one two three",
        "+441632960123",
    ),
    ("It's 0161 234 5678.", PHONE, "0161 234 5678", "+441612345678"),
    # sort codes and bank accounts (accounts only in a banking context)
    ("Sort code 40-47-84.", SORT, "40-47-84", "40-47-84"),
    ("It's 30-96-34.", SORT, "30-96-34", "30-96-34"),
    (
        "The sort code is twelve thirty four fifty six.",
        SORT,
        "twelve thirty four fifty six",
        "12-34-56",
    ),
    (
        "Sort code, too zero, three, four, five, six.",
        SORT,
        "too zero, three, four, five, six",
        "20-34-56",
    ),
    ("Account number 31926819.", ACCOUNT, "31926819", "31926819"),
    (
        "Bank account, five five seven nine, two one oh three.",
        ACCOUNT,
        "five five seven nine, two one oh three",
        "55792103",
    ),
    ("For the direct debit it's 1234 5678.", ACCOUNT, "1234 5678", "12345678"),
    # dates of birth: near "born"/"date of birth", or a DD/MM/YYYY adult birth year
    ("My date of birth is 17/01/1990.", DOB, "17/01/1990", "17/01/1990"),
    (
        "I was born on the seventeenth of January nineteen ninety.",
        DOB,
        "the seventeenth of January nineteen ninety",
        "17/01/1990",
    ),
    ("Date of birth, March the 3rd, 1950.", DOB, "March the 3rd, 1950", "03/03/1950"),
    (
        "D O B twelve oh six nineteen seventy eight.",
        DOB,
        "twelve oh six nineteen seventy eight",
        "12/06/1978",
    ),
    ("It's 05/11/1948.", DOB, "05/11/1948", "05/11/1948"),
    (
        "Date of birth, the twenty first of October, nineteen forty five.",
        DOB,
        "the twenty first of October, nineteen forty five",
        "21/10/1945",
    ),
    # email addresses, written and read aloud
    (
        "Email is jane.smith@example.co.uk.",
        EMAIL,
        "jane.smith@example.co.uk",
        "jane.smith@example.co.uk",
    ),
    (
        "It's jane dot smith at example dot co dot uk.",
        EMAIL,
        "jane dot smith at example dot co dot uk",
        "jane.smith@example.co.uk",
    ),
    (
        "john underscore brown at gmail dot com",
        EMAIL,
        "john underscore brown at gmail dot com",
        "john_brown@gmail.com",
    ),
    (
        "Email me at helen.wood at sky.com please.",
        EMAIL,
        "helen.wood at sky.com",
        "helen.wood@sky.com",
    ),
    (
        "My email is jain.miss.example.co.uk",
        EMAIL,
        "jain.miss.example.co.uk",
        "jain.miss.example.co.uk",
    ),
    # driving licences
    ("Driving licence SMITH901017AB1CD.", LICENCE, "SMITH901017AB1CD", "SMITH901017AB1CD"),
    ("It's JONES 802145 J9 9AB.", LICENCE, "JONES 802145 J9 9AB", "JONES802145J99AB"),
    (
        "Licence, M O R G A six five seven oh five four S M nine I J.",
        LICENCE,
        "M O R G A six five seven oh five four S M nine I J",
        "MORGA657054SM9IJ",
    ),
]

NEGATIVES: list[str] = [
    # dictated, card-length, but said to be something else; or too short for a card
    "Your reference is two two two one, two eight eight nine, three one oh oh, double two one.",
    "The order number is one two three four, five six seven eight, nine oh one two.",
    # donation amounts
    "I'd like to give twenty five pounds a month.",
    "Can I put it up to £12.50?",
    "That's £3.50 a week, which is 182 pounds a year.",
    "It's ten, twenty or fifty pounds, whichever you like.",
    "We raised £1,250,000 last year.",
    "You can give £5, £10, £15, £20, £25, £30, £40 or £50 a month.",
    # times and durations
    "I'll call you back at 10:30.",
    "Between 9 and 5, Monday to Friday.",
    "The call lasted 12 minutes and 40 seconds.",
    "Ring me after half past six.",
    # years, ages
    "I've supported you since 2015.",
    "It was twenty twenty three, I think.",
    "I'm 67 and my husband is 70.",
    "We moved in 1974 and again in 1989.",
    # counts and fractions
    "We had 12/26 people at the event.",
    "About 12/26 of them said yes.",
    "There were 1,500 people.",
    "It was 1 in 4 people.",
    # reference and order numbers, even when shaped like PII
    "Your reference number is 4010232137.",
    "The order number is 07911 123456.",
    "Your case reference is 0207 123 4567.",
    "Your supporter number is 12345678.",
    "Your booking reference is AB123456C.",
    "The invoice number is 20-34-56.",
    "Your membership number is 6294364833.",
    "Ticket 987654.",
    # check digits that fail, prefixes HMRC never issues
    "The number on the leaflet is 4955 7225 3911 2026.",
    "It says 1234 5678 9012 3456.",
    "We printed 629 436 4834 copies.",
    "The code was QQ 12 34 56 C.",
    "Someone said BG123456A.",
    "It's 9999 9999.",
    # dates that are not dates of birth, short numbers without context
    "We'll call you on the 5th of March.",
    "The letter was dated 12/03/2024.",
    "The event is on 21/06.",
    "I think it's 1234.",
    "Your phone number ends 456?",
    # letters and everyday talk
    "Can I take your name?\nIt's Smith, S M I T H.",
    "A B C, easy as that.",
    "Oh, I see. Is that with a double L?",
    "The M1 was closed so I came on the A1.",
    "Flat 4B, second floor, number 10.",
    "The NHS looked after my husband.",
    "My card's in my other bag.",
    "The security code didn't work last time.",
    "I heard it on BBC Radio 4.",
    "Can you do 5 or 10?",
]


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector(reference_year=2026)


@pytest.mark.parametrize(
    ("text", "kind", "said", "value"),
    POSITIVES,
    ids=[f"{k.value}:{s[:32]}" for _, k, s, _ in POSITIVES],
)
def test_when_pii_is_said_then_its_exact_characters_are_found(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    start = text.index(said)
    found = [(s.type, text[s.start_char : s.end_char], s.value) for s in detector.detect(text)]
    assert (kind, said, value) in found, found
    assert (start, start + len(said)) in [
        (s.start_char, s.end_char) for s in detector.detect(text) if s.type is kind
    ]


@pytest.mark.parametrize("text", NEGATIVES)
def test_when_numbers_are_not_pii_then_nothing_is_found(detector: PiiDetector, text: str) -> None:
    found = [(s.type.value, text[s.start_char : s.end_char]) for s in detector.detect(text)]
    assert found == []


def test_every_type_has_positives_in_the_table() -> None:
    # unknown_number is not found in text alone: digits near a sensitive question (digit_runs.py)
    assert {kind for _, kind, _, _ in POSITIVES} == set(PiiType) - {PiiType.UNKNOWN_NUMBER}


def test_confidence_is_higher_with_context_than_without(detector: PiiDetector) -> None:
    said = detector.detect("My NHS number is 629 436 4833.")
    bare = detector.detect("It's 629 436 4833.")
    assert said[0].confidence > bare[0].confidence >= 0.5


def test_when_the_minimum_confidence_is_raised_then_weak_findings_are_dropped() -> None:
    text = "It's 629 436 4833."  # an NHS number with nothing saying so
    assert PiiDetector(reference_year=2026).detect(text)
    assert PiiDetector(min_confidence=0.9, reference_year=2026).detect(text) == []


def test_an_empty_text_has_no_pii(detector: PiiDetector) -> None:
    assert detector.detect("") == [] and detector.detect("  \n ") == []


def test_a_bad_minimum_confidence_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        PiiDetector(min_confidence=1.5)
