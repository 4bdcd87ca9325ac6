"""Compliance rules: named checks over the redacted, labelled turns, each with its timestamps.

- `card_read_back` (critical): an agent turn holds a full card number (the redacted
  `[CARD_NUMBER]`, or 13–19 digits): the agent read the card back in full.
- `gift_aid_declaration_incomplete` (high): Gift Aid was taken (the agent raised it and the
  supporter agreed) but the agent never said one of the required wordings (by default: that
  the supporter is a UK taxpayer, that they pay enough Income or Capital Gains Tax, and that
  they must pay any difference).
- `no_data_protection_statement` (high): payment details were asked for or given before any
  agent turn with a data-protection statement.
- `vulnerability_not_acknowledged` (high): the supporter said something that marks them as
  possibly vulnerable (bereavement, illness, confusion, money worries, living alone) and the
  agent's next two turns do not acknowledge it.

Which rules run, the Gift Aid wordings and the data-protection phrases are options
(`ComplianceOptions`), so a client with its own script can change them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from angel_intelligence.analysis.evidence.matching import keyword_hit
from angel_intelligence.analysis.evidence.model import ComplianceFinding, Support, Turn

GIFT_AID_WORDING: tuple[tuple[str, ...], ...] = (
    (r"uk tax ?payer", r"pay (uk )?(income|capital gains) tax"),
    (r"income (tax )?or capital gains tax", r"capital gains tax", r"enough (uk )?tax"),
    (r"(pay|responsible for|cover) (any|the) difference",),
)
"""What a Gift Aid declaration must say, by default: one expression of each group."""

DATA_PROTECTION_PHRASES: tuple[str, ...] = (
    r"data protection",
    r"privacy (policy|notice|statement)",
    r"(your|the) (details|information|data) (will be|are|is) (kept|held|stored|used|processed)",
    r"we (will )?(only )?use your (details|information|data)",
    r"(kept|held) securely",
)
"""Statements that count as the data-protection statement, by default."""

_CARD_DIGITS = re.compile(r"(?:\d[ -]?){13,19}")
_PAYMENT_PLACEHOLDERS = ("[CARD_NUMBER]", "[SORT_CODE]", "[BANK_ACCOUNT]", "[CARD_EXPIRY]")
_PAYMENT_ASK = (
    r"(long|card) number", r"card details", r"(the )?expiry( date)?", r"security code",
    r"sort code", r"account number", r"bank details", r"number on (the front of )?your card",
)  # fmt: skip
_AGREES = (
    r"yes", r"yeah", r"of course", r"happy to", r"please do", r"that's fine", r"go ahead",
    r"i am", r"i do",
)  # fmt: skip
VULNERABILITY_CUES: tuple[str, ...] = (
    r"passed away", r"bereave\w*", r"widow(ed|er)?", r"lost my (husband|wife|partner|son|daughter"
    r"|mum|dad|mother|father|job)", r"dementia", r"alzheimer'?s", r"(in|out of) hospital",
    r"cancer", r"(i'?m|i am) (a )?carer", r"(i'?m|i am|i get) (so |very |a bit )?confused",
    r"struggling", r"can'?t (cope|afford)", r"(on my own|lonely|by myself)",
    r"(i|i'?ve) forget", r"disabled", r"(my )?memory",
)  # fmt: skip
ACKNOWLEDGEMENTS: tuple[str, ...] = (
    r"(so |very |really )?sorry", r"i understand", r"understandabl[ey]", r"take your time",
    r"no (pressure|rush|hurry|problem)", r"that must (be|have been)", r"i appreciate",
    r"of course", r"don'?t worry", r"(that's|that is) (completely |absolutely )?fine",
)  # fmt: skip


@dataclass(frozen=True)
class ComplianceOptions:
    """Which rules run, and the wording they look for."""

    rules: frozenset[str] = field(
        default_factory=lambda: frozenset(RULES)  # every rule
    )
    gift_aid_wording: tuple[tuple[str, ...], ...] = GIFT_AID_WORDING
    data_protection_phrases: tuple[str, ...] = DATA_PROTECTION_PHRASES
    vulnerability_cues: tuple[str, ...] = VULNERABILITY_CUES


def _support(turn: Turn, cue: str, score: float = 1.0) -> Support:
    return Support(turn.index, turn.start_s, turn.end_s, score, cue)


def card_read_back(turns: Sequence[Turn], options: ComplianceOptions) -> list[ComplianceFinding]:
    found = []
    for turn in turns:
        if turn.role != "agent":
            continue
        if "[CARD_NUMBER]" in turn.text or _CARD_DIGITS.search(turn.text):
            found.append(
                ComplianceFinding(
                    "card_read_back",
                    "The agent read the supporter's card number back in full.",
                    "critical",
                    (_support(turn, "card number in an agent turn"),),
                )
            )
    return found


def gift_aid_declaration_incomplete(
    turns: Sequence[Turn], options: ComplianceOptions
) -> list[ComplianceFinding]:
    mentions = [t for t in turns if t.role == "agent" and keyword_hit(t.text, (r"gift aid",))]
    if not mentions:
        return []
    first = mentions[0]
    agreed = next(
        (
            t
            for t in turns
            if t.role == "supporter" and t.index > first.index and keyword_hit(t.text, _AGREES)
        ),
        None,
    )
    if agreed is None:
        return []
    said = " ".join(t.text for t in turns if t.role == "agent" and t.index >= first.index)
    missing = [group for group in options.gift_aid_wording if keyword_hit(said, group) is None]
    if not missing:
        return []
    return [
        ComplianceFinding(
            "gift_aid_declaration_incomplete",
            f"Gift Aid was added without the full declaration ({len(missing)} of "
            f"{len(options.gift_aid_wording)} required statements not read).",
            "high",
            (_support(first, 'agent raised "gift aid"'), _support(agreed, "supporter agreed")),
        )
    ]


def no_data_protection_statement(
    turns: Sequence[Turn], options: ComplianceOptions
) -> list[ComplianceFinding]:
    payment = next(
        (
            t
            for t in turns
            if any(p in t.text for p in _PAYMENT_PLACEHOLDERS)
            or (t.role == "agent" and keyword_hit(t.text, _PAYMENT_ASK))
        ),
        None,
    )
    if payment is None:
        return []
    stated = any(
        t.role == "agent" and keyword_hit(t.text, options.data_protection_phrases)
        for t in turns[: payment.index + 1]
    )
    if stated:
        return []
    return [
        ComplianceFinding(
            "no_data_protection_statement",
            "Payment details were taken before any data protection statement.",
            "high",
            (_support(payment, "payment details asked for or given"),),
        )
    ]


def vulnerability_not_acknowledged(
    turns: Sequence[Turn], options: ComplianceOptions
) -> list[ComplianceFinding]:
    found = []
    for turn in turns:
        if turn.role != "supporter":
            continue
        cue = keyword_hit(turn.text, options.vulnerability_cues)
        if cue is None:
            continue
        replies = [t for t in turns[turn.index + 1 :] if t.role == "agent"][:2]
        if not replies or any(keyword_hit(t.text, ACKNOWLEDGEMENTS) for t in replies):
            continue
        found.append(
            ComplianceFinding(
                "vulnerability_not_acknowledged",
                "The supporter mentioned a possible vulnerability that the agent did not "
                "acknowledge.",
                "high",
                (_support(turn, f'supporter said "{cue}"'), _support(replies[0], "agent reply")),
            )
        )
    return found


Rule = Callable[[Sequence[Turn], ComplianceOptions], list[ComplianceFinding]]

RULES: dict[str, Rule] = {
    "card_read_back": card_read_back,
    "gift_aid_declaration_incomplete": gift_aid_declaration_incomplete,
    "no_data_protection_statement": no_data_protection_statement,
    "vulnerability_not_acknowledged": vulnerability_not_acknowledged,
}
"""Every rule by name (the flag's `type`), in the order they run."""


def check_compliance(
    turns: Sequence[Turn], options: ComplianceOptions | None = None
) -> tuple[ComplianceFinding, ...]:
    """The findings of the enabled rules, in time order."""
    chosen = options or ComplianceOptions()
    unknown = sorted(chosen.rules - set(RULES))
    if unknown:
        raise ValueError(f"unknown compliance rules {unknown}; known: {sorted(RULES)}")
    findings = [
        f for name, rule in RULES.items() if name in chosen.rules for f in rule(turns, chosen)
    ]
    return tuple(sorted(findings, key=lambda f: (f.start_s, f.rule)))
