"""Cues: the words that ask for PII, announce it, or read it back, found as Whisper hears them.

A cue is a short phrase ("long number on the front", "sort code", "when were you born",
"just to confirm"), matched word by word and loosely, because the ASR mishears these words
too: each word may differ by a few letters ("short code", "expire" for "expiry"; how many is
`PiiPolicy.cue_similarity`, 0.8 of the longer word's letters must agree), the small words
("the", "your", "on") may be swapped, dropped or added, and one other word may slip in
between. Split and joined spellings ("post code", "e mail", "N H S") are phrases of their
own. Cues are matched inside one segment (a phrase does not run across speakers).

Kinds: a QUESTION (or a supporter's "my card number is") opens a window on the answer that
follows; so does a REQUEST for details of no named kind ("can I take your…", "what's your…":
how agents ask, and what is left of a question when Whisper garbles the thing asked for, e.g.
"can I take your date on where"); a READ_BACK ("so that's", "just to confirm") opens one on
the reader's own words that follow; a CHECK ("is that right?") closes a read-back, whose value
came just before it; a RELEASE ("anything else", "thank you so much for your support") ends a
run of follow-up questions (windows.py).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii.stream import CallStream

K = PiiType


class CueKind(enum.Enum):
    QUESTION = "question"
    REQUEST = "request"
    READ_BACK = "read_back"
    CHECK = "check"
    RELEASE = "release"

    @property
    def opens_window(self) -> bool:
        return self in (CueKind.QUESTION, CueKind.REQUEST)


@dataclass(frozen=True, slots=True)
class CuePhrase:
    rule: str  # recorded with the bleep: "card_number", "read_back", …
    pii_type: PiiType | None  # what is asked for (None: an address, "your details")
    kind: CueKind
    words: tuple[str, ...]
    strong: bool = True  # a READ_BACK that opens without digits following it ("just to confirm")


@dataclass(frozen=True, slots=True)
class Cue:
    """A phrase heard: tokens [first, last] of the stream (indices into `CallStream.tokens`)."""

    phrase: CuePhrase
    first: int
    last: int
    segment: int


def _phrases(
    rule: str, kind_of: PiiType | None, *texts: str, kind: CueKind = CueKind.QUESTION
) -> list[CuePhrase]:
    return [CuePhrase(rule, kind_of, kind, _words(t)) for t in texts]


def _words(text: str) -> tuple[str, ...]:
    """A phrase normalised as tokens are (`TimedToken.norm`): "driver's" → "drivers"."""
    return tuple("".join(ch for ch in word.lower() if ch.isalnum()) for word in text.split())


QUESTIONS: list[CuePhrase] = [
    *_phrases("card_number", K.CREDIT_CARD, "card number", "long number", "long card number",
              "number on the front", "number on the card", "number across the card",
              "number on the front of the card", "sixteen digit", "16 digit", "card details",
              "long number on the card", "digits on the front", "number of the card",
              "card's number", "cards number", "card no",
              # Paying by card announces the card number (issue 14, round 5: "I want to pay
              # by card, it's …", the question never asked, heard as "pay my card with").
              "pay by card", "pay on my card", "pay with my card", "pay with a card",
              "card payment", "debit card", "credit card"),
    *_phrases("expiry", K.CARD_EXPIRY, "expiry", "expiry date", "expires", "expire",
              "expiration", "end date", "valid to", "valid until", "valid till", "valid thru",
              "valid through", "expiring", "expired", "expiry day"),
    *_phrases("security_code", K.CVV, "security code", "security number", "security digits",
              "cvv", "cvc", "cv2", "c v v", "c v c", "three digits", "3 digits",
              "digits on the back", "number on the back", "last three digits",
              "three numbers on the back", "verification code", "see vee vee"),
    *_phrases("sort_code", K.SORT_CODE, "sort code", "sortcode", "sort codes", "source code",
              "short code"),
    *_phrases("account_number", K.BANK_ACCOUNT, "account number", "account no", "bank account",
              "bank details", "account details"),
    *_phrases("national_insurance", K.NATIONAL_INSURANCE_NUMBER, "national insurance",
              "ni number", "n i number", "insurance number", "nino"),
    *_phrases("nhs_number", K.NHS_NUMBER, "nhs number", "n h s number", "nhs no",
              "health service number", "nhs numbers"),
    *_phrases("date_of_birth", K.DATE_OF_BIRTH, "date of birth", "birth date", "birthday",
              "when were you born", "when was you born", "dob", "d o b", "year of birth",
              "born on", "day of birth"),
    *_phrases("postcode", K.POSTCODE, "postcode", "post code", "postal code", "postcodes"),
    *_phrases("address", None, "first line of your address", "first line of the address",
              "your address", "my address", "house number", "street name", "home address",
              "address line", "where do you live", "the address"),
    *_phrases("phone_number", K.PHONE_NUMBER, "phone number", "telephone number",
              "mobile number", "contact number", "best number", "number to reach you",
              "number to reach you on", "number to call you", "reach you on", "ring you on",
              "call you on", "ring me on", "call me on", "your mobile", "my mobile",
              "landline", "home number", "phone numbers", "mobile phone", "telephone"),
    *_phrases("email", K.EMAIL, "email address", "e mail address", "your email", "my email",
              "email is", "e mail", "emails address", "email addresses"),
    *_phrases("driving_licence", K.DRIVING_LICENCE, "driving licence number",
              "driving licence", "driving license",
              "drivers licence", "drivers license", "driver's licence", "driver's license",
              "licence number", "license number"),
]  # fmt: skip
REQUESTS: list[CuePhrase] = _phrases(
    "request", None, "can i take your", "could i take your", "may i take your",
    "can i have your", "could i have your", "may i have your", "whats your", "what is your",
    "do you have your", "could you give me your", "can you give me your", "could you read me",
    "can you read me", "could you confirm your", "can you confirm your",
    "can you tell me your", "could you tell me your", "ill need your", "ill need the",
    "i need your", "i just need your", kind=CueKind.REQUEST,
)  # fmt: skip
RELEASES: list[CuePhrase] = _phrases(
    "release", None, "anything else", "thank you so much", "thank you very much",
    "for your support", "goodbye", "bye", "have a lovely day", "have a nice day",
    "have a good day", "take care", "all done", "gone through", "been processed", "all set up",
    "how much", "gift aid", "how can i help", kind=CueKind.RELEASE,
)  # fmt: skip
READ_BACKS: list[CuePhrase] = [
    *_phrases("read_back", None, "read that back", "read it back", "read back",
              "just to confirm", "to confirm", "let me confirm", "can i confirm",
              "let me repeat", "repeat that back", "double check", "just to check",
              kind=CueKind.READ_BACK),
    *[CuePhrase("read_back", None, CueKind.READ_BACK, _words(t), strong=False)
      for t in ("so that's", "so that is", "so it's", "that's", "so thats")],
    *_phrases("read_back", None, "is that right", "is that correct", "have i got that right",
              "did i get that right", "that right", "is it right", kind=CueKind.CHECK),
]  # fmt: skip
PHRASES = QUESTIONS + REQUESTS + READ_BACKS + RELEASES

# Small words that may be swapped ("number on your card" for "on the card"), dropped or added.
FUNCTION_WORDS = frozenset(
    {"the", "your", "my", "a", "an", "on", "of", "to", "for", "at", "in", "that", "this", "it"}
)
ADDRESSING = frozenset({"your", "the", "a", "an", "that", "this"})
MAX_INSERTED = 1  # one other word may slip in between a question's words


def find_cues(stream: CallStream, similarity: float = 0.8) -> list[Cue]:
    """Every cue in the call, in order (an overlapping shorter cue of the same kind dropped)."""
    found: list[Cue] = []
    for segment, indices in enumerate(stream.by_segment):
        words = [(k, stream.tokens[k].norm) for k in indices if stream.tokens[k].norm]
        for start in range(len(words)):
            for phrase in PHRASES:
                loose = phrase.kind is CueKind.QUESTION
                end = _match(phrase.words, words, start, similarity, loose=loose)
                if end is not None:
                    found.append(Cue(phrase, words[start][0], words[end][0], segment))
    return _without_vague_requests(_longest(found))


def _without_vague_requests(cues: list[Cue]) -> list[Cue]:
    """A request that names what it asks for ("what's your postcode") is that question."""
    named = [c for c in cues if c.phrase.kind is CueKind.QUESTION]
    return [
        c
        for c in cues
        if c.phrase.kind is not CueKind.REQUEST
        or not any(q.segment == c.segment and 0 < q.first - c.last <= 6 for q in named)
    ]


def _longest(cues: list[Cue]) -> list[Cue]:
    """Keep, of cues that overlap, the longest ("long card number" over "long number"; a
    question over a request: "what's your postcode" is both)."""
    kept: list[Cue] = []
    for cue in sorted(cues, key=lambda c: (c.first - c.last, c.first)):
        if not any(
            _same_kind(k, cue) and k.first <= cue.last and cue.first <= k.last for k in kept
        ):
            kept.append(cue)
    return sorted(kept, key=lambda c: (c.first, c.last))


def _same_kind(a: Cue, b: Cue) -> bool:
    return a.phrase.kind is b.phrase.kind or (
        a.phrase.kind.opens_window and b.phrase.kind.opens_window
    )


def _match(
    phrase: tuple[str, ...],
    words: list[tuple[int, str]],
    start: int,
    similarity: float,
    *,
    loose: bool,
) -> int | None:
    """The index (into `words`) of the last word of `phrase` heard from `start`, or None.

    Loosely (a question naming what it asks for): small words inside a phrase with two other
    words may be dropped (not at its end: "call me on" is not "call me"), and one other word
    may be misheard beyond recognition in a phrase of three ("driving Ivan's number").
    Generic phrases ("can I take your", "just to confirm")
    must be heard whole: "how can I help" is not "can I take your"."""
    if not _alike(phrase[0], words[start][1], similarity):
        return None
    content = sum(1 for w in phrase if w not in FUNCTION_WORDS)
    budget = _Budget(MAX_INSERTED if loose else 0, int(loose and content >= 3), loose)
    ends = list(_extend(phrase, 1, words, start + 1, budget, similarity))
    return min(ends) - 1 if ends else None


@dataclass(frozen=True, slots=True)
class _Budget:
    inserts: int  # other words that may slip in
    substitutions: int  # words that may be misheard beyond recognition
    loose: bool  # small words may be dropped (inside the phrase) or swapped for any other

    def spend(self, *, insert: bool = False, substitute: bool = False) -> _Budget:
        return _Budget(self.inserts - insert, self.substitutions - substitute, self.loose)


def _extend(
    phrase: tuple[str, ...],
    j: int,
    words: list[tuple[int, str]],
    k: int,
    budget: _Budget,
    similarity: float,
) -> Iterator[int]:
    """Word positions just after a match of phrase[j:] from words[k:]."""
    if j == len(phrase):
        yield k
        return
    wanted = phrase[j]
    small = wanted in FUNCTION_WORDS
    if small and budget.loose and j < len(phrase) - 1:  # "call me on" is not "call me"
        yield from _extend(phrase, j + 1, words, k, budget, similarity)
    if k >= len(words):
        return
    heard = words[k][1]
    if _alike(wanted, heard, similarity) or (small and _swappable(wanted, heard, budget)):
        yield from _extend(phrase, j + 1, words, k + 1, budget, similarity)
    elif len(wanted) >= 4 and budget.substitutions > 0 and heard not in FUNCTION_WORDS:
        yield from _extend(phrase, j + 1, words, k + 1, budget.spend(substitute=True), similarity)
    if heard in FUNCTION_WORDS:  # an extra small word slipped in
        yield from _extend(phrase, j, words, k + 1, budget, similarity)
    elif budget.inserts > 0:
        yield from _extend(phrase, j, words, k + 1, budget.spend(insert=True), similarity)


@lru_cache(maxsize=65536)
def _swappable(wanted: str, heard: str, budget: _Budget) -> bool:
    """Small words that stand for each other: any two in a question naming what it asks for;
    in a generic phrase only the ones pointing at the listener ("can I take your" / "the",
    never "my": "I need to update my details" asks for nothing)."""
    if budget.loose:
        return heard in FUNCTION_WORDS
    return wanted in ADDRESSING and heard in ADDRESSING


@lru_cache(maxsize=65536)
def _alike(wanted: str, heard: str, similarity: float) -> bool:
    """The same word, misheard by at most (1 - similarity) of its letters; words of five
    letters or fewer exactly (one letter wrong makes another word: "cvv" and "cv2", "whats" and
    "thats")."""
    if wanted == heard:
        return True
    longest = max(len(wanted), len(heard))
    budget = int((1.0 - similarity) * longest + 1e-9)
    if longest <= 5 or budget == 0 or abs(len(wanted) - len(heard)) > budget:
        return False
    return _edits(wanted, heard, budget) <= budget


def _edits(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]
