"""Action items from what the agent commits to ("I'll send…", "we'll call you back on…").

An agent turn's sentence is a commitment when it has a first-person (or "a colleague") future
("I'll", "I will", "we'll", "we will", "I'm going to", "someone will", "a colleague will") before
one of `_VERBS`. The action item's description is the sentence from the verb on, with "you" and
"your" turned into "the supporter" and "the supporter's". Its due date is resolved against the
call date, and is never before it:

| said | due |
|---|---|
| today, this afternoon, later today | the call date |
| tomorrow | the next day |
| on/by Monday … Sunday | the next such day after the call date (a week on, if said that day) |
| next week | seven days on |
| end of the week | the Friday of the call's week (the call date if it is later) |
| within/in N (working) days, in N weeks | N days (working days skip weekends), 7N days |
| nothing | none |

Priority: high when due within a day, medium when a date was said, low otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from angel_intelligence.analysis.evidence.model import Commitment, Support, Turn

_SUBJECT = (
    r"(?:i'll|i will|we'll|we will|i'm going to|i am going to|we're going to|someone will|"
    r"a colleague will|the team will)"
)
_VERBS = (
    r"send|post|email|e-mail|call|ring|phone|arrange|update|process|cancel|set up|pass|forward|"
    r"confirm|refund|look into|follow up|write|add|change|reduce|increase|amend|log|raise"
)
_COMMITMENT = re.compile(
    rf"\b{_SUBJECT}\s+(?:also\s+|just\s+|personally\s+)?(?P<rest>(?:{_VERBS})\b[^.?!]*)",
    re.IGNORECASE,
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "fourteen": 14, "twenty one": 21, "twenty-one": 21, "a": 1,
}  # fmt: skip
_WITHIN = re.compile(
    r"\b(?:within|in)\s+(?:the\s+next\s+)?(?P<n>\d+|[a-z]+(?:[ -]one)?)\s+(?P<unit>working\s+days?|"
    r"business\s+days?|days?|weeks?)\b",
    re.IGNORECASE,
)


def _add_working_days(start: dt.date, days: int) -> dt.date:
    current = start
    while days > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def resolve_due_date(text: str, call_date: dt.date) -> dt.date | None:
    """The date `text` names, counted from `call_date`; never before it; None if none."""
    lower = text.lower()
    if re.search(r"\b(today|this (morning|afternoon|evening)|later on)\b", lower):
        return call_date
    if re.search(r"\btomorrow\b", lower):
        return call_date + dt.timedelta(days=1)
    for number, name in enumerate(_WEEKDAYS):
        if re.search(rf"\b(on|by|this|next|before)?\s*{name}\b", lower):
            ahead = (number - call_date.weekday()) % 7 or 7
            return call_date + dt.timedelta(days=ahead)
    if re.search(r"\bnext week\b", lower):
        return call_date + dt.timedelta(days=7)
    if re.search(r"\b(end of (the|this) week)\b", lower):
        friday = call_date + dt.timedelta(days=(4 - call_date.weekday()) % 7)
        return max(friday, call_date)
    match = _WITHIN.search(lower)
    if match:
        raw = match.group("n")
        count = int(raw) if raw.isdigit() else _NUMBERS.get(raw)
        if count is None:
            return None
        unit = match.group("unit")
        if unit.startswith(("working", "business")):
            return _add_working_days(call_date, count)
        return call_date + dt.timedelta(days=count * (7 if unit.startswith("week") else 1))
    return None


def _describe(rest: str) -> str:
    text = re.sub(r"\byour\b", "the supporter's", rest.strip(" ,;"), flags=re.IGNORECASE)
    text = re.sub(r"\byou\b", "the supporter", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+", " ", text)
    return text[:1].upper() + text[1:].rstrip(" ,;") + "."


def find_commitments(turns: Sequence[Turn], call_date: dt.date) -> tuple[Commitment, ...]:
    """The agent's commitments, one per sentence, in time order."""
    found: list[Commitment] = []
    for turn in turns:
        if turn.role != "agent":
            continue
        for sentence in re.split(r"(?<=[.?!])\s+", turn.text):
            match = _COMMITMENT.search(sentence)
            if match is None or sentence.rstrip().endswith("?"):
                continue
            due = resolve_due_date(sentence, call_date)
            if due is not None and due < call_date:  # defensive: never in the past
                due = call_date
            if due is None:
                priority = "low"
            elif (due - call_date).days <= 1:
                priority = "high"
            else:
                priority = "medium"
            support = Support(turn.index, turn.start_s, turn.end_s, 1.0, "agent commitment")
            found.append(Commitment(_describe(match.group("rest")), priority, due, support))
    return tuple(found)
