"""The calls of `benchmarks/pii_speech.py`: how each PII type is said (its forms), how it is
asked in each set (the wordings), and the sets with their seeds, voices and noise.

The `heldout` set was fixed, and measured with the old code, before any tuning; its wording and
voices are its own (docs/pii.md, "Audio redaction").
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from stdnum import luhn
from stdnum.gb import nhs

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.testing.speech import VOICES, Voice

K = PiiType
ORGANISATION = "Hope Foundation"

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"]  # fmt: skip
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NATO_WORDS = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India",
              "Juliet", "Kilo", "Lima", "Mike", "November", "Oscar", "Papa", "Quebec", "Romeo",
              "Sierra", "Tango", "Uniform", "Victor", "Whiskey", "X-ray", "Yankee",
              "Zulu"]  # fmt: skip
NATO = {word[0]: word for word in NATO_WORDS}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
            "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
            "twenty first", "twenty second", "twenty third", "twenty fourth", "twenty fifth",
            "twenty sixth", "twenty seventh", "twenty eighth"]  # fmt: skip

# --- How numbers are said ------------------------------------------------------------------


def one_by_one(digits: str, *, oh: bool = True) -> str:
    return " ".join("oh" if d == "0" and oh else DIGIT_WORDS[int(d)] for d in digits)


def with_doubles(digits: str) -> str:
    """ "4477" → "double four double seven"; "999" → "triple nine"."""
    words, k = [], 0
    while k < len(digits):
        same = len(digits[k:]) - len(digits[k:].lstrip(digits[k]))
        name = "oh" if digits[k] == "0" else DIGIT_WORDS[int(digits[k])]
        if same >= 3:
            words.append(f"triple {name}")
            k += 3
        elif same == 2:
            words.append(f"double {name}")
            k += 2
        else:
            words.append(name)
            k += 1
    return " ".join(words)


def pair(digits: str) -> str:
    """Two digits as people say them in pairs: "45" forty five, "07" oh seven, "10" ten."""
    tens, unit = int(digits[0]), int(digits[1])
    if tens == 0:
        return f"oh {DIGIT_WORDS[unit]}"
    if tens == 1:
        return TEENS[unit]
    return TENS[tens] if unit == 0 else f"{TENS[tens]} {DIGIT_WORDS[unit]}"


def grouped(digits: str, sizes: list[int], say: Callable[[str], str]) -> list[str]:
    out, k = [], 0
    for size in sizes:
        out.append(say(digits[k : k + size]))
        k += size
    return out


def spell(code: str, rng: random.Random, *, nato: bool = False) -> str:
    parts = []
    for ch in code:
        if ch.isdigit():
            parts.append(DIGIT_WORDS[int(ch)])
        elif nato:
            parts.append(NATO[ch])
        else:
            parts.append(ch)
    return " ".join(parts)


# --- Values -----------------------------------------------------------------------------


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def card_number(rng: random.Random) -> str:
    body = rng.choice(["4", "5" + rng.choice("12345"), "6011"])
    body += digits(rng, 15 - len(body))
    return body + luhn.calc_check_digit(body)


def nhs_number(rng: random.Random) -> str:
    while True:
        body = rng.choice("4679") + digits(rng, 8)
        for check in "0123456789":
            if nhs.is_valid(body + check):
                return body + check


def ni_number(rng: random.Random) -> str:
    prefix = rng.choice("ABCEHJKLMNPRSTWY") + rng.choice("ABCEHJKLMNPRSTWY")
    prefix = "JG" if prefix in {"KN", "NK", "NT", "TN"} else prefix
    return prefix + digits(rng, 6) + rng.choice("ABCD")


Form = Callable[[random.Random], list[str]]  # the value as said, in pieces (for interruptions)


def card_forms(family: str) -> list[Form]:
    def fours(rng: random.Random) -> list[str]:
        return grouped(card_number(rng), [4, 4, 4, 4], one_by_one)

    def doubles(rng: random.Random) -> list[str]:
        return grouped(card_number(rng), [4, 4, 4, 4], with_doubles)

    def pairs(rng: random.Random) -> list[str]:
        number = card_number(rng)
        return [
            " ".join(pair(number[k : k + 2]) for k in range(g, g + 4, 2)) for g in (0, 4, 8, 12)
        ]

    def corrected(rng: random.Random) -> list[str]:
        groups = grouped(card_number(rng), [4, 4, 4, 4], one_by_one)
        wrong = one_by_one(digits(random.Random(rng.random()), 2))
        groups[1] = f"{wrong}, sorry, no, {groups[1]}"
        return groups

    def tens_and_zero(rng: random.Random) -> list[str]:
        number = card_number(rng)
        return grouped(number, [4, 4, 4, 4], lambda g: f"{pair(g[:2])}, {pair(g[2:])}")

    def mixed(rng: random.Random) -> list[str]:  # each group as it comes: digits or pairs
        number = card_number(rng)
        return grouped(
            number,
            [4, 4, 4, 4],
            lambda g: rng.choice([one_by_one(g), f"{pair(g[:2])} {pair(g[2:])}"]),
        )

    def restarted(rng: random.Random) -> list[str]:  # loses the place, starts again
        number = card_number(rng)
        groups = grouped(number, [4, 4, 4, 4], one_by_one)
        return [
            groups[0],
            f"{groups[1]}, {one_by_one(number[8:10])}, oh hang on, I've lost "
            f"my place, let me start again, {groups[0]}",
            groups[1],
            groups[2],
            groups[3],
        ]

    def amex(rng: random.Random) -> list[str]:  # fifteen digits in four, six, five
        body = rng.choice(["34", "37"]) + digits(rng, 12)
        return grouped(body + luhn.calc_check_digit(body), [4, 6, 5], with_doubles)

    if family == "heldout2":
        return [mixed, restarted, amex]
    return [fours, doubles, corrected] if family == "dev" else [pairs, tens_and_zero, fours]


def expiry_forms(family: str) -> list[Form]:
    def numeric(rng: random.Random) -> list[str]:
        return [f"{pair(f'{rng.randint(1, 12):02d}')}, {pair(str(rng.randint(26, 31)))}"]

    def month_name(rng: random.Random) -> list[str]:
        return [f"{rng.choice(MONTHS)} twenty {pair(str(rng.randint(26, 31)))}"]

    def digit_by_digit(rng: random.Random) -> list[str]:
        return [one_by_one(f"{rng.randint(1, 12):02d}{rng.randint(26, 31)}", oh=False)]

    def slash(rng: random.Random) -> list[str]:
        return [f"{pair(f'{rng.randint(1, 12):02d}')} slash {pair(str(rng.randint(26, 31)))}"]

    def bare_month(rng: random.Random) -> list[str]:  # "three, twenty eight"
        return [f"{DIGIT_WORDS[rng.randint(1, 9)]}, {pair(str(rng.randint(26, 31)))}"]

    def long_year(rng: random.Random) -> list[str]:  # "March two thousand and twenty eight"
        return [f"end of {rng.choice(MONTHS)}, two thousand and {pair(str(rng.randint(26, 31)))}"]

    def corrected(rng: random.Random) -> list[str]:
        month, year = f"{rng.randint(1, 12):02d}", str(rng.randint(26, 31))
        return [f"{pair(month)}, {pair(str(int(year) - 1))}, no, {pair(year)}, sorry"]

    if family == "heldout2":
        return [bare_month, long_year, corrected]
    return [numeric, month_name] if family == "dev" else [digit_by_digit, slash, numeric]


def cvv_forms(family: str) -> list[Form]:
    def plain(rng: random.Random) -> list[str]:
        return [one_by_one(digits(rng, 3))]

    def doubled(rng: random.Random) -> list[str]:
        d = rng.choice("0123456789")
        return [with_doubles(d + d + rng.choice("0123456789"))]

    def hundreds(rng: random.Random) -> list[str]:  # "four hundred and twenty one"
        n = rng.randint(101, 999)
        rest = n % 100
        tail = "" if rest == 0 else (
            f" and {TEENS[rest - 10] if 10 <= rest < 20 else pair(f'{rest:02d}')}"
            if rest >= 10 else f" and {DIGIT_WORDS[rest]}")  # fmt: skip
        return [f"{DIGIT_WORDS[n // 100]} hundred{tail}"]

    def four_front(rng: random.Random) -> list[str]:  # the four digits of an Amex
        return [one_by_one(digits(rng, 4))]

    if family == "heldout2":
        return [plain, hundreds, four_front]
    return [plain, doubled] if family == "dev" else [plain]


def sort_code_forms(family: str) -> list[Form]:
    def pairs(rng: random.Random) -> list[str]:
        code = digits(rng, 6)
        return [", ".join(pair(code[k : k + 2]) for k in (0, 2, 4))]

    def singles(rng: random.Random) -> list[str]:
        code = digits(rng, 6)
        return [", ".join(one_by_one(code[k : k + 2]) for k in (0, 2, 4))]

    def dashed(rng: random.Random) -> list[str]:  # "two oh dash double four dash sixteen"
        code = digits(rng, 6)
        return [" dash ".join(rng.choice([with_doubles(code[k : k + 2]), pair(code[k : k + 2])])
                              for k in (0, 2, 4))]  # fmt: skip

    if family == "heldout2":
        return [dashed, pairs]
    return [pairs] if family == "dev" else [singles, pairs]


def account_forms(family: str) -> list[Form]:
    def fours(rng: random.Random) -> list[str]:
        return grouped(digits(rng, 8), [4, 4], one_by_one)

    def pairs(rng: random.Random) -> list[str]:
        number = digits(rng, 8)
        return grouped(number, [4, 4], lambda g: f"{pair(g[:2])}, {pair(g[2:])}")

    def straight(rng: random.Random) -> list[str]:  # one breath, with a slip put right
        number = digits(rng, 8)
        slip = DIGIT_WORDS[(int(number[5]) + 3) % 10]
        return [f"{one_by_one(number[:5])}, {slip}, no, {one_by_one(number[5:])}"]

    if family == "heldout2":
        return [straight, lambda r: grouped(digits(r, 8), [3, 3, 2], one_by_one)]
    return (
        [fours, pairs]
        if family == "dev"
        else [lambda r: grouped(digits(r, 8), [2, 2, 2, 2], with_doubles)]
    )


def ni_forms(family: str) -> list[Form]:
    def pairs(rng: random.Random) -> list[str]:
        code = ni_number(rng)
        return [f"{code[0]} {code[1]}, {one_by_one(code[2:4])}, {one_by_one(code[4:6])}, "
                f"{one_by_one(code[6:8])}, {code[8]}"]  # fmt: skip

    def nato(rng: random.Random) -> list[str]:
        code = ni_number(rng)
        return [f"{NATO[code[0]]} {NATO[code[1]]}", f"{one_by_one(code[2:8])}, {code[8]}"]

    def tens(rng: random.Random) -> list[str]:  # "J G, twelve thirty four fifty six, C"
        code = ni_number(rng)
        return [f"{code[0]} {code[1]}", " ".join(pair(code[k : k + 2]) for k in (2, 4, 6)),
                code[8]]  # fmt: skip

    def as_in(rng: random.Random) -> list[str]:  # "J for Juliet"
        code = ni_number(rng)
        return [f"{code[0]} for {NATO[code[0]]}, {code[1]} for {NATO[code[1]]}",
                f"{one_by_one(code[2:8])}, and {code[8]} at the end"]  # fmt: skip

    if family == "heldout2":
        return [tens, as_in]
    return [pairs] if family == "dev" else [nato, pairs]


def nhs_forms(family: str) -> list[Form]:
    def threes(rng: random.Random) -> list[str]:
        return grouped(nhs_number(rng), [3, 3, 4], one_by_one)

    def tens(rng: random.Random) -> list[str]:  # "four eight five, seven seven three, forty four…"
        number = nhs_number(rng)
        return [one_by_one(number[:3]), one_by_one(number[3:6]),
                f"{pair(number[6:8])} {pair(number[8:])}"]  # fmt: skip

    if family == "heldout2":
        return [tens]
    return (
        [threes] if family == "dev" else [lambda r: grouped(nhs_number(r), [3, 3, 4], with_doubles)]
    )


def dob_forms(family: str) -> list[Form]:
    def spoken(rng: random.Random) -> list[str]:
        year = rng.randint(1935, 1999)
        return [
            f"the {rng.choice(ORDINALS)} of {rng.choice(MONTHS)}, nineteen {pair(str(year)[2:])}"
        ]

    def numeric(rng: random.Random) -> list[str]:
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(35, 99)
        return [f"{pair(f'{day:02d}')}, {pair(f'{month:02d}')}, {pair(str(year))}"]

    def month_first(rng: random.Random) -> list[str]:
        year = rng.randint(1935, 1999)
        return [f"{rng.choice(MONTHS)} the {rng.choice(ORDINALS)}, nineteen {pair(str(year)[2:])}"]

    def of_the(rng: random.Random) -> list[str]:  # "the fifth of the third, fifty eight"
        year = rng.randint(1935, 1999)
        return [f"the {rng.choice(ORDINALS)} of the {ORDINALS[rng.randint(0, 11)]}, "
                f"{pair(str(year)[2:])}"]  # fmt: skip

    def year_first(rng: random.Random) -> list[str]:  # "nineteen sixty one, twelfth of May"
        year = rng.randint(1935, 1999)
        return [f"nineteen {pair(str(year)[2:])}, {rng.choice(ORDINALS)} of {rng.choice(MONTHS)}"]

    def digit_pairs(rng: random.Random) -> list[str]:  # "oh five, oh three, five eight"
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(35, 99)
        return [f"{one_by_one(f'{day:02d}')}, {one_by_one(f'{month:02d}')}, "
                f"{one_by_one(str(year))}"]  # fmt: skip

    if family == "heldout2":
        return [of_the, year_first, digit_pairs]
    return [spoken] if family == "dev" else [numeric, month_first]


POSTCODES_DEV = ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "LS6 2NP", "EH3 9QQ"]
POSTCODES_HELD = ["BS8 1TH", "G12 8QQ", "NE1 4LP", "CF10 3AT", "OX1 2JD", "L17 6BA"]
POSTCODES_HELD2 = ["NG7 2RD", "PL4 6AB", "SE15 5DQ", "BT9 6AX", "YO10 5DD", "DD1 4HN"]
LETTER_WORDS = {"A": "apple", "B": "Bertie", "D": "dog", "E": "Edward", "G": "George",
                "H": "Harry", "L": "London", "N": "Nora", "P": "Peter", "Q": "queen",
                "R": "Robert", "S": "sugar", "T": "Tommy", "X": "X-ray", "Y": "yellow"}  # fmt: skip


def postcode_forms(family: str) -> list[Form]:
    codes = POSTCODES_DEV if family == "dev" else POSTCODES_HELD

    def letters(rng: random.Random) -> list[str]:
        outward, inward = rng.choice(codes).split()
        return [f"{spell(outward, rng)}, {spell(inward, rng)}"]

    def nato(rng: random.Random) -> list[str]:
        outward, inward = rng.choice(codes).split()
        return [f"{spell(outward, rng, nato=True)}, {spell(inward, rng, nato=True)}"]

    def number_outward(rng: random.Random) -> list[str]:  # "S E fifteen, five D Q"
        outward, inward = rng.choice(POSTCODES_HELD2).split()
        area = "".join(ch for ch in outward if ch.isalpha())
        district = outward[len(area) :]
        said = DIGIT_WORDS[int(district)] if len(district) == 1 else (
            TEENS[int(district) - 10] if district[0] == "1" else pair(district))  # fmt: skip
        return [f"{' '.join(area)} {said}, {spell(inward, rng)}"]

    def as_in(rng: random.Random) -> list[str]:  # "N for Nora, G for George, seven…"
        outward, inward = rng.choice(POSTCODES_HELD2).split()
        said = [f"{ch} for {LETTER_WORDS.get(ch, ch)}" if ch.isalpha() else DIGIT_WORDS[int(ch)]
                for ch in outward + inward]  # fmt: skip
        return [", ".join(said)]

    if family == "heldout2":
        return [number_outward, as_in]
    return [letters] if family == "dev" else [nato, letters]


def phone_forms(family: str) -> list[Form]:
    def number(rng: random.Random) -> str:
        return "07" + rng.choice("45789") + digits(rng, 8)

    def five_three_three(rng: random.Random) -> list[str]:
        return grouped(number(rng), [5, 3, 3], one_by_one)

    def doubles(rng: random.Random) -> list[str]:
        return grouped(number(rng), [5, 6], with_doubles)

    def zero_pairs(rng: random.Random) -> list[str]:
        n = number(rng)
        return [f"zero {one_by_one(n[1:5])}", ", ".join(pair(n[k : k + 2]) for k in (5, 7, 9))]

    def landline(rng: random.Random) -> list[str]:  # "oh one one three, four nine six, …"
        n = "01" + rng.choice("2345689") + digits(rng, 8)
        return [one_by_one(n[:4]), one_by_one(n[4:7]), with_doubles(n[7:])]

    def international(rng: random.Random) -> list[str]:  # "plus four four, seven seven…"
        n = number(rng)
        return ["plus four four", one_by_one(n[1:5]), one_by_one(n[5:8]), one_by_one(n[8:])]

    def corrected(rng: random.Random) -> list[str]:
        n = number(rng)
        return [one_by_one(n[:5]), f"{one_by_one(n[6] + n[5])}, no, sorry, {one_by_one(n[5:8])}",
                one_by_one(n[8:])]  # fmt: skip

    if family == "heldout2":
        return [landline, international, corrected]
    return [five_three_three, doubles] if family == "dev" else [zero_pairs, five_three_three]


def email_forms(family: str) -> list[Form]:
    names = ["jane", "peter", "helen", "mark", "susan"] if family == "dev" else [
        "oliver", "grace", "tom", "amira", "dave"]  # fmt: skip
    surnames = ["smith", "jones", "wood"] if family == "dev" else ["patel", "hughes", "brown"]
    domains = (["gmail dot com", "example dot co dot uk"] if family == "dev"
               else ["outlook dot com", "btinternet dot com", "yahoo dot co dot uk"])  # fmt: skip

    def dotted(rng: random.Random) -> list[str]:
        return [f"{rng.choice(names)} dot {rng.choice(surnames)} at {rng.choice(domains)}"]

    def spelled(rng: random.Random) -> list[str]:
        surname = rng.choice(surnames).upper()
        return [f"{' '.join(surname)} {pair(str(rng.randint(40, 99)))} at {rng.choice(domains)}"]

    def underscored(rng: random.Random) -> list[str]:
        name, surname = rng.choice(["ian", "margaret", "bev"]), rng.choice(["walsh", "khan"])
        domain = rng.choice(["hotmail dot co dot uk", "sky dot com", "icloud dot com"])
        return [f"all lower case, {name} underscore {surname}", f"at {domain}"]

    def with_year(rng: random.Random) -> list[str]:
        name = rng.choice(["kath", "sandeep", "lorraine"])
        domain = rng.choice(["aol dot com", "virgin media dot com", "gmail dot com"])
        year = pair(str(rng.randint(45, 99)))
        return [f"{name} {year}, that's {' '.join(name.upper())}, {year}, at {domain}"]

    if family == "heldout2":
        return [underscored, with_year]
    return [dotted] if family == "dev" else [spelled, dotted]


def licence_forms(family: str) -> list[Form]:
    surnames = {"dev": ["SMITH", "JONES", "CLARK"], "heldout2": ["WALSH", "KHAN9", "FORDE"]}.get(
        family, ["HUGHE", "PATEL", "MORRI"])  # fmt: skip

    def spelled(rng: random.Random) -> list[str]:
        born = (
            f"{rng.randint(5, 9)}{rng.randint(1, 12):02d}{rng.randint(10, 28)}{rng.randint(0, 9)}"
        )
        code = f"{rng.choice(surnames)}{born}AB9CD"
        return [spell(code[:5], rng), spell(code[5:11], rng), spell(code[11:], rng)]

    def nato(rng: random.Random) -> list[str]:
        born = (
            f"{rng.randint(5, 9)}{rng.randint(1, 12):02d}{rng.randint(10, 28)}{rng.randint(0, 9)}"
        )
        code = f"{rng.choice(surnames)}{born}XY7ZW"
        return [spell(code[:5], rng, nato=True), spell(code[5:11], rng),
                spell(code[11:], rng, nato=True)]  # fmt: skip

    return [spelled, nato] if family == "heldout2" else [spelled]


FORMS: dict[PiiType, Callable[[str], list[Form]]] = {
    K.CREDIT_CARD: card_forms, K.CARD_EXPIRY: expiry_forms, K.CVV: cvv_forms,
    K.SORT_CODE: sort_code_forms, K.BANK_ACCOUNT: account_forms,
    K.NATIONAL_INSURANCE_NUMBER: ni_forms, K.NHS_NUMBER: nhs_forms,
    K.DATE_OF_BIRTH: dob_forms, K.POSTCODE: postcode_forms, K.PHONE_NUMBER: phone_forms,
    K.EMAIL: email_forms, K.DRIVING_LICENCE: licence_forms,
}  # fmt: skip

# --- How it is asked, by set -----------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    questions: dict[PiiType, list[str]]
    volunteered: dict[PiiType, str]  # the supporter offers it: "My mobile number is"
    payment_all_at_once: str
    leads: list[str]
    backchannels: list[str]
    read_backs: list[tuple[str, str]]  # (before the value, after it or "")
    confirmations: list[str]
    decoys: list[str]
    openings: list[str]
    no_pii: list[tuple[str, str]]  # an exchange without a sensitive question
    # Only in sets with `SetSpec.behaviours` (dev6): how an exchange goes off the script.
    clarifications: list[str] = field(default_factory=list)  # the agent, mid-value
    hesitations: list[tuple[str, str]] = field(default_factory=list)  # (supporter, agent)
    asides: list[str] = field(default_factory=list)  # the agent, typing the value in
    offer: tuple[str, str, str] = ("", "", "")  # (agent, supporter offering, agent) for a card
    thanks: list[str] = field(default_factory=list)  # the agent, after a value, mid-payment
    # Only in `heldout2` (sixth round): how its calls go.
    chat: list[tuple[str, str]] = field(default_factory=list)  # small talk before the details
    unprompted: list[str] = field(default_factory=list)  # the caller's words before a value
    decline: tuple[str, str] = ("", "")  # (agent: the card was declined, caller: another one)
    reading: list[str] = field(default_factory=list)  # the caller, between pieces read off


DEV = Wording(
    questions={
        K.CREDIT_CARD: ["Can I take the long number on the front of your card?",
                        "What's the card number, please?"],
        K.CARD_EXPIRY: ["And the expiry date?", "When does the card expire?"],
        K.CVV: ["And the three digits on the back?", "And the security code, please?"],
        K.SORT_CODE: ["What's your sort code?"],
        K.BANK_ACCOUNT: ["And the account number?"],
        K.NATIONAL_INSURANCE_NUMBER: ["What's your national insurance number?"],
        K.NHS_NUMBER: ["Do you have your NHS number?"],
        K.DATE_OF_BIRTH: ["Can I take your date of birth?"],
        K.POSTCODE: ["And your postcode?", "What's the postcode there?"],
        K.PHONE_NUMBER: ["What's the best phone number for you?", "And a mobile number?"],
        K.EMAIL: ["What's your email address?"],
        K.DRIVING_LICENCE: ["And your driving licence number?"],
    },
    volunteered={K.PHONE_NUMBER: "My mobile number is", K.CREDIT_CARD: "The card number is",
                 K.POSTCODE: "And my postcode is", K.EMAIL: "My email is"},
    payment_all_at_once="Can I take the card number, the expiry date and the three digits "
                        "on the back?",
    leads=["Yes, it's", "It's", "Okay, it's"],
    backchannels=["Mm-hm.", "Okay."],
    read_backs=[("So that's", "is that right?")],
    confirmations=["Yes, that's right.", "Yes."],
    decoys=["I'd like to give twenty five pounds a month.", "Could you call me back after six?",
            "I've supported you since two thousand and fifteen.",
            "We had twelve people at the coffee morning."],
    openings=["Hello, I'd like to make a donation please.",
              "Hi, I want to update my details."],
    no_pii=[("Would you like to hear about our spring appeal?",
             "Yes please, that sounds lovely."),
            ("Is there anything else I can help with today?",
             "No, I think that's everything, thank you.")],
)  # fmt: skip

DEV2 = Wording(
    questions={
        K.CREDIT_CARD: ["Okay, the long card number please.",
                        "And the sixteen digits across the front?"],
        K.CARD_EXPIRY: ["Next, the expiry.", "What's the valid until date?"],
        K.CVV: ["Now the security number on the back.",
                "And the last three digits on the signature strip?"],
        K.SORT_CODE: ["What's the sort code on that?"],
        K.BANK_ACCOUNT: ["And the bank account number, please."],
        K.NATIONAL_INSURANCE_NUMBER: ["Can you give me your national insurance number?"],
        K.NHS_NUMBER: ["Have you got your NHS number handy?"],
        K.DATE_OF_BIRTH: ["And what's your date of birth?"],
        K.POSTCODE: ["And the postcode, please."],
        K.PHONE_NUMBER: ["What's a good contact number for you?"],
        K.EMAIL: ["Do you have an email we can use?"],
        K.DRIVING_LICENCE: ["What's your driving licence number?"],
    },
    volunteered={K.PHONE_NUMBER: "Oh, and my phone number is",
                 K.BANK_ACCOUNT: "My account number is", K.EMAIL: "Email me at"},
    payment_all_at_once="So I need the card number, expiry date and security code, please.",
    leads=["Uh, yeah, it's", "Right, it's", "Sure, it's"],
    backchannels=["Right.", "Yep.", "Mm."],
    read_backs=[("Okay, so that's", "is that correct?"), ("Can I just read that back,", "")],
    confirmations=["Yep.", "That's correct."],
    decoys=["I usually give about fifteen pounds.", "It's been nearly four years now.",
            "My husband gave forty pounds last May.", "There were about thirty of us."],
    openings=["Hello, I'm calling to set up a regular gift.",
              "Hi there, I'd like to change my card details."],
    no_pii=[("Did you get our letter about the summer fair?", "Yes, it came on Tuesday."),
            ("Would you like a receipt sent out?", "No, I'm fine, thanks.")],
)  # fmt: skip

DEV3 = Wording(
    questions={
        K.CREDIT_CARD: ["Go ahead with the card number when you're ready.",
                        "What's the number on the front of the card?"],
        K.CARD_EXPIRY: ["And when does that expire?", "The expiry date, please."],
        K.CVV: ["And finally the CVC.", "Can I have the three digit security code?"],
        K.SORT_CODE: ["Do you have the sort code?"],
        K.BANK_ACCOUNT: ["What's the account number?"],
        K.NATIONAL_INSURANCE_NUMBER: ["Could I have your NI number?"],
        K.NHS_NUMBER: ["Can I take your NHS number?"],
        K.DATE_OF_BIRTH: ["Could you confirm your date of birth for me?"],
        K.POSTCODE: ["What postcode is that?"],
        K.PHONE_NUMBER: ["Is there a phone number we can call you on?"],
        K.EMAIL: ["Would you give me your email address?"],
        K.DRIVING_LICENCE: ["Have you got your driving licence there?"],
    },
    volunteered={K.PHONE_NUMBER: "My number's", K.POSTCODE: "The postcode is",
                 K.CREDIT_CARD: "Here's the card, it's"},
    payment_all_at_once="Right, I'll take the card number, the expiry and the CVC.",
    leads=["Okay, that's", "Er, it's", "Mm, it's"],
    backchannels=["Uh-huh.", "Yes.", "Right, yeah."],
    read_backs=[("Let me just repeat that,", ""), ("So it's", "is that right?")],
    confirmations=["That's it, yes.", "Correct."],
    decoys=["We raised ninety pounds at the bake sale.", "I'm seventy two next week.",
            "I'll put in twenty pounds.", "It was about six months ago."],
    openings=["Hello there, I'm phoning to make a gift.", "Hi, I need to update my details."],
    no_pii=[("Shall I put you down for the newsletter?", "Yes, why not."),
            ("Would you like to hear about volunteering?", "Maybe another time, thanks.")],
)  # fmt: skip

DEV4 = Wording(
    questions={
        K.CREDIT_CARD: ["Lovely, and could I have the card number?",
                        "When you're ready, the long number across the front."],
        K.CARD_EXPIRY: ["And what's the expiry on it?", "The card expires when?"],
        K.CVV: ["And the three numbers on the back, please.", "Last bit, the CVV."],
        K.SORT_CODE: ["And your sort code?"],
        K.BANK_ACCOUNT: ["And then the account number."],
        K.NATIONAL_INSURANCE_NUMBER: ["What is your national insurance number?"],
        K.NHS_NUMBER: ["And your NHS number, if you have it?"],
        K.DATE_OF_BIRTH: ["Can you tell me your date of birth?"],
        K.POSTCODE: ["Could you give me the postcode?"],
        K.PHONE_NUMBER: ["And a telephone number?"],
        K.EMAIL: ["And your email address, please?"],
        K.DRIVING_LICENCE: ["And the driving licence number?"],
    },
    volunteered={K.CREDIT_CARD: "Right, my card number is", K.PHONE_NUMBER: "My mobile's",
                 K.EMAIL: "My email address is"},
    payment_all_at_once="I'll just need the card number, the expiry date and the security code.",
    leads=["Okay, so it's", "Um, yes, it's", "Let me see, it's"],
    backchannels=["Mm-hm.", "Yep.", "Go on."],
    read_backs=[("Okay, so that's", ""), ("Just to check, that's", "")],
    confirmations=["That's right.", "Yes, that's it."],
    decoys=["I'll give fifty pounds this time.", "I'm eighty one this year.",
            "We've got three grandchildren.", "I started in two thousand and nine."],
    openings=["Hello, I'd like to donate to the appeal.", "Hi, I've had a letter from you."],
    no_pii=[("Would you like us to claim gift aid?", "Oh yes, please do."),
            ("Can we keep in touch by post?", "That's fine.")],
)  # fmt: skip

DEV4_VOICES: dict[str, Voice] = {
    "agent_f": Voice("en-gb-x-rp+m3", rate_wpm=150, pitch=44, pitch_range=55, speed=0.95,
                     pitch_cents=-100, equalizer=((1100, 1.0, -4),)),
    "supporter_f1": Voice("en+f3", rate_wpm=145, pitch=56, pitch_range=55, speed=1.03,
                          pitch_cents=120, equalizer=((1900, 1.0, 4),)),
    "supporter_f2": Voice("en-us+m2", rate_wpm=150, pitch=40, pitch_range=45, speed=0.91,
                          pitch_cents=-60, equalizer=((650, 1.0, -3),)),
    "supporter_f3": Voice("en-gb-x-rp+f5", rate_wpm=140, pitch=60, pitch_range=45, speed=0.98,
                          pitch_cents=180, equalizer=((1400, 1.0, -5),)),
}  # fmt: skip

DEV3_VOICES: dict[str, Voice] = {
    "agent_e": Voice("en-gb-scotland+m3", rate_wpm=150, pitch=46, pitch_range=50, speed=0.98,
                     pitch_cents=-60, equalizer=((1400, 1.0, -3),)),
    "supporter_e1": Voice("en+f2", rate_wpm=150, pitch=60, pitch_range=50, speed=1.03,
                          pitch_cents=80, equalizer=((2200, 1.0, 3),)),
    "supporter_e2": Voice("en-us+m3", rate_wpm=145, pitch=38, pitch_range=40, speed=0.94,
                          pitch_cents=-120, equalizer=((800, 1.0, -3),)),
}  # fmt: skip

DEV2_VOICES: dict[str, Voice] = {
    "agent_d": Voice("en+m6", rate_wpm=150, pitch=48, pitch_range=50, speed=0.96,
                     pitch_cents=50, equalizer=((1000, 1.0, -3),)),
    "supporter_d1": Voice("en-us+f4", rate_wpm=145, pitch=58, pitch_range=55, speed=1.02,
                          pitch_cents=120, equalizer=((1800, 1.0, 3),)),
    "supporter_d2": Voice("en+m3", rate_wpm=155, pitch=42, pitch_range=45, speed=0.92,
                          pitch_cents=-80, equalizer=((700, 1.0, -4),)),
}  # fmt: skip

HELDOUT = Wording(
    questions={
        K.CREDIT_CARD: ["Could you read me the number across the card?",
                        "Right, the card number when you're ready."],
        K.CARD_EXPIRY: ["What's the end date on it?", "And it's valid to when?"],
        K.CVV: ["Then the CVV on the back, please.", "Last one, the security code."],
        K.SORT_CODE: ["And the sort code for that account?"],
        K.BANK_ACCOUNT: ["Could I take your account number?"],
        K.NATIONAL_INSURANCE_NUMBER: ["And your national insurance number, please?"],
        K.NHS_NUMBER: ["What's your NHS number, please?"],
        K.DATE_OF_BIRTH: ["And when were you born?"],
        K.POSTCODE: ["Could I take the postcode?"],
        K.PHONE_NUMBER: ["What's the best number to reach you on?"],
        K.EMAIL: ["Can I take an email address for you?"],
        K.DRIVING_LICENCE: ["Could you give me your driving licence number?"],
    },
    volunteered={K.PHONE_NUMBER: "You can ring me on my mobile, it's",
                 K.CREDIT_CARD: "I've got my card here, the number is",
                 K.DATE_OF_BIRTH: "My date of birth is"},
    payment_all_at_once="I'll need the long number, the expiry and the security code.",
    leads=["Right, um, it's", "Yeah, so it's", "Got it here, it's"],
    backchannels=["Yeah.", "Uh-huh.", "Okay."],
    read_backs=[("Just to confirm,", ""), ("Let me read that back,", "")],
    confirmations=["That's it.", "Yes, correct."],
    decoys=["I gave thirty pounds at Christmas.", "My daughter is eleven.",
            "It was about three weeks ago.", "We can do ten pounds on the first."],
    openings=["Good morning, I'm ringing about my direct debit.",
              "Hiya, I wanted to give something to the appeal."],
    no_pii=[("Shall I send you our newsletter by post?", "Oh yes, I do enjoy reading it."),
            ("Have you heard about the fun run in June?", "I have, my son is doing it.")],
)  # fmt: skip

# `dev5` (issue 14, second round): the forms people use that `dev` lacks (cards in pairs and
# tens, NATO letters, numeric dates, doubles in short groups, spelled emails), with its own
# wording, voices and seed, so that the rules are tuned on them without the held-out set.
DEV5 = Wording(
    questions={
        K.CREDIT_CARD: ["Okay, can you read out the card number for me?",
                        "And the digits on the front of the card, please."],
        K.CARD_EXPIRY: ["What's the expiry date on that card?", "And the date it runs out?"],
        K.CVV: ["And the three digit code on the back?", "Finally, the security digits."],
        K.SORT_CODE: ["Can you give me the sort code, please?"],
        K.BANK_ACCOUNT: ["And the eight digit account number?"],
        K.NATIONAL_INSURANCE_NUMBER: ["Could you tell me your national insurance number?"],
        K.NHS_NUMBER: ["Could I get your NHS number?"],
        K.DATE_OF_BIRTH: ["And your date of birth, please?"],
        K.POSTCODE: ["What's your postcode, please?"],
        K.PHONE_NUMBER: ["Can I get a phone number for you?"],
        K.EMAIL: ["And an email address?"],
        K.DRIVING_LICENCE: ["Can you read me your driving licence number?"],
    },
    volunteered={K.PHONE_NUMBER: "My number is", K.CREDIT_CARD: "Okay, the long number is",
                 K.DATE_OF_BIRTH: "I was born on", K.EMAIL: "Write down my email,"},
    payment_all_at_once="I'll need the card number, then the expiry and the code on the back.",
    leads=["Right then, it's", "Hang on, yes, it's", "Okay."],
    backchannels=["Mm-hm.", "Got it.", "Yeah, go on."],
    read_backs=[("Let me check I've got that,", "is that right?"), ("Okay, I've got", "")],
    confirmations=["Yes.", "Spot on."],
    decoys=["I gave forty pounds last year.", "My grandson is nine.",
            "It was two weeks ago.", "Put me down for fifteen pounds."],
    openings=["Hello, I'd like to sponsor my niece.", "Hi, I'm calling about a donation."],
    no_pii=[("Would you like a copy of our annual report?", "No thanks, I'm fine."),
            ("Can I tell you about our raffle?", "Go on then.")],
)  # fmt: skip

DEV5_VOICES: dict[str, Voice] = {
    "agent_g": Voice("en-gb-x-gbclan+m4", rate_wpm=155, pitch=45, pitch_range=50, speed=0.96,
                     pitch_cents=-80, equalizer=((1200, 1.0, -3),)),
    "supporter_g1": Voice("en+f4", rate_wpm=150, pitch=58, pitch_range=50, speed=1.02,
                          pitch_cents=140, equalizer=((2100, 1.0, 3),)),
    "supporter_g2": Voice("en-gb-x-gbcwmd+m2", rate_wpm=145, pitch=40, pitch_range=45,
                          speed=0.93, pitch_cents=-90, equalizer=((750, 1.0, -3),)),
}  # fmt: skip

# `dev6` (issue 14, fifth round): written before the round's rules, from the failure classes
# of the tuning sets (docs/pii.md): calls that go off the script. Answers begin before the
# question ends, the agent asks mid-value ("sorry, was that a five or a nine?") and the caller
# says a piece again, the caller goes to find the card, the agent types between questions,
# the caller offers the card number before it is asked for, values come unprompted more
# often, and read-backs come with no cue at all. Its own wording, voices and seed; tuning only.
DEV6 = Wording(
    questions={
        K.CREDIT_CARD: ["Can you read me the long number across the front?",
                        "So what are the sixteen digits on the card?",
                        "Okay, pop the card number over when you're ready."],
        K.CARD_EXPIRY: ["And the month and year it expires?", "What date does it run until?",
                        "And the expiry, month then year?"],
        K.CVV: ["And the three digit number on the signature strip?",
                "Lastly the little code on the back.", "And the three on the back, please."],
        K.SORT_CODE: ["And the sort code, the six digits?"],
        K.BANK_ACCOUNT: ["Then the account number, please."],
        K.NATIONAL_INSURANCE_NUMBER: ["Do you know your national insurance number?"],
        K.NHS_NUMBER: ["Could you read me your NHS number?"],
        K.DATE_OF_BIRTH: ["And what's your birthday, with the year?",
                          "Can I just check your date of birth?"],
        K.POSTCODE: ["And the postcode at that address?"],
        K.PHONE_NUMBER: ["And what's the best number to get hold of you?",
                         "Have you got a mobile I can take?"],
        K.EMAIL: ["Is there an email I can send the receipt to?"],
        K.DRIVING_LICENCE: ["And can you read me the number on your driving licence?"],
    },
    volunteered={K.PHONE_NUMBER: "Oh, you'll want my number, it's",
                 K.CREDIT_CARD: "I'll pay by card, the number's",
                 K.POSTCODE: "I'm at", K.EMAIL: "You can email me on",
                 K.DATE_OF_BIRTH: "I'm born", K.SORT_CODE: "The sort code's",
                 K.NHS_NUMBER: "I've got my NHS number here, it's"},
    payment_all_at_once="Can I take the card details, so the long number, when it expires, "
                        "and the three on the back?",
    leads=["Yeah, it's", "Erm, okay,", "Right, so,", "Ready? It's"],
    backchannels=["Mm-hm.", "Yeah, yeah.", "Got that.", "Uh-huh, go on."],
    read_backs=[("", ""), ("Right, I've got", "yeah?"), ("Okay,", "")],
    confirmations=["Yep, that's it.", "Mm-hm."],
    decoys=["I've been giving for about eleven years.", "Could we make it eight pounds instead?",
            "My sister gave twenty last month.", "I'll be seventy in the spring."],
    openings=["Hi, I'm ringing to pay for my raffle tickets.",
              "Hello, I want to set up a monthly gift."],
    no_pii=[("Would you like to hear about leaving a gift in your will?", "Not today, thanks."),
            ("Shall I put you down for our Christmas cards?", "Oh go on then, two packs.")],
    clarifications=["Sorry, was that a five or a nine?", "Sorry, you broke up, after the four?",
                    "Can you say that last bit again?"],
    hesitations=[("Hang on, let me just get my purse.", "No rush."),
                 ("Oh, one second, it's in the other room.", "That's fine, take your time.")],
    asides=["Bear with me, I'm just typing that in.", "Okay, let me put that on the system."],
    offer=("And how would you like to pay today?",
           "By card. Do you want the long number across the front?", "Yes please, go ahead."),
)  # fmt: skip

DEV6_VOICES: dict[str, Voice] = {
    "agent_i": Voice("en-029+m2", rate_wpm=155, pitch=46, pitch_range=50, speed=0.95,
                     pitch_cents=-70, equalizer=((1000, 1.0, -3),)),
    "supporter_i1": Voice("en-us-nyc+f2", rate_wpm=150, pitch=57, pitch_range=55, speed=1.03,
                          pitch_cents=110, equalizer=((2000, 1.0, 3),)),
    "supporter_i2": Voice("en-gb-scotland+m4", rate_wpm=145, pitch=39, pitch_range=45,
                          speed=0.92, pitch_cents=-100, equalizer=((700, 1.0, -3),)),
}  # fmt: skip

# `dev7` (fifth round): the classes the held-out misses of the round's first run fell in
# (docs/pii.md), written before the rules for them, in forms of its own: the agent's "thank
# you very much" after a value and before the read-back or the next question, cards given
# before any question, spelled codes in noise where Whisper loops. Tuning only.
DEV7 = replace(
    DEV6,
    questions={
        K.CREDIT_CARD: ["Right, go ahead with the long number.", "And the card number itself?"],
        K.CARD_EXPIRY: ["When does it expire?", "And the expiry month and year?"],
        K.CVV: ["And the last three digits on the back?",
                "The security code on the back, please."],
        K.SORT_CODE: ["What's the sort code?"],
        K.BANK_ACCOUNT: ["And the account number, please?"],
        K.NATIONAL_INSURANCE_NUMBER: ["Can I take your national insurance number?"],
        K.NHS_NUMBER: ["What's your NHS number?"],
        K.DATE_OF_BIRTH: ["And your date of birth?"],
        K.POSTCODE: ["What's your postcode?"],
        K.PHONE_NUMBER: ["And a contact number for you?"],
        K.EMAIL: ["And your email, please?"],
        K.DRIVING_LICENCE: ["And your driving licence number, please?"],
    },
    volunteered={K.CREDIT_CARD: "I want to pay by card, it's",
                 K.PHONE_NUMBER: "Take my number down, it's",
                 K.DRIVING_LICENCE: "My licence number is",
                 K.DATE_OF_BIRTH: "My birthday's"},
    read_backs=[("Just to read that back,", ""), ("", "is that right?"), ("So,", "")],
    thanks=["Thank you very much.", "Lovely, thanks so much.", "Brilliant, thank you very much."],
    openings=["Hello, I'm phoning to renew my membership.",
              "Hi, I'd like to make a one-off donation."],
)  # fmt: skip

# `heldout2` (issue 14, sixth round): a second held-out set, written before any code ran on it,
# from how people talk on the phone rather than from the rules: its own forms (the "heldout2"
# family), wording, voices and seed, and call flows no other set has: the caller reading the
# card out before anyone asks (with no word of "card" near it), a long chat before the
# payment, a second card after a decline, a card read off with pauses and no one speaking in
# them, beside answers over the question's end, the agent asking mid-value, values volunteered,
# the agent typing and thanking mid-payment. Never tuned on (docs/pii.md).
HELDOUT2 = Wording(
    questions={
        K.CREDIT_CARD: ["Okay, fire away with the numbers across the middle.",
                        "Right, what's the long one?",
                        "Can you read me what's embossed on the front?"],
        K.CARD_EXPIRY: ["And what does it say under valid thru?", "What's the date on it?",
                        "And the month and year at the bottom?"],
        K.CVV: ["Now turn it over, the last three by the signature.",
                "And the little number on the back?", "Last thing, the three on the reverse."],
        K.SORT_CODE: ["And the six digit code for the branch?"],
        K.BANK_ACCOUNT: ["And which account number will it come out of?"],
        K.NATIONAL_INSURANCE_NUMBER: ["I'll need your N I number for that, have you got it?"],
        K.NHS_NUMBER: ["Have you got the number off your NHS letter?"],
        K.DATE_OF_BIRTH: ["Just for security, when's your birthday, year and all?"],
        K.POSTCODE: ["And whereabouts are you, what's the postcode?"],
        K.PHONE_NUMBER: ["How would we get hold of you if we needed to?"],
        K.EMAIL: ["Where shall we send the confirmation, have you an email?"],
        K.DRIVING_LICENCE: ["The long reference on your licence, can you read that out?"],
    },
    volunteered={K.PHONE_NUMBER: "Before I forget, ring me back on",
                 K.CREDIT_CARD: "I'll just read it off for you,",
                 K.POSTCODE: "I've moved, I'm at", K.EMAIL: "Put me down as",
                 K.DATE_OF_BIRTH: "You'll want my birthday, it's",
                 K.BANK_ACCOUNT: "It comes out of my account,"},
    payment_all_at_once="So I'll need everything off the front and back of the card, please.",
    leads=["Ooh, right, it's", "Hang about, here we are,", "Yes love, it's", "Er,"],
    backchannels=["Mm-hm.", "Yep, yep.", "Lovely.", "Uh-huh."],
    read_backs=[("Let me say that back to you,", ""), ("", "have I got that right?"),
                ("Right, so I've got", "")],
    confirmations=["That's the one.", "Yes, spot on.", "Mm, yes."],
    decoys=["I'm eighty four in August, you know.", "We had six inches of snow in March.",
            "Number forty two bus goes right past us.", "It cost me nineteen ninety nine."],
    openings=["Hello love, I saw your advert on the telly.",
              "Oh hello, I'm ringing about that letter you sent."],
    no_pii=[("Did you manage to get to our open day?", "No, my hip's been playing up."),
            ("Would you like me to take you off the phone list?", "No, you're alright.")],
    clarifications=["Sorry, the line went, was that a three?", "Hang on, say the middle again?",
                    "Sorry, you're breaking up."],
    hesitations=[("Oh, I'll have to find my glasses.", "No problem at all."),
                 ("Just a tick, my bag's upstairs.", "You take your time.")],
    asides=["Just popping that in now.", "Computer's a bit slow today, bear with me."],
    thanks=["Ah, thank you ever so much.", "Brilliant, cheers for that."],
    chat=[("How are you keeping today?", "Oh not bad, can't complain, the weather's awful."),
          ("Have you been with us long?", "Oh years, since my husband passed really."),
          ("Did you see the piece about us in the paper?", "I did, that's why I rang."),
          ("And is this in memory of someone?", "It is, my brother, he was a nurse."),
          ("Where did you hear about the appeal?", "My neighbour told me about it.")],
    unprompted=["I'd like to give fifty pounds, I've got it in front of me,",
                "Right, I'm giving twenty, here we go,", "Ready? It's"],
    decline=("I'm ever so sorry, that's come back declined. Have you another one we could try?",
             "Oh how embarrassing, try this one."),
    reading=["Hang on,", "Er,", "Now then,", "Then"],
)  # fmt: skip

HELDOUT2_VOICES: dict[str, Voice] = {
    "agent_j": Voice("en-gb-x-rp+m2", rate_wpm=155, pitch=46, pitch_range=50, speed=0.97,
                     pitch_cents=-60, equalizer=((1300, 1.0, -3),)),
    "agent_k": Voice("en+m7", rate_wpm=150, pitch=42, pitch_range=45, speed=0.94,
                     pitch_cents=-90, equalizer=((950, 1.0, -4),)),
    "supporter_j1": Voice("en-gb-scotland+f3", rate_wpm=145, pitch=58, pitch_range=55,
                          speed=1.02, pitch_cents=130, equalizer=((2100, 1.0, 3),)),
    "supporter_j2": Voice("en-us+m6", rate_wpm=140, pitch=38, pitch_range=40, speed=0.92,
                          pitch_cents=-110, equalizer=((700, 1.0, -3),)),
    "supporter_j3": Voice("en+f1", rate_wpm=150, pitch=60, pitch_range=50, speed=1.0,
                          pitch_cents=160, equalizer=((1700, 1.0, -4),)),
    "supporter_j4": Voice("en-us-nyc+m4", rate_wpm=150, pitch=44, pitch_range=50, speed=0.96,
                          pitch_cents=-40, equalizer=((850, 1.0, 3),)),
}  # fmt: skip

# `dev8` (sixth round, tuning): the class `heldout` showed under `GENERIC` in the fifth round
# (a card number and its expiry read out before any question, with no card word near them, on
# the wrong side of the speaker stage) and heldout2's flows, in wording, voices and seed of its
# own; the card is read out unprompted in most payment calls. Written before the round's rules.
DEV8 = Wording(
    questions={
        K.CREDIT_CARD: ["Go on then, what's the number?", "And the card number, please?"],
        K.CARD_EXPIRY: ["And the expiry?", "When's it valid until?"],
        K.CVV: ["And the code on the back, please?", "The three digits on the back?"],
        K.SORT_CODE: ["And the sort code?"],
        K.BANK_ACCOUNT: ["And the account number it's from?"],
        K.NATIONAL_INSURANCE_NUMBER: ["What's your national insurance number?"],
        K.NHS_NUMBER: ["And your NHS number?"],
        K.DATE_OF_BIRTH: ["What's your date of birth, please?"],
        K.POSTCODE: ["And the postcode, please?"],
        K.PHONE_NUMBER: ["What number can we reach you on?"],
        K.EMAIL: ["And an email for the receipt?"],
        K.DRIVING_LICENCE: ["And the licence number?"],
    },
    volunteered={K.PHONE_NUMBER: "Oh, my number, it's", K.POSTCODE: "I live at",
                 K.EMAIL: "My email's", K.DATE_OF_BIRTH: "I was born"},
    payment_all_at_once="Okay, I'll take the card details now please.",
    leads=["Okay, it's", "Um,", "Right,", "Oh yes, it's"],
    backchannels=["Mm-hm.", "Yes.", "Okay."],
    read_backs=[("So I've got", ""), ("", "is that right?"), ("Read back,", "")],
    confirmations=["Yes.", "That's right."],
    decoys=["I'm seventy six next birthday.", "The bus is every twenty minutes.",
            "I paid thirty pounds for the tickets.", "We've lived here since nineteen ninety."],
    openings=["Hello, I'd like to give some money to the appeal.",
              "Hi, I got your leaflet through the door."],
    no_pii=[("Are you coming to the summer fete?", "I hope so, if it's dry."),
            ("Would you like to hear about our shops?", "Not really, thanks.")],
    clarifications=["Sorry, say that bit again?", "Was that a six?"],
    hesitations=[("Let me find my purse.", "Okay."), ("Hold on, it's in my coat.", "Sure.")],
    asides=["I'm just putting that in.", "One moment while I type."],
    thanks=["Thank you very much.", "Lovely, thank you."],
    chat=[("How's your day going?", "Oh fine, a bit cold here."),
          ("Is it for anything in particular?", "It's for my mum, she had a stroke."),
          ("Have you given to us before?", "Once or twice, yes."),
          ("Did you watch the programme last night?", "I did, it made me cry.")],
    unprompted=["I'd like to give forty pounds, so,", "Here's the number,",
                "Let me just read it off,"],
    decline=("Sorry, that's been declined. Do you have a different card?", "Oh, use this one."),
    reading=["And then", "Um,", "Okay,", "Next"],
)  # fmt: skip

# --- Calls ---------------------------------------------------------------------------------

HELDOUT_VOICES: dict[str, Voice] = {
    "agent_h": Voice("en-gb-x-rp+m5", rate_wpm=155, pitch=44, pitch_range=55, speed=0.95,
                     pitch_cents=-100, equalizer=((900, 1.0, -4),)),
    "supporter_h1": Voice("en+f5", rate_wpm=145, pitch=55, pitch_range=60, speed=1.04,
                          pitch_cents=100, equalizer=((2000, 1.0, 4),)),
    "supporter_h2": Voice("en-us+m5", rate_wpm=150, pitch=40, pitch_range=40, speed=0.9,
                          pitch_cents=-50, equalizer=((600, 1.0, -3),)),
    "supporter_h3": Voice("en-gb-x-rp+f3", rate_wpm=140, pitch=60, pitch_range=45, speed=0.97,
                          pitch_cents=200, equalizer=((1500, 1.0, -5),)),
}  # fmt: skip


@dataclass(frozen=True)
class SetSpec:
    name: str
    seed: int
    wording: Wording
    agents: list[str]
    supporters: list[str]
    voices: dict[str, Voice]
    snrs: list[float | None]
    forms: str = "dev"  # the family of forms: "dev", "heldout", or "wide" (both)
    # How exchanges go off the script (dev6; `pii_speech.exchange`): "overlap" (the answer
    # starts before the question ends), "clarify" (the agent asks mid-value and the caller
    # says a piece again), "hesitate" (the caller goes to find the card first), "aside" (the
    # agent types the value in between questions), "offer" (the caller offers the card number
    # before it is asked for), "volunteer" (values given unprompted twice as often), "thanks"
    # (the agent's "thank you very much" after a value, before the read-back); in `heldout2`
    # also "unprompted" (the caller reads the card number, and often the expiry, out straight
    # after saying why they rang, before any question and with no word of "card"), "chat"
    # (small talk before the details), "decline" (a second card after the first is declined),
    # "pauses" (a long value read off in pieces, with pauses and no one speaking in them),
    # "readback" (the agent reads back more often).
    behaviours: frozenset[str] = frozenset()
    unprompted_share: float = 0.4  # with "unprompted": of payment calls not asked all at once


SETS = {
    "dev": SetSpec("dev", 1, DEV, ["agent_a", "agent_b"], ["supporter_a", "supporter_b", "agent_c"],
                   VOICES, [None, 25.0, 18.0, 12.0]),
    "dev2": SetSpec("dev2", 51, DEV2, ["agent_d", "agent_b"], ["supporter_d1", "supporter_d2"],
                    {**VOICES, **DEV2_VOICES}, [None, 20.0, 14.0, 10.0]),
    "dev3": SetSpec("dev3", 71, DEV3, ["agent_e", "agent_a"], ["supporter_e1", "supporter_e2"],
                    {**VOICES, **DEV3_VOICES}, [None, 24.0, 16.0, 11.0]),
    "dev4": SetSpec("dev4", 91, DEV4, ["agent_f", "agent_c"],
                    ["supporter_f1", "supporter_f2", "supporter_f3"],
                    {**VOICES, **DEV4_VOICES}, [None, 22.0, 15.0, 10.0]),
    "dev5": SetSpec("dev5", 121, DEV5, ["agent_g", "agent_a"], ["supporter_g1", "supporter_g2"],
                    {**VOICES, **DEV5_VOICES}, [None, 20.0, 14.0, 10.0], "wide"),
    "dev6": SetSpec("dev6", 141, DEV6, ["agent_i", "agent_b"], ["supporter_i1", "supporter_i2"],
                    {**VOICES, **DEV6_VOICES}, [None, 18.0, 12.0, 9.0], "wide",
                    frozenset({"overlap", "clarify", "hesitate", "aside", "offer",
                               "volunteer"})),
    "dev7": SetSpec("dev7", 161, DEV7, ["agent_d", "agent_g"],
                    ["supporter_e2", "supporter_f3", "supporter_i2"],
                    {**VOICES, **DEV2_VOICES, **DEV3_VOICES, **DEV4_VOICES, **DEV5_VOICES,
                     **DEV6_VOICES}, [12.0, None, 9.0, 15.0], "wide",
                    frozenset({"overlap", "clarify", "volunteer", "aside", "thanks"})),
    "heldout": SetSpec("heldout", 101, HELDOUT, ["agent_h", "agent_c"],
                       ["supporter_h1", "supporter_h2", "supporter_h3"],
                       {**VOICES, **HELDOUT_VOICES}, [None, 22.0, 15.0, 10.0], "heldout"),
    "heldout2": SetSpec("heldout2", 181, HELDOUT2, ["agent_j", "agent_k"],
                        ["supporter_j1", "supporter_j2", "supporter_j3", "supporter_j4"],
                        {**VOICES, **HELDOUT2_VOICES}, [16.0, None, 8.0, 12.0, 6.0], "heldout2",
                        frozenset({"unprompted", "chat", "decline", "pauses", "readback",
                                   "overlap", "clarify", "hesitate", "aside", "volunteer",
                                   "thanks"})),
    "dev8": SetSpec("dev8", 201, DEV8, ["agent_f", "agent_i"],
                    ["supporter_d2", "supporter_g1", "supporter_e1"],
                    {**VOICES, **DEV2_VOICES, **DEV3_VOICES, **DEV4_VOICES, **DEV5_VOICES,
                     **DEV6_VOICES}, [14.0, None, 8.0, 11.0, 6.0], "wide",
                    frozenset({"unprompted", "chat", "decline", "pauses", "readback",
                               "overlap", "clarify", "aside", "volunteer", "thanks"}), 0.8),
}  # fmt: skip
QUIET_DB = -30.0  # a value said away from the phone: the VAD drops it


def forms_of(kind: PiiType, family: str) -> list[Form]:
    """The forms of `kind` in a family; "wide" is both families' forms."""
    if family != "wide":
        return FORMS[kind](family)
    return [*FORMS[kind]("dev"), *FORMS[kind]("heldout")]


OTHER_TYPES = [t for t in FORMS if t not in (K.CREDIT_CARD, K.CARD_EXPIRY, K.CVV)]
