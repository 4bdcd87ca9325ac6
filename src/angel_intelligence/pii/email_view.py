"""The email view of a text: spoken email punctuation written out, with each character's origin.

"jane dot smith at example dot co dot uk" becomes "jane.smith@example.co.uk": "dot" → ".",
"at" (between two words) → "@", "underscore" → "_", "dash"/"hyphen" → "-", with no spaces
around them. What is said inside an address and is not part of it is left out: the other
party's back-channel after its "@" ("w.okafor@ / yep / yahoo.com") or before a spoken "dot"
that goes on with it ("…at yahoo. / Okay. / dot co dot uk"), "sign" in "at sign", the space
in a provider Whisper writes as two words ("BT internet"), the commas Whisper writes around a
spoken "dot" or "at" when an address is read slowly ("margaret, dot, hughes, at, gmail, dot,
com") and the words that spell a letter ("C for Charlie").
"""

from __future__ import annotations

from angel_intelligence.pii import lexicon as lx
from angel_intelligence.pii.units import Token

SPOKEN: dict[str, str] = {"dot": ".", "at": "@", "underscore": "_", "dash": "-", "hyphen": "-"}
JOINERS = frozenset({".", "@", "_", "-"})


def email_view(
    tokens: tuple[Token, ...], *, turns: bool = True
) -> tuple[str, list[tuple[int, int]]]:
    """The text with spoken email punctuation written out, and each character's origin
    (`turns`: the text has turn changes, `lx.TURN_CHANGE`)."""
    skipped = _interruptions(tokens) | _commas_round_joiners(tokens) | _spelling_words(tokens)
    skipped |= _at_sign_words(tokens)
    if turns:
        skipped |= _back_channel_turns(tokens)
    kept = [token for index, token in enumerate(tokens) if index not in skipped]
    kept = _without_commas_between_letters(kept)
    split = _split_providers(kept)
    parts: list[str] = []
    origins: list[tuple[int, int]] = []
    previous_joiner = True
    for index, token in enumerate(kept):
        symbol = SPOKEN.get(token.lower, token.text)
        if token.lower == "at" and not _between_words(kept, index):
            symbol = token.text
        # a full stop before a space ends a sentence ("…co.uk. Seventy-one, not seventy")
        joiner = symbol in JOINERS and not _ends_sentence(kept, index)
        if parts and not joiner and not previous_joiner and index not in split:
            parts.append(" ")
            origins.append((kept[index - 1].end, token.start))
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


def _ends_sentence(tokens: list[Token], index: int) -> bool:
    token = tokens[index]
    return token.text == "." and index + 1 < len(tokens) and tokens[index + 1].start > token.end


def _back_channel_turns(tokens: tuple[Token, ...]) -> set[int]:
    """The other party's turn of a back-channel only, in labelled text, between two parts of
    an address ("f dot adeyemi / Agent: Mm-hmm. / Supporter: at outlook dot com")."""
    found: set[int] = set()
    changes = [index for index, token in enumerate(tokens) if token.text == lx.TURN_CHANGE]
    for index in changes:
        if index == 0:
            continue
        end, words = index + 1, 0
        while end < len(tokens) and tokens[end].text != lx.TURN_CHANGE:
            if tokens[end].lower in lx.TURN_BACK_CHANNEL_WORDS:
                words += 1
            elif tokens[end].text not in "-,.!":
                break
            end += 1
        if not (end < len(tokens) and tokens[end].text == lx.TURN_CHANGE):
            continue
        if not 0 < words <= lx.MAX_BACK_CHANNEL_WORDS or end + 1 >= len(tokens):
            continue
        before, after = tokens[index - 1], tokens[end + 1]
        if before.text[0].isalnum() and (after.text[0].isalnum() or after.text == "@"):
            found.update(range(index, end + 1))
        elif (
            before.text in ",."
            and index >= 2
            and tokens[index - 2].text[0].isalnum()
            and (
                after.lower in ("dot", "underscore")
                or after.text == "at"
                # "bob hayes 77 at, / Agent: Mm-hmm. / Supporter: outlook dot com"
                or (tokens[index - 2].lower == "at" and after.text[0].isalnum())
            )
        ):
            # "lewisj8 at live, / Agent: Mm-hm. / Supporter: dot co dot uk": the pause ends
            # no sentence where the address goes on with a "dot" (or an "at" Whisper wrote in
            # lower case, going on with the sentence: "D-A-V-E, / Mm-hm. / at sky dot com")
            found.update(range(index - 1, end + 1))
    return found


# Mail providers whose one-word domain Whisper writes as two words ("at BT internet dot com").
SPLIT_PROVIDERS = frozenset(
    {("bt", "internet"), ("virgin", "media"), ("talk", "talk"), ("blue", "yonder"),
     ("ntl", "world"), ("sky", "mail")}
)  # fmt: skip


def _split_providers(tokens: list[Token]) -> set[int]:
    """Indices of the second word of a provider said in two words after "at" or "@"."""
    return {
        index
        for index in range(2, len(tokens))
        if (tokens[index - 1].lower, tokens[index].lower) in SPLIT_PROVIDERS
        and tokens[index - 2].lower in ("at", "@")
    }


def _at_sign_words(tokens: tuple[Token, ...]) -> set[int]:
    """ "sign" or "symbol" after a spoken "at" ("barry dot davies at sign sky dot com")."""
    return {
        index
        for index in range(1, len(tokens))
        if tokens[index].lower in ("sign", "symbol") and tokens[index - 1].lower == "at"
    }


def _spelling_words(tokens: tuple[Token, ...]) -> set[int]:
    """The words that spell out a letter ("C for Charlie", "C as in Charlie"): the address
    has the letter only ("helen dot C for Charlie dot ward" is helen.c.ward)."""
    found: set[int] = set()
    for index, token in enumerate(tokens[:-2]):
        if not (token.text.isalpha() and len(token.text) == 1):
            continue
        words = 3 if tokens[index + 1].lower == "as" and tokens[index + 2].lower == "in" else 2
        if words == 2 and tokens[index + 1].lower != "for":
            continue
        if index + words >= len(tokens):
            continue
        spelled = tokens[index + words].text
        if len(spelled) > 1 and spelled.isalpha() and spelled[0].lower() == token.lower:
            found.update(range(index + 1, index + words + 1))
    return found


def _commas_round_joiners(tokens: tuple[Token, ...]) -> set[int]:
    """Commas straight before or after a spoken "dot", "at" or "underscore" that has a word
    on its other side: pauses in an address read out slowly."""
    found: set[int] = set()
    for index, token in enumerate(tokens):
        if token.text == "." and _resumed_after_stop(tokens, index):
            found.add(index)
            continue
        if token.text != ",":
            continue
        for joiner, other in ((index - 1, index - 2), (index + 1, index + 2)):
            if not (0 <= other < len(tokens) and tokens[joiner].lower in SPOKEN):
                continue
            if tokens[other].text[0].isalnum() or tokens[other].text == ",":
                found.add(index)
    return found


def _without_commas_between_letters(tokens: list[Token]) -> list[Token]:
    """The tokens less the commas between letters spelled one by one ("K for King, H for
    Harry, A, N at gmail": the spelling words left out, K H A N is the name)."""
    return [
        token
        for index, token in enumerate(tokens)
        if not (
            token.text == ","
            and 0 < index < len(tokens) - 1
            and _single_character(tokens[index - 1])
            and _single_character(tokens[index + 1])
        )
    ]


def _single_character(token: Token) -> bool:
    return len(token.text) == 1 and token.text.isalnum()


def _resumed_after_stop(tokens: tuple[Token, ...], index: int) -> bool:
    """A full stop Whisper wrote where the caller paused inside an address, which goes on in
    lower case with its "at" or "dot" ("helen dot wright 64. / at gmail dot com")."""
    return (
        0 < index < len(tokens) - 2
        and tokens[index - 1].text[0].isalnum()
        and tokens[index + 1].text in ("at", "dot")
        and tokens[index + 2].text[0].isalnum()
    )


def _between_words(tokens: list[Token], index: int) -> bool:
    return (
        0 < index < len(tokens) - 1
        and tokens[index - 1].text[0].isalnum()
        and tokens[index + 1].text[0].isalnum()
    )
