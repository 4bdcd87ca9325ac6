"""`speaker_metrics` (the spec's "Speaker Metrics JSON Structure"), computed from labelled segments.

Computed, never asked of the language model (ARCHITECTURE.md §5). Per role ("agent" gathers
every agent voice, `agent` and `agent_unknown`; "supporter"), and per speaker_id under
"by_speaker" when a call has more than one agent voice (transfers):

- `talk_time_seconds`: the union of the role's segment spans (from a segment's first word to its
  last), so pauses inside a sentence count as talk and overlapping segments count once.
- `interruptions`: times the role started speaking over someone else (an **overlap**: its
  segment starts at least `MIN_OVERLAP_S` before the other role's segment ends) or cut in
  (a **cut-in**: it starts within `CUT_IN_GAP_S` of the other role stopping mid-sentence, i.e.
  a segment that does not end in . ? or !).
- `average_pace_wpm`: the role's words per minute of its talk time.
- `silence_percentage`: the share of the role's floor time that is silence. Every silence of
  the call belongs to the speaker who ends it: a pause inside one role's run is theirs, and a
  gap before another role answers is the answerer's (they are the one being waited for); the
  silence after the last word belongs to the last speaker. Floor time = talk time + the role's
  silence, so the floors of all roles add up to the call's duration.

Times are rounded to 0.1 s and percentages and rates to one decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from angel_intelligence.domain.transcript import Segment

MIN_OVERLAP_S = 0.2
CUT_IN_GAP_S = 0.3
_TERMINAL = (".", "?", "!")


@dataclass(frozen=True, slots=True)
class RoleMetrics:
    talk_time_s: float
    interruptions: int
    average_pace_wpm: float
    silence_percentage: float
    words: int

    def to_json(self) -> dict[str, Any]:
        return {
            "talk_time_seconds": round(self.talk_time_s, 1),
            "interruptions": self.interruptions,
            "average_pace_wpm": round(self.average_pace_wpm, 1),
            "silence_percentage": round(self.silence_percentage, 1),
        }


def role_of(segment: Segment) -> str | None:
    """ "agent" for every agent voice, "supporter", or None for an unlabelled segment."""
    if segment.speaker is None:
        return None
    return "agent" if segment.speaker.is_agent else "supporter"


def speaker_metrics(segments: Sequence[Segment], duration_s: float) -> dict[str, Any]:
    """The `speaker_metrics` JSON for a labelled call of `duration_s` seconds."""
    labelled = sorted((s for s in segments if role_of(s)), key=lambda s: (s.start_s, s.end_s))
    result: dict[str, Any] = {
        role: metrics_for(labelled, duration_s, key=role_of, who=role).to_json()
        for role in ("agent", "supporter")
    }
    agent_ids = sorted({s.speaker_id for s in labelled if role_of(s) == "agent" and s.speaker_id})
    if len(agent_ids) > 1:
        result["by_speaker"] = {
            speaker_id: metrics_for(
                labelled, duration_s, key=lambda s: s.speaker_id, who=speaker_id
            ).to_json()
            for speaker_id in agent_ids
        }
    return result


def metrics_for(
    segments: Sequence[Segment],
    duration_s: float,
    *,
    key: Any,
    who: str,
) -> RoleMetrics:
    """The metrics of the segments whose `key(segment)` is `who`, against everyone else."""
    own = [s for s in segments if key(s) == who]
    talk_s = _union_length([(s.start_s, s.end_s) for s in own])
    words = sum(len(s.words) or len(s.text.split()) for s in own)
    pace = words / (talk_s / 60) if talk_s > 0 else 0.0
    silence_s = _silence_of(segments, duration_s, key, who)
    floor_s = talk_s + silence_s
    return RoleMetrics(
        talk_time_s=talk_s,
        interruptions=_interruptions(segments, key, who),
        average_pace_wpm=pace,
        silence_percentage=100 * silence_s / floor_s if floor_s > 0 else 0.0,
        words=words,
    )


def _interruptions(segments: Sequence[Segment], key: Any, who: str) -> int:
    count = 0
    for index, segment in enumerate(segments):
        if key(segment) != who:
            continue
        earlier = [s for s in segments[:index] if key(s) != who and s.start_s <= segment.start_s]
        if not earlier:
            continue
        if any(s.end_s - segment.start_s >= MIN_OVERLAP_S for s in earlier):
            count += 1  # started over someone still speaking
            continue
        latest = max(earlier, key=lambda s: s.end_s)
        gap_s = segment.start_s - latest.end_s
        previous_own = [s for s in segments[:index] if key(s) == who]
        if previous_own and previous_own[-1].end_s > latest.end_s:
            continue  # the role was already speaking after the other stopped
        if -MIN_OVERLAP_S < gap_s <= CUT_IN_GAP_S and not latest.text.rstrip().endswith(_TERMINAL):
            count += 1  # cut in on an unfinished sentence
    return count


def _silence_of(segments: Sequence[Segment], duration_s: float, key: Any, who: str) -> float:
    """Silence on this speaker's floor (see the module docstring)."""
    if not segments:
        return 0.0
    spans = sorted((s.start_s, s.end_s, key(s)) for s in segments)
    silence = 0.0
    covered_until = 0.0
    for start, end, owner in spans:
        if start > covered_until and owner == who:
            silence += start - covered_until
        covered_until = max(covered_until, end)
    last_owner = max(spans, key=lambda s: s[1])[2]
    if duration_s > covered_until and last_owner == who:
        silence += duration_s - covered_until
    return silence


def _union_length(spans: list[tuple[float, float]]) -> float:
    total = 0.0
    current_start, current_end = None, None
    for start, end in sorted(spans):
        if current_end is None or start > current_end:
            if current_end is not None and current_start is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None and current_start is not None:
        total += current_end - current_start
    return total
