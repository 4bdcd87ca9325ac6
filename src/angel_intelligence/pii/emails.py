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
from angel_intelligence.pii.email_view import email_view
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


def email_candidates(scan: Scan) -> Iterator[Candidate]:
    candidates = list(_candidates(scan))
    if not any(is_role_address(c.value) for c in candidates):
        yield from candidates
        return
    ours = _OrganisationContext(scan)
    # the organisation's, and the same address read back ("events at harbourlights dot org…")
    theirs = {c.value for c in candidates if is_role_address(c.value) and ours(c.start, c.end)}
    yield from (c for c in candidates if c.value not in theirs)


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
    view, origins = email_view(scan.lexed.tokens, turns=lx.TURN_CHANGE in scan.text)
    said_email = _EmailContext(scan)
    for start, at, end in _addresses(view):
        start_char, end_char = origins[start][0], origins[end - 1][1]
        spoken_at = scan.text[origins[at][0] : origins[at][1]].lower() == "at"
        if spoken_at and view[start:at].lower() in _NOT_MAILBOXES:
            continue  # "have a look at oxfam dot org dot uk", "find us at…": a website
        said = said_email(start_char)
        confidence = 0.95 if said else 0.9
        value = view[start:end].lower().replace(" ", "")
        if said:
            start_char, name = _name_before(scan, start_char)
            words = view[start:at].lower().split(" ")
            local = "".join(str(lx.DIGIT_WORDS.get(word, word)) for word in words)
            value = name + local + view[at:end].lower()
        yield Candidate(PiiType.EMAIL, start_char, end_char, value, confidence)
    yield from _without_top_level_domain(scan, view, origins, said_email)
    for match in _DOTTED.finditer(view):
        end = _trim(match.group(), match.end())
        text = view[match.start() : end]
        if "@" in text or not _has_domain(text) or text.count(".") < 2:
            continue
        start_char, end_char = origins[match.start()][0], origins[end - 1][1]
        if said_email(start_char):
            yield Candidate(PiiType.EMAIL, start_char, end_char, text.lower(), 0.6)


# Mail providers whose name alone is the domain: "it's jane at gmail" (the "dot com" unsaid or
# lost) is still an address.
_PROVIDERS = """gmail googlemail hotmail yahoo outlook btinternet icloud aol sky virginmedia
    talktalk ntlworld live msn protonmail"""
PROVIDERS = frozenset(_PROVIDERS.split())
_PROVIDER_AFTER = re.compile(r"([a-z]+)\b(?![@-]|\.[a-z0-9])", re.IGNORECASE)


def _without_top_level_domain(
    scan: Scan, view: str, origins: list[tuple[int, int]], said_email: _EmailContext
) -> Iterator[Candidate]:
    """An address asked for and read out to a provider's name alone after a spoken "at" ("my
    email's jane at gmail"; without "email", "she works at Sky" is a workplace)."""
    for at in (k for k, ch in enumerate(view) if ch == "@"):
        local = _LOCAL_BEFORE.search(view, 0, at)
        provider = _PROVIDER_AFTER.match(view, at + 1)
        if local is None or provider is None or provider.group(1).lower() not in PROVIDERS:
            continue
        if scan.text[origins[at][0] : origins[at][1]].lower() != "at":
            continue
        start = _spelled_start(view, local.start())
        if view[start:at].lower() in _NOT_MAILBOXES or not said_email(origins[start][0]):
            continue
        value = view[start : provider.end()].lower().replace(" ", "")
        yield Candidate(
            PiiType.EMAIL, origins[start][0], origins[provider.end() - 1][1], value, 0.8
        )


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
            yield _spelled_start(view, local.start()), at, end


def _spelled_start(view: str, start: int) -> int:
    """The start of a name read with letters or digits one by one before the "at" ("J O N E S
    at…", "jonesy 1 2 3 at…", "tom underscore brown 99 at…"): each single letter or number
    takes the piece before it, unless that is a word that ends a name ("it's J O N E S")."""
    while start >= 2 and view[start - 1] == " ":
        current = re.split(r"[ @]", view[start:], maxsplit=1)[0]
        # a number said in words is a number too ("ann dot lee / Mm-hm. / twenty-two at…")
        said = all(part.lower() in lx.NUMBER_WORDS for part in current.split("-"))
        if not (len(current) == 1 or current.isdigit() or said):
            break
        previous = view[: start - 1].rsplit(" ", 1)[-1]
        # among letters spelled one by one, "I" is a letter ("J E N K I N S"), not the pronoun
        spelled = len(previous) == 1 and len(current) == 1
        if not previous or not previous[-1].isalnum():
            break
        if previous.lower() in _NOT_NAMES and not spelled:
            break
        start -= len(previous) + 1
    return start


# Words before a spoken "at" and a domain that make it a place to look, not a mailbox.
_NOT_MAILBOXES_WORDS = """look looking us me you them him her it online website site web here
    there find visit"""
_NOT_MAILBOXES = frozenset(_NOT_MAILBOXES_WORDS.split())

# Words that end a name read before an address ("my email is jane …"): not part of it.
_NOT_NAMES_WORDS = """is it's its email e-mail mail address my the at and yes yeah so ok okay it
    that's er um please right on to was oh no sorry well i think from via with for"""
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


class _OrganisationContext:
    """Whether "us", "our", "we"… was said just before a character position, or just after
    ("just email supportercare@… or ring us")."""

    def __init__(self, scan: Scan) -> None:
        self._scan = scan
        self._token_at = {t.start: i for i, t in enumerate(scan.lexed.tokens)}
        self._token_to = {t.end: i for i, t in enumerate(scan.lexed.tokens)}

    def __call__(self, start_char: int, end_char: int) -> bool:
        first, last = self._token_at.get(start_char), self._token_to.get(end_char)
        if first is None or last is None:
            return False
        near = self._scan.context.near(_SENDER, first, last, before=4, after=3)
        return bool(near)


# "us", "our", "team"…; and "an email from supportercare@…": the address a message came from.
_SENDER = (*ctx.ORGANISATION, *ctx.phrases("from"))


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
