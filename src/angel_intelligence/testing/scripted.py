"""Scripted transcripts for the analysis tests and the labelled analysis set: lines of
(role, text) turned into a labelled, timed `Transcript`, as the speech stages would give it.

Each line lasts `SECONDS_PER_WORD` per word (about 160 words a minute), with `GAP_S` between
lines, so every turn has a known start and end.
"""

from __future__ import annotations

from collections.abc import Sequence

from angel_intelligence.domain.speakers import SpeakerRole
from angel_intelligence.domain.transcript import Segment, Transcript

SECONDS_PER_WORD = 0.375
GAP_S = 0.6
_ROLES = {"A": SpeakerRole.AGENT, "S": SpeakerRole.SUPPORTER, "B": SpeakerRole.AGENT}


def scripted_transcript(lines: Sequence[tuple[str, str]], *, tail_s: float = 1.0) -> Transcript:
    """`lines`: ("A", text) for the agent, ("B", text) for a second agent after a transfer,
    ("S", text) for the supporter."""
    segments = []
    now = 0.5
    for role, text in lines:
        duration = max(0.8, len(text.split()) * SECONDS_PER_WORD)
        speaker_id = {"A": "agent_1001", "B": "agent_unknown_1", "S": "supporter"}[role]
        segments.append(
            Segment(
                text=text,
                start_s=round(now, 3),
                end_s=round(now + duration, 3),
                confidence=0.9,
                speaker=_ROLES[role],
                speaker_id=speaker_id,
                speaker_confidence=0.9,
            )
        )
        now += duration + GAP_S
    return Transcript(tuple(segments), model="scripted", duration_s=round(now + tail_s, 3))
