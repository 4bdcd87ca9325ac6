"""An extractive summary: sentences said in the call, chosen by the evidence (issue 16).

When the model does not write the summary (the bundled toy model, or every attempt failed the
checks), the call's own words are the faithful alternative to a template: 2–4 sentences quoted
from the redacted transcript, each attributed to its speaker and in the order they were said:

1. why the call was made: a turn behind the strongest topic that is not a routine step
   (identity check, general admin), the supporter's of five words or more if there is one;
   with no topic, the supporter's first turn of five words or more;
2. what the agent did: the agent's turn, after that, behind the strongest action that is not
   routine (greeting, thanks, closing, identity check, rapport), else the agent's first turn
   of six words or more after it;
3. what the agent committed to, when a commitment was found;
4. how the supporter ended the call: their last turn of three words or more in the last third
   of the call's turns.

Turns with a redaction placeholder are passed over where a choice is made by length.

From each turn the sentence with the evidence's keyword is quoted (else its longest sentence,
preferring one without a redaction placeholder), cut at `MAX_QUOTE_WORDS`; the summary is at
most `MAX_SUMMARY_CHARS`. Every word is the
transcript's, so nothing is named that the call does not say; the summary is still checked
(`grounding.evidence_summary`) and replaced by the template if it fails.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from angel_intelligence.analysis.evidence import Candidate, Evidence, Turn

MAX_QUOTE_WORDS = 25
MAX_SUMMARY_CHARS = 600
"""As long as a model's summary may be (`schema.OutputLimits.summary_max_chars`): the last
sentences chosen (the closing, then the commitment) are left out to fit."""
ROUTINE_ACTIONS = frozenset(
    {
        "Greeted supporter",
        "Thanked supporter for their time",
        "Closed the enquiry clearly",
        "Verified supporter identity",
        "Built rapport / established connection",
        "Listened actively / acknowledged concerns",
    }
)
"""Actions nearly every call has: they say nothing about this one."""
ROUTINE_TOPICS = frozenset({"Identity verification", "General admin/enquiry"})
"""Topics that are a step of most calls, not what the call was about."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")  # as the checks split sentences (grounding.py)
_KEYWORD = re.compile(r'^keyword "(?P<hit>.+)"$')


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def _quote(turn: Turn, hits: Sequence[str]) -> str | None:
    """The sentence of `turn` to quote (see the module docstring), or None."""
    candidates = [s for s in _sentences(turn.text) if len(s.split()) >= 3]
    if not candidates:
        return None
    for hit in hits:
        for sentence in candidates:
            if hit and hit in sentence.lower():
                return sentence
    return max(candidates, key=lambda s: ("[" not in s, len(s.split())))


def _hits(candidate: Candidate | None, turn: Turn) -> list[str]:
    if candidate is None:
        return []
    found = []
    for support in candidate.support:
        match = _KEYWORD.match(support.cue)
        if support.turn == turn.index and match:
            found.append(match.group("hit"))
    return found


def _render(turn: Turn, sentence: str) -> str:
    words = sentence.split()
    body = " ".join(words[:MAX_QUOTE_WORDS])
    asked = body.endswith("?")
    body = body.rstrip(".!?,;:—- ").replace("“", "").replace("”", "").replace('"', "")
    if len(words) > MAX_QUOTE_WORDS:
        body += " …"
    who = {"supporter": "The supporter", "agent": "The agent"}.get(turn.role, "A speaker")
    verb = "asked" if asked else "said"
    return f"{who} {verb} “{body}”."


def _supporting_turn(
    candidates: Sequence[Candidate], turns: Sequence[Turn], role: str, after: int = -1
) -> tuple[Candidate, Turn] | None:
    for candidate in candidates:  # strongest first
        for support in candidate.support:
            turn = turns[support.turn]
            if turn.role == role and turn.index > after:
                return candidate, turn
    return None


def _reason(evidence: Evidence) -> tuple[Candidate | None, Turn | None]:
    """The turn that says why the call was made (step 1)."""
    turns = evidence.turns
    topics = [c for c in evidence.topics if c.name not in ROUTINE_TOPICS]
    if topics:
        strongest = topics[0]
        said = [turns[s.turn] for s in strongest.support]
        for turn in said:
            if turn.role == "supporter" and len(turn.text.split()) >= 5:
                return strongest, turn
        return strongest, said[0]
    first = next(
        (t for t in turns if t.role == "supporter" and _informative(t, 5)),
        None,
    )
    return None, first


def _informative(turn: Turn, words: int) -> bool:
    return len(turn.text.split()) >= words and "[" not in turn.text


def extractive_summary(evidence: Evidence) -> str | None:
    """2–4 quoted sentences (see the module docstring); None when fewer than two were found."""
    turns = evidence.turns
    picked: dict[int, str] = {}

    def pick(turn: Turn | None, candidate: Candidate | None = None) -> None:
        if turn is None or turn.index in picked or len(picked) >= 4:
            return
        sentence = _quote(turn, _hits(candidate, turn))
        if sentence is not None:
            picked[turn.index] = _render(turn, sentence)

    topic, reason = _reason(evidence)
    pick(reason, topic)
    first = min(picked, default=-1)
    actions = [c for c in evidence.actions if c.name not in ROUTINE_ACTIONS]
    done = _supporting_turn(actions, turns, "agent", after=first)
    if done is not None:
        pick(done[1], done[0])
    else:  # the agent's answer to the reason (not a routine turn such as the closing)
        routine = {s.turn for c in evidence.actions if c.name in ROUTINE_ACTIONS for s in c.support}
        answer = (
            t
            for t in turns[first + 1 :]
            if t.role == "agent" and _informative(t, 6) and t.index not in routine
        )
        pick(next(answer, None))
    if evidence.commitments:
        pick(turns[evidence.commitments[0].support.turn])
    closing_from = len(turns) * 2 // 3
    last = next(
        (t for t in reversed(turns[closing_from:]) if t.role == "supporter" and _informative(t, 3)),
        None,
    )
    pick(last)
    chosen = list(picked)  # in the order chosen: reason, action, commitment, closing
    while len(chosen) > 2 and len(" ".join(picked[i] for i in chosen)) > MAX_SUMMARY_CHARS:
        chosen.pop()
    if len(chosen) < 2:
        return None
    return " ".join(picked[index] for index in sorted(chosen))
