"""Email addresses, written ("jane.smith@example.co.uk") or read aloud ("jane dot smith at
example dot co dot uk", "john underscore brown at gmail dot com").

Spoken forms are rewritten into an *email view* of the text, with an offset map back to the
original characters: "dot" → ".", "at" → "@", "underscore" → "_", "dash"/"hyphen" → "-", and no
spaces around them. A standard address pattern then runs on the view. Whisper sometimes drops
the "at" ("jain.miss.example.co.uk"): after "email", a dotted name ending in a known top-level
domain is still taken (at lower confidence), because it is still someone's address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from angel_intelligence.domain.pii import PiiType
from angel_intelligence.pii import context as ctx
from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii.scan import Candidate, Scan
from angel_intelligence.pii.units import Token

WRITTEN = re.compile(
    r"(?<![\w.+'-])[A-Za-z0-9][A-Za-z0-9._%+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)
_LOCAL_BEFORE = re.compile(r"[a-z0-9][a-z0-9._%+'-]*$", re.IGNORECASE)
_DOMAIN_AFTER = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.IGNORECASE)
_DOTTED = re.compile(r"(?<![a-z0-9._'@-])[a-z0-9][a-z0-9_'-]*(?:\.[a-z0-9_'-]+){2,}", re.IGNORECASE)
_TOP_LEVEL_DOMAINS = (
    "com uk org net gov ac edu io info biz me ie eu scot wales cymru london co tv de fr es it nl "
    "au ca us app online email nz"
)
TOP_LEVEL_DOMAINS = frozenset(_TOP_LEVEL_DOMAINS.split())
_SPOKEN: dict[str, str] = {"dot": ".", "at": "@", "underscore": "_", "dash": "-", "hyphen": "-"}
_JOINERS = frozenset({".", "@", "_", "-"})


def email_candidates(scan: Scan) -> Iterator[Candidate]:
    ours = _OrganisationContext(scan)
    for candidate in _candidates(scan):
        if not (is_role_address(candidate.value) and ours(candidate.start)):
            yield candidate


# An organisation's role address said as its own ("email us at supportercare@charity.org.uk",
# "our address is info@…") names no one: not personal data. A supporter's "my email's hello at
# greenfieldsfarm dot co dot uk" is theirs. A role address's name is made of these words only.
_ROLE_WORDS = """info information enquiries enquiry support supporter supporters care customer
    customers service services hello contact contacts admin donations donate donation fundraising
    office help team noreply no reply feedback press media accounts finance events volunteering
    volunteers appeals legacy legacies giftaid gift aid membership members general mail post
    reception sales web"""
ROLE_WORDS = frozenset(_ROLE_WORDS.split())


def is_role_address(address: str) -> bool:
    """The name of the address is role words only ("supportercare", "gift.aid", "no-reply")."""
    local = address.split("@", 1)[0].lower()
    parts = [p for p in re.split(r"[._-]", local) if p]
    return bool(parts) and all(_role_words(part) for part in parts)


def _role_words(name: str) -> bool:
    """`name` is role words run together ("supportercare" is "supporter" + "care")."""
    ends = {0}
    for end in range(1, len(name) + 1):
        if any(name[start:end] in ROLE_WORDS for start in ends if start < end):
            ends.add(end)
    return len(name) in ends


def _candidates(scan: Scan) -> Iterator[Candidate]:
    for match in WRITTEN.finditer(scan.text):
        start, end = match.start(), _trim(match.group(), match.end())
        if _has_domain(scan.text[start:end]):
            yield Candidate(PiiType.EMAIL, start, end, scan.text[start:end].lower(), 0.95)
    view, origins = _email_view(scan.lexed.tokens)
    said_email = _EmailContext(scan)
    for start, at, end in _addresses(view):
        start_char, end_char = origins[start][0], origins[end - 1][1]
        spoken_at = scan.text[origins[at][0] : origins[at][1]].lower() == "at"
        if spoken_at and view[start:at].lower() in _NOT_MAILBOXES:
            continue  # "have a look at oxfam dot org dot uk", "find us at…": a website
        said = said_email(start_char)
        confidence = 0.95 if said else 0.9
        value = view[start:end].lower()
        if said:
            start_char, name = _name_before(scan, start_char)
            local = view[start:at].lower()
            value = name + str(lx.DIGIT_WORDS.get(local, local)) + view[at:end].lower()
        yield Candidate(PiiType.EMAIL, start_char, end_char, value, confidence)
    for match in _DOTTED.finditer(view):
        end = _trim(match.group(), match.end())
        text = view[match.start() : end]
        if "@" in text or not _has_domain(text) or text.count(".") < 2:
            continue
        start_char, end_char = origins[match.start()][0], origins[end - 1][1]
        if said_email(start_char):
            yield Candidate(PiiType.EMAIL, start_char, end_char, text.lower(), 0.6)


def _addresses(view: str) -> Iterator[tuple[int, int, int]]:
    """Every address (start, "@", end) around each "@" of the view. Not one regex scan: in
    "email me at helen.wood at sky.com" the first "at" would take "helen.wood" as its domain
    and hide the address."""
    for at in (k for k, ch in enumerate(view) if ch == "@"):
        local = _LOCAL_BEFORE.search(view, 0, at)
        domain = _DOMAIN_AFTER.match(view, at + 1)
        if local is None or domain is None:
            continue
        end = _trim(domain.group(), domain.end())
        if _has_domain(view[at + 1 : end]):
            yield local.start(), at, end


# Words before a spoken "at" and a domain that make it a place to look, not a mailbox.
_NOT_MAILBOXES_WORDS = """look looking us me you them him her it online website site web here
    there find visit"""
_NOT_MAILBOXES = frozenset(_NOT_MAILBOXES_WORDS.split())

# Words that end a name read before an address ("my email is jane …"): not part of it.
_NOT_NAMES_WORDS = """is it's its email e-mail mail address my the at and yes yeah so ok okay it
    that's er um please right on to was oh no sorry well i think"""
_NOT_NAMES = frozenset(_NOT_NAMES_WORDS.split())
_MAX_NAME_WORDS = 4  # "j smith one two three at…"


def _name_before(scan: Scan, start_char: int) -> tuple[int, str]:
    """The start of the name said just before the address when it was asked for, and the name
    as it is spelled: Whisper writes "Susan Dotsmith at email.com" for "susan dot smith at…",
    losing the dot, and callers say "j smith one two three at…"."""
    tokens = scan.lexed.tokens
    index = next((k for k, t in enumerate(tokens) if t.start == start_char), None)
    if index is None:
        return start_char, ""
    words: list[Token] = []
    for k in range(index - 1, max(index - 1 - _MAX_NAME_WORDS, -1), -1):
        before, after = tokens[k], tokens[k + 1]
        gap = scan.text[before.end : after.start]
        word = before.lower.replace("’", "'").removesuffix("'s")
        if not before.text.isalnum() or word in _NOT_NAMES or not gap.isspace():
            break
        words.insert(0, before)
    if not words:
        return start_char, ""
    spelled = "".join(str(lx.DIGIT_WORDS.get(w.lower, w.lower)) for w in words)
    return words[0].start, spelled


def _trim(matched: str, end: int) -> int:
    """Drop sentence punctuation the pattern took at the end ("…co.uk.")."""
    while matched and matched[-1] in ".-'_":
        matched, end = matched[:-1], end - 1
    return end


def _has_domain(address: str) -> bool:
    domain = address.rsplit("@", 1)[-1]
    labels = domain.lower().split(".")
    return len(labels) >= 2 and labels[-1] in TOP_LEVEL_DOMAINS and all(labels)


def _email_view(tokens: tuple[Token, ...]) -> tuple[str, list[tuple[int, int]]]:
    """The text with spoken email punctuation written out, and each character's origin."""
    parts: list[str] = []
    origins: list[tuple[int, int]] = []
    previous_joiner = True
    interruptions = _interruptions(tokens)
    for index, token in enumerate(tokens):
        if index in interruptions:
            continue
        symbol = _SPOKEN.get(token.lower, token.text)
        if token.lower == "at" and not _between_words(tokens, index):
            symbol = token.text
        joiner = symbol in _JOINERS
        if parts and not joiner and not previous_joiner:
            gap = (tokens[index - 1].end, token.start)
            parts.append(" ")
            origins.append(gap)
        parts.append(symbol)
        origins.extend([(token.start, token.end)] * len(symbol))
        previous_joiner = joiner
    return "".join(parts), origins


def _interruptions(tokens: tuple[Token, ...]) -> set[int]:
    """Tokens of a back-channel said inside an address, right after its "@" or a spoken "dot"
    ("w.okafor@ / yep / yahoo.com"): the other party's "yep" is not part of it. (After a
    written full stop it is a new sentence.)"""
    found: set[int] = set()
    for index, token in enumerate(tokens):
        if index == 0 or token.lower not in lx.BACK_CHANNEL_WORDS:
            continue
        if tokens[index - 1].lower not in ("@", "at", "dot"):
            continue
        end = index
        while end + 2 < len(tokens) and tokens[end + 1].text == "-":
            if tokens[end + 2].lower not in lx.BACK_CHANNEL_WORDS:
                break
            end += 2
        after = tokens[end + 1] if end + 1 < len(tokens) else None
        if after is not None and after.text[0].isalnum() and end - index < 4:
            found.update(range(index, end + 1))
    return found


def _between_words(tokens: tuple[Token, ...], index: int) -> bool:
    return (
        0 < index < len(tokens) - 1
        and tokens[index - 1].text[0].isalnum()
        and tokens[index + 1].text[0].isalnum()
    )


class _OrganisationContext:
    """Whether "us", "our", "we"… was said just before a character position."""

    def __init__(self, scan: Scan) -> None:
        self._scan = scan
        self._token_at = {t.start: i for i, t in enumerate(scan.lexed.tokens)}

    def __call__(self, start_char: int) -> bool:
        index = self._token_at.get(start_char)
        if index is None:
            return False
        near = self._scan.context.near(ctx.ORGANISATION, index, index, before=4, after=None)
        return bool(near)


class _EmailContext:
    """Whether "email" was said shortly before a character position."""

    def __init__(self, scan: Scan) -> None:
        self._scan = scan
        self._token_at = {t.start: i for i, t in enumerate(scan.lexed.tokens)}

    def __call__(self, start_char: int) -> bool:
        index = self._token_at.get(start_char)
        if index is None:
            return False
        near = self._scan.context.near(ctx.EMAIL, index, index, before=8, after=None)
        return bool(near)
