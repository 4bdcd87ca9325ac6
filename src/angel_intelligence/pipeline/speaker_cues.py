"""What a speaker says that marks them as the agent: the cue score of docs/speakers.md.

Used only for voices no fingerprint recognised. Points, per speaker:

- **greeting** (+2): in their first 30 words, a contact-centre greeting ("(thank you) for
  calling", "you're through to", "calling from", "this is <name> from/at/with").
- **organisation** (+2): the organisation's name (ORGANISATION_NAMES) in their first 30 words,
  matched loosely because Whisper mishears names ("Pope Foundation" for "Hope Foundation").
- **asks for details** (+1 each, at most +3): "can I take your…", "what is your…", "could you
  confirm…", "your postcode/date of birth/…".
- **service phrases** (+1 each, at most +3): "anything else I can help with", "how can I help",
  "this call is recorded", "for training purposes", "thank you for your support", "I'll
  transfer you", "please hold".
- **supporter phrases** (−1 each, at most −3): "I would like to cancel/change/donate…",
  "I want to…", "I'm calling about…", "I received a letter…".
- **talk share** (between −1 and +1): 2 × (share of the call's speech − 1 / speakers); agents
  usually talk more. Weak on purpose: it only decides between speakers with equal cues.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

_OPENING_WORDS = 30
_STOP_WORDS = frozenset({"the", "of", "and", "for", "a", "an", "&"})
_NAME_MATCH = 0.8  # mean similarity of the name's words (difflib ratio)
_NAME_WORD_MIN = 0.6

# "I'm <name> from/in …" introduces an agent, but a caller's "I'm here in my will", "I'm out
# with the dog" or "I'm still at work" has the same shape: the word after "I'm" must not be an
# adverb, an adjective or a verb form, and the team or organisation not a possession or "a …".
_NOT_A_NAME = (
    r"(?!(?:here|there|out|not|just|still|only|really|also|so|very|home|back|away|now|always|"
    r"usually|currently|sure|afraid|sorry|happy|fine|okay|ok|good|well|alright|interested|"
    r"involved|stuck|busy|retired|living|staying|working|going|looking|calling|ringing|"
    r"phoning|speaking|sitting|based|with|in|at|on|from|a|an|the)\b)"
)
_GREETING = re.compile(
    r"\b((thank(s| you) )?for (calling|ringing|holding)|(you're|you are) (through|speaking) to|"
    r"calling (you )?(from|on behalf of)|(this is|my name is|i'm|i am) " + _NOT_A_NAME + r"\w+ "
    r"(from|at|with|in) (?!(?:my|your|his|her|our|their|a|an|it|this|that)\b)(the )?\w+)"
)
_DETAILS = re.compile(
    r"\b((can|could|may|shall|should) i (just )?(take|have|get|confirm|check|grab|ask for|ask)"
    r"( for)? "
    r"(your|the|a)|what('s| is) your|(could|can|would) you (please )?(confirm|give me|tell me|"
    r"spell|provide|read)|(please )?confirm your|your (full name|postcode|post code|date of birth|"
    r"address|email|phone number|telephone number|card number|sort code|account number))"
)
_SERVICE = re.compile(
    r"\b(anything else (i|we) can (help|do)|how (can|may) (i|we) help|"
    r"this call (is|may be|will be) recorded|for (training|quality|security|monitoring) purposes|"
    r"thank you (so much |very much )?"
    r"for your (support|donation|gift|generosity|kindness)|(i'll|i will|let me) (transfer|put you "
    r"through|pass you)|please hold|bear with me)"
)
_SUPPORTER = re.compile(
    r"\b(i('d| would) like to (cancel|stop|change|update|donate|give|make|set up|know|ask|amend)|"
    r"i want to|i('m| am) (calling|ringing|phoning) (about|because|to|regarding|as)|"
    r"(talk|speak) to (someone|somebody|a person) (about|regarding)|"
    r"(i|we) (received|got|had) (a|your) (letter|call|email|text)|can you (tell|help) me)"
)


@dataclass(frozen=True, slots=True)
class CueScore:
    """How much a speaker sounds like the agent, and why (for the record and for tests)."""

    points: float
    reasons: tuple[str, ...] = field(default_factory=tuple)


def normalise(text: str) -> str:
    text = text.lower().replace("’", "'")
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text).split())


def mentions_organisation(text: str, organisation_names: tuple[str, ...]) -> bool:
    """Whether `text` names one of the organisations, allowing for misheard words."""
    words = normalise(text).split()
    for name in organisation_names:
        wanted = [w for w in normalise(name).split() if w not in _STOP_WORDS]
        if not wanted:
            continue
        for start in range(0, len(words) - len(wanted) + 1):
            ratios = [
                difflib.SequenceMatcher(None, want, got).ratio()
                for want, got in zip(wanted, words[start : start + len(wanted)], strict=True)
            ]
            if min(ratios) >= _NAME_WORD_MIN and sum(ratios) / len(ratios) >= _NAME_MATCH:
                return True
    return False


def cue_score(
    text: str, *, talk_share: float, speaker_count: int, organisation_names: tuple[str, ...]
) -> CueScore:
    """The agent-likeness points of one speaker's words (see the module docstring)."""
    said = normalise(text)
    opening = " ".join(said.split()[:_OPENING_WORDS])
    points = 0.0
    reasons: list[str] = []
    if _GREETING.search(opening):
        points += 2
        reasons.append("greeting")
    if organisation_names and mentions_organisation(opening, organisation_names):
        points += 2
        reasons.append("organisation")
    for name, pattern, weight in (
        ("asks for details", _DETAILS, 1),
        ("service phrases", _SERVICE, 1),
        ("supporter phrases", _SUPPORTER, -1),
    ):
        found = min(3, len(pattern.findall(said)))
        if found:
            points += weight * found
            reasons.append(f"{name} x{found}")
    share_points = 2 * (talk_share - 1 / max(speaker_count, 1))
    points += max(-1.0, min(1.0, share_points))
    return CueScore(points, tuple(reasons))
