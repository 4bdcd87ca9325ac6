"""Forms and false positives of issue 14's sixth round (docs/pii.md, "The fifth set"), each in
wordings of our own, not the benchmark's lines: an Amex code named as the digits on the front
with words between; an "oh" of dismay before a correction; fillers that do not push a value's
context out of reach; a date of birth whose year is said in two words; a phone number broken
by a few words of the caller's own; a read-back's end put right "at the end"; "plus four four"
said in words; a card read over an aside with a digit misheard; the agent's waiting words
between two parts of a value; an email resumed with a number in words; the first number of
an answer after the caller's long aside; an expiry and code after a card with "then" or a
back-channel turn between. And the classes
of false positive: numbers named as a case, amounts after a word of money, a house number or
postcode near an Amex.

Each positive names the exact characters the finding must cover and its normalised value.
"""

from __future__ import annotations

import pytest

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import PiiDetector
from pii_calls import Case, found, ids

PHONE = PiiType.PHONE_NUMBER
EXPIRY = PiiType.CARD_EXPIRY
CVV = PiiType.CVV
DOB = PiiType.DATE_OF_BIRTH

AMEX_CODES: list[Case] = [
    ("supporter: it's american express and the small numbers printed on the front say 3318",
     CVV, "3318", "3318"),
    ("agent: and the four little digits over the top of the number on the front\n"
     "supporter: nine oh two six", CVV, "nine oh two six", "9026"),
    ("supporter: amex yeah the ones on the front are 7 7 0 4", CVV, "7 7 0 4", "7704"),
]  # fmt: skip

DISMAY_AND_FILLERS: list[Case] = [
    # "oh" before "no"/"sorry" is dismay, not a zero on the end of the value
    ("agent: when does it expire\nsupporter: 04/27, oh sorry, that's the old one, 04/30",
     EXPIRY, "04/27", "04/27"),
    ("agent: when does it expire\nsupporter: 04/27, oh sorry, that's the old one, 04/30",
     EXPIRY, "04/30", "04/30"),
    ("agent: expiry date\nsupporter: 1128 oh no hang on 1129", EXPIRY, "1128", "11/28"),
    ("agent: expiry date\nsupporter: 1128 oh no hang on 1129", EXPIRY, "1129", "11/29"),
    ("agent: and the expiry\nsupporter: 09/27 oh no I tell a lie", EXPIRY, "09/27", "09/27"),
    # hesitations are no words between a value and its question
    ("agent: and the expiry date\nsupporter: erm, um, oh, er, let me see, er, I think, um, it "
     "is 0630", EXPIRY, "0630", "06/30"),
]  # fmt: skip

DATES: list[Case] = [
    ("agent: can I take your date of birth\nsupporter: fourteen nine nineteen fifty-three", DOB,
     "fourteen nine nineteen fifty-three", "14/09/1953"),
    ("agent: and when were you born\nsupporter: yeah two eleven nineteen eighty", DOB,
     "two eleven nineteen eighty", "02/11/1980"),
    ("agent: your date of birth please\nsupporter: twenty-six ten two thousand and three", DOB,
     "twenty-six ten two thousand and three", "26/10/2003"),
]  # fmt: skip

PHONES: list[Case] = [
    ("agent: best contact number\nsupporter: oh one one three four nine six, then, oh three "
     "one two", PHONE, "oh one one three four nine six, then, oh three one two",
     "+441134960312"),
    ("agent: and your mobile\nsupporter: 07700 900, hang on, 314", PHONE,
     "07700 900, hang on, 314", "+447700900314"),
    ("agent: and a landline\nsupporter: oh two oh seven nine four six and then oh double one "
     "four", PHONE, "oh two oh seven nine four six and then oh double one four",
     "+442079460114"),
    # the caller puts right the end of the number the agent read back
    ("agent: so I've got 0161 496 0555\nsupporter: 0552 at the end", PHONE,
     "0161 496 0555\nsupporter: 0552", "+441614960552"),
    ("agent: so that's oh seven seven oh oh nine oh oh six one two\nsupporter: sorry six two "
     "one on the end", PHONE,
     "oh seven seven oh oh nine oh oh six one two\nsupporter: sorry six two one",
     "+447700900621"),
]  # fmt: skip

CARD = PiiType.CREDIT_CARD
SAID_IN_FULL: list[Case] = [
    # "plus four four" said, not written: the UK's code, a phone number, never a card
    ("agent: and your mobile\nsupporter: plus four four oh seven seven double oh nine double "
     "oh two one three", PHONE,
     "plus four four oh seven seven double oh nine double oh two one three", "+447700900213"),
    ("agent: and your mobile\nsupporter: plus 44 0 7700 900213", PHONE,
     "plus 44 0 7700 900213", "+447700900213"),
    # a card asked for, read over an aside, one digit misheard (no Luhn): all of it masked
    ("agent: and the card number please\nsupporter: four oh five six, hang on my glasses, one "
     "four eight nine, seven oh seven one, two four eight six", CARD,
     "four oh five six, hang on my glasses, one four eight nine, seven oh seven one, two four "
     "eight six", "4056148970712486"),
    ("agent: and the card number please\nsupporter: 4056 1489, sorry, 7071 2486", CARD,
     "4056 1489, sorry, 7071 2486", "4056148970712486"),
]  # fmt: skip

ACCOUNT = PiiType.BANK_ACCOUNT
EMAIL = PiiType.EMAIL
OVER_TURNS_AND_ASIDES: list[Case] = [
    # the agent's waiting words between two parts of a value
    ("agent: date of birth please\nsupporter: third of, um,\nagent: take your time.\n"
     "supporter: may, nineteen forty-two", DOB,
     "third of, um,\nagent: take your time.\nsupporter: may, nineteen forty-two",
     "03/05/1942"),
    ("agent: date of birth please\nsupporter: the ninth of, er,\nagent: no rush.\n"
     "supporter: august, nineteen sixty", DOB,
     "the ninth of, er,\nagent: no rush.\nsupporter: august, nineteen sixty", "09/08/1960"),
    # an address resumed after a back-channel with a number said in words
    ("agent: and your email address\nsupporter: ann dot lee\nagent: mm-hm.\nsupporter: two "
     "two at gmail dot com", EMAIL,
     "ann dot lee\nagent: mm-hm.\nsupporter: two two at gmail dot com", "ann.lee22@gmail.com"),
    # the first number of an answer after the caller's long aside still answers the question
    ("agent: and the account number?\nsupporter: oh it's in my other bag hold on let me just "
     "go and get it right here we are four five, double two, six oh, one three", ACCOUNT,
     "four five, double two, six oh, one three", "45226013"),
    ("agent: and the expiry?\nsupporter: oh hang on, i need my reading glasses, they're "
     "upstairs, bear with me, right, oh nine twenty eight", EXPIRY, "oh nine twenty eight",
     "09/28"),
    ("agent: and the security code?\nsupporter: sorry, the dog's just jumped up, get down, "
     "right, where were we, four one two", CVV, "four one two", "412"),
    # expiry and code after a card number, with "then"/"and" or a back-channel turn between
    ("agent: card details please\nsupporter: 4929 1234 5678 9015 then 0727 then 311", EXPIRY,
     "0727", "07/27"),
    ("agent: card details please\nsupporter: 4929 1234 5678 9015 then 0727 then 311", CVV,
     "311", "311"),
    ("agent: card details please\nsupporter: four nine two nine one two three four five six "
     "seven eight nine oh one five and then oh seven two seven and then three one one", CVV,
     "three one one", "311"),
    ("agent: and the card please\nsupporter: 4929 1234 5678 9015.\nagent: yep.\n"
     "supporter: 0727 311", EXPIRY, "0727", "07/27"),
    ("agent: and the card please\nsupporter: 4929 1234 5678 9015.\nagent: yep.\n"
     "supporter: 0727 311", CVV, "311", "311"),
]  # fmt: skip

FORMS = AMEX_CODES + DISMAY_AND_FILLERS + DATES + PHONES + SAID_IN_FULL + OVER_TURNS_AND_ASIDES


@pytest.mark.parametrize(("text", "kind", "said", "value"), FORMS, ids=ids(FORMS))
def test_when_a_value_is_said_in_a_round6_form_then_it_is_found_whole(
    detector: PiiDetector, text: str, kind: PiiType, said: str, value: str
) -> None:
    assert (kind, said, value) in found(detector, text)


LOOK_ALIKES: list[str] = [
    # a number named as the caller's case is a reference, however it is grouped
    "agent: your case is 5521 339 0874 if you need to call",
    "agent: I'll put that on your case, it's 0113 4960 221 for our records",
    "agent: the case number is oh seven seven oh oh nine oh oh four four four",
    # an amount after a word of money, even near "account" or "card"
    "supporter: my account raised 2450000 with the sponsored walk",
    "supporter: the account has raised about 4218650 over the years",
    "agent: we collected 1357 at the fair and donated 2468 to the hospice account",
    "supporter: it cost me 1999 on the card",
    # a house number next to an Amex or a post code is the address's, not a security code
    "supporter: it's an amex\nagent: and the house number\nsupporter: 2210",
    "agent: is the amex registered at the same address\nsupporter: yes the door number is 1742",
    "supporter: american express, same post code as before, house 4431",
    # "in case" is no reference word, and a reference is still one after it
    "agent: a mobile number in case we need to call\nsupporter: I'd rather not",
    "supporter: just in case, the order is 07700 900123",
    # a year in words is no date of birth without the day and month; nor a wedding's date
    "supporter: I was born in nineteen sixty-one and moved here in nineteen eighty",
    "supporter: we got married twelve six nineteen seventy",
    # an organisation's number and its extension said with "and then"
    "agent: call us on 0113 496 and then extension 0457",
    # a question answered with no number, then numbers of something else
    "agent: can i take your account number\nsupporter: i'd rather not, but i've been giving for "
    "12 years and my reference is 12345678",
    "agent: and the security code?\nsupporter: i don't like giving that out, i've had 3 calls "
    "like this and 214 emails",
    # numbers around a card that are no card: days and a year
    "agent: what's your card\nsupporter: it's my visa, i've had it for 1990 days, and 2011 i think",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_when_a_number_is_a_case_an_amount_or_an_address_then_nothing_is_found(
    detector: PiiDetector, text: str
) -> None:
    assert found(detector, text) == []


def test_when_the_end_of_a_month_follows_a_read_back_then_the_amount_is_not_joined_to_it(
    detector: PiiDetector,
) -> None:
    text = "agent: so that's 07700 900444\nsupporter: and 25 at the end of the month"
    assert found(detector, text) == [(PHONE, "07700 900444", "+447700900444")]
