"""Context words: what was said around a number decides what it is.

An 8-digit number is a bank account only near "account"; 3 digits are a CVV only near
"security code" or "back of the card"; a valid phone number is not one when it is an "order
number". Distances are counted in words, ignoring digits and spelled-out numbers, so a long
number read aloud does not push its own context out of reach. The agent's question in the
previous segment counts ("Can I take the long number?" / "4111 …").
"""

from __future__ import annotations

from dataclasses import dataclass

from angel_intelligence.pii.lexicon import HESITATION_WORDS, TURN_CHANGE
from angel_intelligence.pii.units import Lexed, Token, UnitKind

Phrase = tuple[str, ...]


def phrases(*texts: str) -> tuple[Phrase, ...]:
    return tuple(tuple(t.split()) for t in texts)


CARD = phrases(
    "card", "cards", "visa", "mastercard", "amex", "american express", "maestro", "debit",
    "credit", "long number", "card number", "front of the card", "digit number",
)  # fmt: skip
EXPIRY = phrases(
    "expiry", "expires", "expire", "expired", "expiring", "expiration", "exp", "valid until",
    "valid to",
    "valid till", "valid thru", "valid through", "end date", "runs out", "run out", "good until",
    "good thru",
)  # fmt: skip
CVV_STRONG = phrases(
    "security code", "security number", "security digits", "cvv", "cvc", "cv2", "csc", "cid",
    "card verification", "verification code", "verification number", "c v v", "c v c",
    # as Whisper mishears "CVV", or callers misname it: one letter changed or doubled ("the
    # CBV is 914", "the CSV number")
    "cbv", "cvb", "ccv", "cvn", "cvv2", "cvc2", "csv",
)  # fmt: skip
# A security code named by where it is on the card: three digits on the back by the signature
# (Visa, Mastercard), four on the front (Amex). Counts are not words here ("four" is a number),
# so "the four digits on the front" is matched as "digits on the front".
CVV = (
    *CVV_STRONG,
    *phrases(
        "back of the card", "back of your card", "on the back", "digits on the back",
        "signature", "signature strip", "signature panel", "on the reverse", "at the back",
        "round the back",
        # by its length, counts left out: "the three-digit code", "the last three digits"
        "digit code", "digit number", "last digits",
    ),
)  # fmt: skip
# Words that name a security code only where card data is being given: "…, expiry 03/29, and
# the back is 506", "… 04/27, and the code's 660". Elsewhere "the code" is any code.
CVV_WITH_CARD = phrases("the back", "code", "the digits", "security")
# A card's start date, not its expiry ("valid from 01/23"): the nearer phrase says which.
CARD_START = phrases("valid from", "start date", "issue date", "issued")
CVV_FRONT = phrases(
    "digits on the front", "numbers on the front", "code on the front", "digit code on the front",
    "digit on the front", "digit number on the front",
    # counts are not words: "the four on the front are 6612"
    "the on the front",
)  # fmt: skip
# An Amex code by what it is called and where it is: "code" with "on the front" or "Amex" near;
# or the digits, numbers or "ones" on the front, with words between ("the four digits above
# the number on the front", "the little ones on the front are…").
CODE = phrases("code", "codes")
FRONT_DIGITS = phrases("digits", "numbers", "ones", "figures", "code", "codes")
FRONT = phrases("on the front", "front of the card", "front of it")
AMEX = phrases("amex", "american express")
# "short code": Whisper's hearing of "sort code"
SORT_CODE = phrases("sort code", "sort codes", "sortcode", "sort", "short code")
BANK = phrases(
    "bank", "banks", "sort code", "direct debit", "building society", "bank details",
    "standing order", "lloyds", "barclays", "natwest", "hsbc", "santander", "nationwide",
    "halifax", "monzo", "starling", "co op", "tsb", "rbs", "metro", "first direct",
    "virgin money", "revolut", "chase", "ulster", "clydesdale", "danske",
)  # fmt: skip
ACCOUNT = phrases("account number", "account no", "account", "acc number", "acc no")
NATIONAL_INSURANCE = phrases(
    "national insurance", "ni number", "n i number", "nino", "ni", "n i", "insurance number"
)
NHS = phrases("nhs", "n h s", "health service", "nhs number", "health number", "chi number")
PHONE = phrases(
    "phone", "telephone", "mobile", "landline", "home number", "contact number", "call me",
    "call you", "call us", "call back", "ring", "ring me", "text", "text me", "reach me", "mob",
    "tel", "number to reach", "phone number", "mobile number", "whatsapp", "contact",
    # the number a person is reached on, by when or where
    "work number", "daytime number", "evening number", "best number", "office number",
)  # fmt: skip
POSTCODE = phrases("postcode", "post code", "postcodes", "postal code", "postal", "zip code")
BIRTH = phrases(
    "date of birth", "of birth", "born", "birthday", "birth date", "birthdate", "dob", "d o b",
    "birth",
)  # fmt: skip
EMAIL = phrases("email", "e mail", "e-mail", "emails", "email address", "mail")
LICENCE = phrases(
    "driving licence", "driving license", "licence", "license", "drivers licence", "licence number"
)
# Dates of other events: a date with a birth year is not a birth date when one of these is said
# ("we got married on the 3rd of June 1972").
OTHER_EVENTS = phrases(
    "married", "marry", "wedding", "anniversary", "died", "passed away", "passed", "funeral",
    "moved", "move", "retired", "retire", "joined", "join", "started", "start", "payment",
    "paid", "gift", "donation", "dated",
    # when something began, changed or was sent ("It was set up on…", "founded in 1901")
    "set up", "setup", "opened", "signed up", "registered", "began", "created", "since",
    "renewed", "cancelled", "changed", "received", "sent", "posted", "founded", "established",
    "launched", "built", "held",
)  # fmt: skip
# An organisation's own number ("call us free on 0800…", "our helpline"): its national-rate,
# freephone and premium lines (03, 08, 09) are not personal data when said so.
ORGANISATION = phrases(
    "us", "our", "we", "we're", "helpline", "freephone", "free phone", "free to call", "team",
    "lines are open", "lines open", "office", "department", "switchboard",
)  # fmt: skip
# An organisation's own address ("send it to PO Box 2217, Bristol, BS1 9TQ", "pop it into the
# office, it's Harbour House, BS1 4DB"): its postcode is not personal data.
ORGANISATION_ADDRESS = phrases(
    "po box", "p o box", "freepost", "the office", "our office", "our offices", "head office",
    "headquarters", "hq",
)  # fmt: skip
# The last digits of a card, named to tell cards apart ("the Amex ending 0243 has expired"):
# not an expiry or a security code.
CARD_ENDING = phrases("ending", "ending in", "ends in", "ending with", "ends with", "last four")
# Numbers that are references, not personal data. The nearest context wins: "my order number,
# and my phone number is 07911 123456" is a phone number.
NEGATIVE = phrases(
    "order", "orders", "reference", "ref", "invoice", "transaction", "tracking", "booking",
    "ticket", "receipt", "policy", "membership", "member", "supporter", "donor",
    # "case" as a reference only when named so ("all lower case", "in case we need you" are no
    # reference): "your case is 4410…", "the case number", "case no"
    "case number", "case ref", "case reference", "case id", "case no", "case is", "your case",
    "my case", "the case", "case numbers",
    "serial", "confirmation", "extension", "claim", "page", "version", "room", "flat", "bus",
    "reg", "registration", "charity number", "batch", "item", "product", "model",
)  # fmt: skip

# Names whose first word is no context word of its own: Gift Aid is a tax scheme, not a gift
# ("date of birth for the Gift Aid? / The 8th of September, 1989" is a date of birth). Read as
# one word, "gift_aid".
NAMES = frozenset({("gift", "aid")})
# A date near Gift Aid and no birth word is the scheme's date ("Gift Aid was added on the 2nd
# of June 1998"), not a birthday; next to a birth word, it is why the birthday was asked.
GIFT_AID = phrases("gift_aid")

# Words right after a number that make it an amount, a time or a count, not a code.
_QUANTITY_WORDS = (
    "pounds pound quid pence p percent per cent people persons years year months month weeks "
    "week days day hours hour minutes minute mins seconds times o'clock am pm km miles mile kg "
    "copies supporters children grandchildren volunteers members calls pages items tickets "
    "donations letters times"
)
QUANTITY_WORDS = frozenset(_QUANTITY_WORDS.split())
# Words right before a number that make it an amount: "the account raised 1250000", "we
# collected 2340", "it cost about 1999", "a total of 4312". A hedge may stand between.
_AMOUNT_WORDS = (
    "raised raise raising collected donated donating gave given spent cost costs costing paid "
    "pay paying owe owed owes totalled totaled total worth earned fetched sold target"
)
AMOUNT_WORDS = frozenset(_AMOUNT_WORDS.split())
_AMOUNT_HEDGES = "about around nearly almost over under just only roughly some of"
AMOUNT_HEDGES = frozenset(_AMOUNT_HEDGES.split())
# Where a number is the house's, not a code's: "the house number for the post code? / 1234"
# after an Amex is no security code.
ADDRESS_NUMBER = phrases(
    "postcode", "post code", "postal code", "house number", "door number", "flat number",
    "address", "street", "road", "lane", "avenue",
)  # fmt: skip
CURRENCY = frozenset("£$€")


@dataclass(frozen=True, slots=True)
class Nearness:
    """Distance in words to the nearest phrase before and after a span (None: not in reach)."""

    before: int | None
    after: int | None

    @property
    def nearest(self) -> int | None:
        found = [d for d in (self.before, self.after) if d is not None]
        return min(found) if found else None

    def __bool__(self) -> bool:
        return self.nearest is not None


class ContextIndex:
    """The words of a text (numbers left out) for finding context phrases near a span."""

    def __init__(self, lexed: Lexed) -> None:
        skip: set[int] = set()
        for unit in lexed.units:
            # numbers, and the speaker's "um", "er" and "oh" of dismay, are no words here: they
            # do not push a value's context out of reach ("expiry? / 09/26, oh no, erm, …")
            filler = unit.kind is UnitKind.WORD and unit.symbol in _FILLERS
            if unit.kind is UnitKind.DIGITS or filler:
                skip.update(range(unit.first, unit.last + 1))
        self._words: list[str] = []
        self._word_at: list[int] = []  # per token: index of the first word at or after it
        # per token: the last change of speaker at or before it (token index, or -1), and
        # whether a code was said between that change and it
        self._turn_of: list[int] = []
        self._code_in_turn: list[bool] = []
        code_tokens = {k for u in lexed.units if u.is_code for k in range(u.first, u.last + 1)}
        turn, code = -1, False
        for index, token in enumerate(lexed.tokens):
            self._word_at.append(len(self._words))
            if token.text == TURN_CHANGE:
                turn, code = index, False
            self._turn_of.append(turn)
            self._code_in_turn.append(code)
            code = code or index in code_tokens
            if index in skip or not token.text[0].isalpha():
                continue
            self._words.append(_word(token.lower))
        self._word_at.append(len(self._words))
        for position in range(len(self._words) - 1):
            if (self._words[position], self._words[position + 1]) in NAMES:
                self._words[position] += "_" + self._words[position + 1]
        self._lexed = lexed
        self._stops: list[int] | None = None
        self._positions: dict[str, list[int]] = {}  # word → where it is said
        for position, word in enumerate(self._words):
            self._positions.setdefault(word, []).append(position)
        self._cache: dict[tuple[Phrase, ...], list[tuple[int, int]]] = {}

    def _matches(self, wanted: tuple[Phrase, ...]) -> list[tuple[int, int]]:
        """(start, end) word positions of every occurrence of the phrases."""
        if wanted not in self._cache:
            words = self._words
            found = []
            for phrase in wanted:
                size = len(phrase)
                for start in self._positions.get(phrase[0], ()):
                    if tuple(words[start : start + size]) == phrase:
                        found.append((start, start + size))
            self._cache[wanted] = found
        return self._cache[wanted]

    def _answer_start(self, first_token: int) -> int | None:
        """Where the turn that `first_token` opens the answer of begins (a word position),
        when it is the first code said in a turn after the other party's, within
        `MAX_ANSWER_WORDS` of its start; else None."""
        turn = self._turn_of[first_token]
        if turn < 0 or self._code_in_turn[first_token]:
            return None
        start = self._word_at[turn]
        if self._word_at[first_token] - start > MAX_ANSWER_WORDS:
            return None
        return start

    def words_to_sentence_end(self, last_token: int) -> int:
        """How many words follow token `last_token` in its sentence."""
        if self._stops is None:
            self._stops = self._sentence_ends()
        return self._stops[last_token + 1] - self._word_at[last_token + 1]

    def _sentence_ends(self) -> list[int]:
        """Per token: the word position where its sentence ends ("?", "!", a full stop before
        a space, a change of speaker)."""
        tokens, text = self._lexed.tokens, self._lexed.text
        stops = [len(self._words)] * (len(tokens) + 1)
        for index in range(len(tokens) - 1, -1, -1):
            ends = _ends_sentence(text, tokens[index])
            stops[index] = self._word_at[index] if ends else stops[index + 1]
        return stops

    def near(
        self,
        wanted: tuple[Phrase, ...],
        first_token: int,
        last_token: int,
        *,
        before: int = 12,
        after: int | None = 6,
    ) -> Nearness:
        """How far the nearest of `wanted` is from tokens [first_token, last_token], within
        `before` words before it or `after` words after it (None: only before; 0 is a phrase
        straight after it)."""
        span_start = self._word_at[first_token]
        span_end = self._word_at[last_token + 1]
        best_before: int | None = None
        best_after: int | None = None
        # an organisation's own number or address said before is no question answered
        asked = wanted is not ORGANISATION and wanted is not ORGANISATION_ADDRESS
        answer_start = self._answer_start(first_token) if asked else None
        for start, end in self._matches(wanted):
            if end <= span_start:
                distance = span_start - end
                if answer_start is not None and end <= answer_start:
                    # asked in the other party's turn just before, and this is the first
                    # code of the answer: the caller's words before it (fetching the card,
                    # finding their glasses) do not push the question out of reach
                    distance = min(distance, answer_start - end)
                if distance <= before and (best_before is None or distance < best_before):
                    best_before = distance
            elif start >= span_end:
                distance = start - span_end
                if (
                    after is not None
                    and distance <= after
                    and (best_after is None or distance < best_after)
                ):
                    best_after = distance
            else:  # a context word inside the span itself ("JONES 802145 …")
                best_before = 0
        return Nearness(best_before, best_after)


_FILLERS = HESITATION_WORDS | {"oh"}
# Words a caller may say before the first number of an answer (fetching a card, finding their
# glasses) for the question before them still to reach it.
MAX_ANSWER_WORDS = 40


def _ends_sentence(text: str, token: Token) -> bool:
    if token.text in ("?", "!", TURN_CHANGE):
        return True
    return token.text == "." and (token.end == len(text) or text[token.end].isspace())


def _word(token: str) -> str:
    """The word without quotes or a clitic "'s": "The sort code's 20…", "date of birth's…"."""
    word = token.strip("'’")
    if word.endswith(("'s", "’s")) and len(word) > 3:
        word = word[:-2]
    return word


def closer(positive: Nearness, negative: Nearness) -> bool:
    """True when the positive context is at least as near as the negative one."""
    if not negative:
        return True
    if not positive:
        return False
    return _value(positive.nearest) <= _value(negative.nearest)


def _value(distance: int | None) -> int:
    return 10**6 if distance is None else distance
