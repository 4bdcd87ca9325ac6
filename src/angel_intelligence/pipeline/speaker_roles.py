"""Who each diarized speaker is: a known agent, an unknown agent, or the supporter.

The rules (docs/speakers.md, "Roles"):

1. **Fingerprints first.** Each speaker's embedding is compared (cosine) with every stored
   fingerprint; a pair counts when the similarity reaches that row's `confidence_threshold`.
   Pairs are taken best first, one speaker per fingerprint and one fingerprint per speaker. A
   matched speaker is `agent`, `agent_<halo_id>`, with the similarity as its confidence.
2. **One supporter.** A call with two or more speakers has exactly one supporter. With a
   `halo_id` (issue 14, round 6) it is the speaker with words least agent-like by its cue
   score and its voice together (`supporter_by_evidence`: + `OTHER_AGENT_POINTS` for a match to
   another agent's fingerprint, up to + `OWN_AGENT_POINTS` for one to the call's agent's); if
   it held the call's agent's fingerprint, the other voice most alike to it takes it
   (`retake_call_agent`). Without a `halo_id`, among the speakers no fingerprint matched, the
   one with the lowest cue score (`speaker_cues.py`); a tie goes to the one heard later; if
   every speaker matched a fingerprint, the weakest match is released and treated as
   unmatched (two agents talking with no supporter is not a call we handle). A call with one
   speaker: supporter unless the cues say agent (score > 0).
   The call's own agent is looked for first: when no voice reached the `halo_id`'s
   fingerprint's threshold, the voice clearly nearest to it (`nearest_matches`' floor and
   margin) is that agent.
3. **One party heard as two voices** (issue 14, round 5): in a call of three voices or more, a
   voice that is the call's agent split off (`call_agent_parts`) is that agent before the
   supporter is chosen; afterwards an unknown agent heard while another agent still talks
   rejoins the nearer of the supporter and that agent (`rejoin_unknown_agents`): a transfer's
   new agent takes over, the first is not heard again.
4. **Other unmatched speakers are agents.** The one who talks most gets the call's own
   `halo_id` (`agent_<halo_id>`, method "cues+call") when the call has one and no speaker already
   matched it; the rest are `agent_unknown` ("agent_unknown", then "agent_unknown_2", …).

Cue confidence: 0.5 + 0.5·tanh(gap / 2), at most 0.99, where the gap is the distance in cue
points between the speaker and the supporter (for the supporter: to the lowest-scoring other
unmatched speaker; a supporter whose every other speaker matched a fingerprint has a gap of 3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from angel_intelligence.domain.speakers import (
    SUPPORTER_SPEAKER_ID,
    SpeakerIdentity,
    SpeakerRole,
    VoiceFingerprint,
    agent_speaker_id,
)
from angel_intelligence.pipeline.speaker_cues import CueScore, cue_score

_ELIMINATION_GAP = 3.0
_MIN_TURN_S = 0.5  # a shorter turn may be a diarization wobble (speakers.HANDOVER_MIN_TURN_S)
_STILL_TALKING_S = 2.0  # an agent with this much speech after a voice came in did not hand over
_MAX_CUE_CONFIDENCE = 0.99
# How much a voice's fingerprint match weighs against the cue points when the supporter is
# chosen in a call with a `halo_id` (`supporter_by_evidence`): a greeting with the
# organisation's name (4 points) outweighs a match to another agent, and only the whole of an
# agent's cues outweighs a clear match to the call's own agent.
OTHER_AGENT_POINTS = 3.0
OWN_AGENT_POINTS = 6.0


@dataclass(frozen=True, slots=True)
class SpeakerEvidence:
    """What is known about one diarized speaker of a call."""

    speaker: str
    text: str
    talk_s: float
    first_start_s: float
    embedding: tuple[float, ...] | None = None
    has_words: bool = True  # a voice with no recognised words counts only if a fingerprint matches
    turns_s: tuple[tuple[float, float], ...] = ()  # its diarized turns (start, end)

    def speech_after_s(self, time_s: float) -> float:
        """Seconds of its turns after `time_s`."""
        return sum(end - max(start, time_s) for start, end in self.turns_s if end > time_s)

    @property
    def entered_s(self) -> float:
        """When it is first heard for real: its first turn of `_MIN_TURN_S` or more."""
        return next(
            (start for start, end in self.turns_s if end - start >= _MIN_TURN_S),
            self.first_start_s,
        )


@dataclass(frozen=True, slots=True)
class NearestMatchOptions:
    """When an agent voice below every fingerprint's threshold is still named (VOICE_MATCH_*).

    Measured on the hard calls' tuning half (docs/speakers.md): enrolled agents in 12-15 dB
    noise scored 0.74-0.84 against their own fingerprint, under the spec's 0.85, while their
    nearest other fingerprint stayed 0.10 or more below.
    """

    floor: float = 0.70  # at least this alike to the fingerprint…
    margin: float = 0.08  # …and this much more alike than to any other fingerprint


@dataclass(frozen=True, slots=True)
class FingerprintMatch:
    speaker: str
    fingerprint: VoiceFingerprint
    similarity: float


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    va, vb = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if va.shape != vb.shape:
        return 0.0  # a fingerprint from another embedding model cannot match
    norm = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return float(va @ vb) / norm if norm else 0.0


def match_fingerprints(
    evidence: Sequence[SpeakerEvidence], fingerprints: Sequence[VoiceFingerprint]
) -> list[FingerprintMatch]:
    """One-to-one matches at or above each fingerprint's threshold, best first."""
    pairs = [
        FingerprintMatch(e.speaker, f, cosine(e.embedding, f.embedding))
        for e in evidence
        if e.embedding is not None
        for f in fingerprints
    ]
    pairs = [p for p in pairs if p.similarity >= p.fingerprint.confidence_threshold]
    matches: list[FingerprintMatch] = []
    for pair in sorted(pairs, key=lambda p: -p.similarity):
        if any(m.speaker == pair.speaker or m.fingerprint.halo_id == pair.fingerprint.halo_id
               for m in matches):  # fmt: skip
            continue
        matches.append(pair)
    return matches


def identify_speakers(
    evidence: Sequence[SpeakerEvidence],
    fingerprints: Sequence[VoiceFingerprint],
    *,
    halo_id: int | None = None,
    organisation_names: tuple[str, ...] = (),
    nearest: NearestMatchOptions | None = None,
) -> list[SpeakerIdentity]:
    """A `SpeakerIdentity` for every speaker in `evidence` (rules in the module docstring)."""
    nearest = nearest or NearestMatchOptions()
    matches = match_fingerprints(evidence, fingerprints)
    wordless = [e for e in evidence if not e.has_words and e.speaker not in _speakers(matches)]
    by_nearest = nearest_matches(wordless, fingerprints, matches, nearest)
    matches += by_nearest
    call_agent = call_agent_match(evidence, fingerprints, matches, halo_id, nearest)
    if call_agent is not None:
        matches.append(call_agent)
        by_nearest.append(call_agent)
    evidence = [e for e in evidence if e.has_words or e.speaker in _speakers(matches)]
    split_agent = call_agent_parts(evidence, fingerprints, matches, halo_id, nearest)
    matches += split_agent
    if not evidence:
        return []
    total_talk = sum(e.talk_s for e in evidence) or 1.0
    scores = {
        e.speaker: cue_score(
            e.text,
            talk_share=e.talk_s / total_talk,
            speaker_count=len(evidence),
            organisation_names=organisation_names,
        )
        for e in evidence
    }
    if len(evidence) >= 2 and halo_id is not None:
        # The recording names its agent: every voice's words and voice weigh together
        # (`supporter_by_evidence`), so a supporter who sounds like an agent is not made one.
        released = supporter_by_evidence(
            evidence, matches, scores, halo_id, parts=split_agent, lead=nearest.margin
        )
        if released is not None:
            matches.remove(released)
            if released.fingerprint.halo_id == halo_id:
                retaken = retake_call_agent(evidence, released, fingerprints, nearest)
                if retaken is not None:
                    matches = [m for m in matches if m.speaker != retaken.speaker] + [retaken]
                    if retaken.similarity < retaken.fingerprint.confidence_threshold:
                        by_nearest.append(retaken)
    elif len(evidence) >= 2 and len(matches) == len(evidence):
        # Some voice is the supporter: the one that sounds least like an agent, whatever it
        # matched (a supporter can sound like an enrolled agent).
        matches.remove(min(matches, key=lambda m: (scores[m.speaker].points, m.similarity)))
    matched = {m.speaker: m for m in matches}
    unmatched = [e for e in evidence if e.speaker not in matched]

    identities: dict[str, SpeakerIdentity] = {}
    for m in matches:
        e = next(x for x in evidence if x.speaker == m.speaker)
        identities[m.speaker] = _matched_identity(e, m, nearest=m in by_nearest)
        if m in split_agent:
            identities[m.speaker] = replace(
                identities[m.speaker],
                method="same-voice",
                reasons=(f"the call's agent heard as two voices (fingerprint "
                         f"{m.fingerprint.halo_id} similarity {m.similarity:.3f})",),
            )  # fmt: skip

    supporter = _choose_supporter(unmatched, scores, single=len(evidence) == 1)
    if supporter is not None:
        others = [scores[e.speaker].points for e in unmatched if e is not supporter]
        gap = (min(others) - scores[supporter.speaker].points) if others else _ELIMINATION_GAP
        identities[supporter.speaker] = _identity(
            supporter, SpeakerRole.SUPPORTER, SUPPORTER_SPEAKER_ID, _confidence(gap),
            "cues" if others else "elimination", scores[supporter.speaker].reasons,
        )  # fmt: skip

    agents = [e for e in unmatched if e is not supporter]
    for m in nearest_matches(agents, fingerprints, matches, nearest):
        e = next(x for x in agents if x.speaker == m.speaker)
        agents.remove(e)
        matches.append(m)
        identities[m.speaker] = _matched_identity(e, m, nearest=True)
    call_agent_taken = halo_id is None or any(m.fingerprint.halo_id == halo_id for m in matches)
    unknown_count = 0
    for e in sorted(agents, key=lambda x: -x.talk_s):
        base = scores[supporter.speaker].points if supporter else 0.0
        confidence = _confidence(scores[e.speaker].points - base)
        reasons = scores[e.speaker].reasons
        if not call_agent_taken and halo_id is not None:
            call_agent_taken = True
            identities[e.speaker] = _identity(
                e, SpeakerRole.AGENT, agent_speaker_id(halo_id), confidence, "cues+call",
                reasons, halo_id=halo_id,
            )  # fmt: skip
            continue
        unknown_count += 1
        speaker_id = "agent_unknown" if unknown_count == 1 else f"agent_unknown_{unknown_count}"
        identities[e.speaker] = _identity(
            e, SpeakerRole.AGENT_UNKNOWN, speaker_id, confidence, "cues", reasons
        )
    identities = rejoin_unknown_agents(evidence, identities)
    return [identities[e.speaker] for e in sorted(evidence, key=lambda x: x.first_start_s)]


def supporter_by_evidence(
    evidence: Sequence[SpeakerEvidence],
    matches: Sequence[FingerprintMatch],
    scores: dict[str, CueScore],
    halo_id: int,
    *,
    parts: Sequence[FingerprintMatch] = (),
    lead: float = 0.08,  # VOICE_MATCH_MARGIN: the caller passes NearestMatchOptions.margin
) -> FingerprintMatch | None:
    """In a call with a `halo_id` (issue 14, round 6), the supporter is the voice that is least
    agent-like by its words and its voice together: its cue points, plus `OTHER_AGENT_POINTS`
    when its voice matched another agent's fingerprint, plus up to `OWN_AGENT_POINTS` when it
    matched the call's own agent's (at the threshold or as the clearly nearest voice). A
    fingerprint match alone used to decide: a supporter who passed a colleague's threshold, in
    a call whose agent has no fingerprint or was under theirs, became an agent and the real
    agent the supporter.

    The own agent's points count in full only when the voice is `lead` (the nearest-match
    margin) or more alike to the fingerprint than every other voice of the call: when a
    supporter sounds like the agent, or the diarizer split the two alike voices with parts of
    both on each side, both sides are alike to the fingerprint, which then cannot tell them
    apart, and the words decide. A voice with no words is never the supporter when two voices
    have words, nor is a part of the call's agent (`parts`, `call_agent_parts`), nor does a
    part count as another voice. Returns the match to release when the supporter so chosen had
    one, else None.
    """
    matched = {m.speaker: m for m in matches}
    split = {m.speaker for m in parts}
    voices = [e for e in evidence if e.speaker not in split]

    def agent_likeness(e: SpeakerEvidence) -> float:
        match = matched.get(e.speaker)
        if match is None:
            return scores[e.speaker].points
        if match.fingerprint.halo_id != halo_id:
            return scores[e.speaker].points + OTHER_AGENT_POINTS
        rivals = [
            _alike(x.embedding, match.fingerprint.embedding)
            for x in voices
            if x.speaker != e.speaker and x.has_words
        ]
        ahead = match.similarity - max(rivals, default=-1.0)
        return scores[e.speaker].points + OWN_AGENT_POINTS * min(1.0, max(0.0, ahead / lead))

    speaking = [e for e in voices if e.has_words]
    candidates = speaking if len(speaking) >= 2 else voices
    if not candidates:
        return None
    least = min(candidates, key=lambda e: (agent_likeness(e), -e.first_start_s))
    return matched.get(least.speaker)


def retake_call_agent(
    evidence: Sequence[SpeakerEvidence],
    released: FingerprintMatch,
    fingerprints: Sequence[VoiceFingerprint],
    options: NearestMatchOptions,
) -> FingerprintMatch | None:
    """When the voice that matched the call's own agent's fingerprint was chosen as the
    supporter (`supporter_by_evidence`), the agent is one of the other voices: the one most
    alike to that fingerprint takes it, if it reaches its threshold or is clearly nearest to
    it, in place of any match to another agent it had (one-to-one matching gave it the next
    fingerprint when the supporter held the agent's)."""
    own = released.fingerprint
    rest = [
        e for e in evidence
        if e.speaker != released.speaker and e.has_words and e.embedding is not None
    ]  # fmt: skip
    if not rest:
        return None
    best = max(rest, key=lambda e: _alike(e.embedding, own.embedding))
    similarity = _alike(best.embedding, own.embedding)
    if similarity >= own.confidence_threshold:
        return FingerprintMatch(best.speaker, own, similarity)
    nearest = nearest_matches([best], fingerprints, [], options)
    return nearest[0] if nearest and nearest[0].fingerprint is own else None


def call_agent_parts(
    evidence: Sequence[SpeakerEvidence],
    fingerprints: Sequence[VoiceFingerprint],
    matches: Sequence[FingerprintMatch],
    halo_id: int | None,
    options: NearestMatchOptions,
) -> list[FingerprintMatch]:
    """Voices that are the call's agent heard as two (issue 14, round 5): the diarizer split
    one agent when a few of their lines sounded unlike the rest (agent_k's inbound call, twice
    in the tuning sets: a 5.7 s part 0.83-0.87 alike to the rest and to their fingerprint).

    A voice no fingerprint matched is the call's agent too when the call's agent's voice was
    matched to their fingerprint, this voice's nearest fingerprint is that one (at least the
    nearest-match floor), it is more alike to the agent's voice than to any other voice, the
    agent still talks after it came in (`_STILL_TALKING_S`: a transfer's new agent takes over
    and the first is not heard again), and another voice is left to be the supporter, one the
    agent also still talks after: a two-voice call keeps its two parties, and on a transfer a
    supporter alike to the first agent is not taken for them, leaving only the new agent.
    """
    own = next((m for m in matches if m.fingerprint.halo_id == halo_id), None)
    agent = next((e for e in evidence if own and e.speaker == own.speaker), None)
    if own is None or agent is None or agent.embedding is None:
        return []
    taken = _speakers(matches)
    found: list[FingerprintMatch] = []
    for e in evidence:
        if e.speaker in taken or not e.has_words or e.embedding is None:
            continue
        others = [
            x for x in evidence
            if x.speaker not in {e.speaker, agent.speaker} | _speakers(found)
            and x.embedding is not None
        ]  # fmt: skip
        ranked = sorted(fingerprints, key=lambda f: -_alike(e.embedding, f.embedding))
        similarity = _alike(e.embedding, own.fingerprint.embedding)
        if not others or ranked[0] is not own.fingerprint or similarity < options.floor:
            continue
        to_agent = _alike(e.embedding, agent.embedding)
        if to_agent <= max(_alike(e.embedding, x.embedding) for x in others):
            continue
        if agent.speech_after_s(e.entered_s) < _STILL_TALKING_S:
            continue  # the agent is not heard after it: a transfer's new agent, not a part
        if not any(agent.speech_after_s(x.entered_s) >= _STILL_TALKING_S for x in others):
            continue  # only a voice the agent handed over to is left: not the supporter
        found.append(FingerprintMatch(e.speaker, own.fingerprint, similarity))
    return found


def rejoin_unknown_agents(
    evidence: Sequence[SpeakerEvidence], identities: dict[str, SpeakerIdentity]
) -> dict[str, SpeakerIdentity]:
    """An unknown agent who came in while another agent was talking, and who that agent still
    talks after (`_STILL_TALKING_S`), is one of the two parties heard as two voices (issue 14,
    round 5), not a second agent: a transfer's new agent takes over from the first, who is not
    heard again. It takes the identity of whichever of the supporter and that agent its voice
    is more alike to, so the call keeps one supporter and its agent. Only when the call has
    exactly one supporter and the voices have embeddings.
    """
    by_speaker = {e.speaker: e for e in evidence}
    supporters = [i for i in identities.values() if i.role is SpeakerRole.SUPPORTER]
    if len(supporters) != 1:
        return identities
    supporter = supporters[0]
    result = dict(identities)
    for identity in identities.values():
        if identity.role is not SpeakerRole.AGENT_UNKNOWN:
            continue
        voice = by_speaker[identity.speaker]
        entered = voice.entered_s
        staying = [
            i for i in identities.values()
            if i.role.is_agent and i.speaker != identity.speaker
            and by_speaker[i.speaker].entered_s < entered
            and by_speaker[i.speaker].speech_after_s(entered) >= _STILL_TALKING_S
        ]  # fmt: skip
        if voice.embedding is None or not staying:
            continue
        candidates = [
            (_alike(voice.embedding, by_speaker[i.speaker].embedding), i)
            for i in (supporter, *staying)
            if by_speaker[i.speaker].embedding is not None
        ]
        if not candidates:
            continue
        similarity, same = max(candidates, key=lambda c: c[0])
        result[identity.speaker] = replace(
            same,
            speaker=identity.speaker,
            talk_s=identity.talk_s,
            first_start_s=identity.first_start_s,
            method="same-voice",
            reasons=(f"heard while another agent still talks; voice {similarity:.3f} alike to "
                     f"{same.speaker_id}'s",),
        )  # fmt: skip
    return result


def call_agent_match(
    evidence: Sequence[SpeakerEvidence],
    fingerprints: Sequence[VoiceFingerprint],
    taken: Sequence[FingerprintMatch],
    halo_id: int | None,
    options: NearestMatchOptions,
) -> FingerprintMatch | None:
    """The voice of the call's own agent (`halo_id`) when no voice reached that agent's
    threshold: the unmatched voice most alike to their fingerprint, if it is clearly nearest to
    it (`nearest_matches`' floor and margin). The recording names its agent, so this is looked
    for before the supporter is chosen: a supporter whose voice happens to pass another agent's
    threshold must not push the call's agent into the supporter's role."""
    if halo_id is None or any(m.fingerprint.halo_id == halo_id for m in taken):
        return None
    own = next((f for f in fingerprints if f.halo_id == halo_id), None)
    if own is None:
        return None
    free = [e for e in evidence if e.speaker not in _speakers(taken)]
    found = [m for m in nearest_matches(free, fingerprints, taken, options) if m.fingerprint is own]
    return max(found, key=lambda m: m.similarity, default=None)


def nearest_matches(
    agents: Sequence[SpeakerEvidence],
    fingerprints: Sequence[VoiceFingerprint],
    taken: Sequence[FingerprintMatch],
    options: NearestMatchOptions,
) -> list[FingerprintMatch]:
    """Agent voices no fingerprint matched at its threshold, named after the fingerprint they
    are clearly nearest to (at least `floor` alike, `margin` ahead of every other one)."""
    used = {m.fingerprint.halo_id for m in taken}
    found: list[FingerprintMatch] = []
    for e in agents:
        if e.embedding is None or len(fingerprints) < 2:
            continue  # "clearly nearest" needs another fingerprint to be nearer than
        ranked = sorted(
            ((cosine(e.embedding, f.embedding), f) for f in fingerprints), key=lambda x: -x[0]
        )
        best, fingerprint = ranked[0]
        runner_up = ranked[1][0]
        if best >= options.floor and best - runner_up >= options.margin:
            found.append(FingerprintMatch(e.speaker, fingerprint, best))
    found.sort(key=lambda m: -m.similarity)
    result: list[FingerprintMatch] = []
    for m in found:
        if m.fingerprint.halo_id not in used:
            used.add(m.fingerprint.halo_id)
            result.append(m)
    return result


def _alike(a: Sequence[float] | None, b: Sequence[float] | None) -> float:
    """`cosine`, and -1 when either voice has no embedding."""
    return -1.0 if a is None or b is None else cosine(a, b)


def _speakers(matches: Sequence[FingerprintMatch]) -> set[str]:
    return {m.speaker for m in matches}


def _matched_identity(
    evidence: SpeakerEvidence, match: FingerprintMatch, *, nearest: bool
) -> SpeakerIdentity:
    how = "nearest fingerprint" if nearest else "fingerprint"
    return _identity(
        evidence, SpeakerRole.AGENT, match.fingerprint.speaker_id, match.similarity,
        "fingerprint-nearest" if nearest else "fingerprint",
        (f"{how} {match.fingerprint.halo_id} similarity {match.similarity:.3f}",),
        halo_id=match.fingerprint.halo_id,
    )  # fmt: skip


def _choose_supporter(
    unmatched: list[SpeakerEvidence], scores: dict[str, CueScore], *, single: bool
) -> SpeakerEvidence | None:
    if not unmatched:
        return None
    if single:
        only = unmatched[0]
        return None if scores[only.speaker].points > 0 else only
    return min(unmatched, key=lambda e: (scores[e.speaker].points, -e.first_start_s))


def _confidence(gap: float) -> float:
    # Capped: words alone never make an identification certain.
    return min(_MAX_CUE_CONFIDENCE, 0.5 + 0.5 * math.tanh(max(gap, 0.0) / 2))


def _identity(
    evidence: SpeakerEvidence,
    role: SpeakerRole,
    speaker_id: str,
    confidence: float,
    method: str,
    reasons: tuple[str, ...],
    *,
    halo_id: int | None = None,
) -> SpeakerIdentity:
    return SpeakerIdentity(
        speaker=evidence.speaker,
        role=role,
        speaker_id=speaker_id,
        confidence=round(confidence, 4),
        halo_id=halo_id,
        method=method,
        talk_s=round(evidence.talk_s, 3),
        first_start_s=round(evidence.first_start_s, 3),
        reasons=reasons,
    )
