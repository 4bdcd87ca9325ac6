"""The speakers stage: words to speakers, segments split at speaker changes, roles, transfers.

`label_speakers(transcript, diarization, fingerprints, …)` returns a `SpeakerLabelling`: the
transcript with every segment's `speaker`, `speaker_id` and `speaker_confidence` set, one
`SpeakerIdentity` per voice, the `Handover`s (call transfers) and the fingerprint samples that
passed the enrolment guard (to be saved with `db.fingerprints.update_fingerprint` inside the
job's fenced completion transaction). docs/speakers.md explains every rule.

Words go to the diarized turn they overlap most (the nearest turn when they overlap none); a
single word whose speaker differs from both neighbours inside one Whisper segment is taken as a
boundary wobble and joins them. Each Whisper segment is then cut wherever the speaker changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from angel_intelligence.domain.speakers import (
    Diarization,
    FingerprintSample,
    Handover,
    SpeakerIdentity,
    SpeakerRole,
    SpeakerTurn,
    VoiceFingerprint,
)
from angel_intelligence.domain.speech import SpeakerLabelling
from angel_intelligence.domain.transcript import Segment, Transcript, Word
from angel_intelligence.pipeline.speaker_roles import (
    NearestMatchOptions,
    SpeakerEvidence,
    cosine,
    identify_speakers,
)

NO_SPEAKER = "S0"  # the label of every word when diarization found no turns
SAME_VOICE_SIMILARITY = 0.85  # two "speakers" this alike may be one voice split in two
HANDOVER_MIN_TURN_S = 0.5  # a shorter turn of a new voice may be a diarization wobble


@dataclass(frozen=True, slots=True)
class SpeakerOptions:
    """Settings of the stage (ORGANISATION_NAMES, VOICE_AUTO_ENROL, VOICE_ENROL_MIN_*)."""

    organisation_names: tuple[str, ...] = ()
    auto_enrol: bool = True
    enrol_min_confidence: float = 0.75
    enrol_min_speech_s: float = 8.0
    match_floor: float = 0.70  # VOICE_MATCH_FLOOR (speaker_roles.NearestMatchOptions)
    match_margin: float = 0.08  # VOICE_MATCH_MARGIN


def label_speakers(
    transcript: Transcript,
    diarization: Diarization,
    fingerprints: Sequence[VoiceFingerprint] = (),
    *,
    halo_id: int | None = None,
    agent_name: str | None = None,
    options: SpeakerOptions | None = None,
) -> SpeakerLabelling:
    """Label every segment with its speaker (see the module docstring and docs/speakers.md)."""
    options = options or SpeakerOptions()
    pieces = split_by_speaker(transcript, diarization.turns)
    evidence = _evidence(pieces, diarization)
    identities = identify_speakers(
        evidence,
        fingerprints,
        halo_id=halo_id,
        organisation_names=options.organisation_names,
        nearest=NearestMatchOptions(options.match_floor, options.match_margin),
    )
    by_speaker = {i.speaker: i for i in identities}
    segments = tuple(
        replace(
            segment,
            speaker=by_speaker[label].role,
            speaker_id=by_speaker[label].speaker_id,
            speaker_confidence=by_speaker[label].confidence,
        )
        for segment, label in pieces
    )
    enrolments, notes = choose_enrolments(
        identities,
        diarization,
        fingerprints,
        halo_id=halo_id,
        agent_name=agent_name,
        options=options,
    )
    return SpeakerLabelling(
        transcript=transcript.with_segments(segments),
        identities=tuple(identities),
        handovers=tuple(find_handovers(segments, diarization.turns, identities)),
        enrolments=tuple(enrolments),
        enrolment_notes=tuple(notes),
    )


# --- Words to speakers ----------------------------------------------------------------------


def speaker_of(word: Word, turns: Sequence[SpeakerTurn]) -> str:
    """The turn the word overlaps most; the nearest turn if it overlaps none."""
    if not turns:
        return NO_SPEAKER
    best, best_overlap = turns[0].speaker, 0.0
    for turn in turns:
        overlap = min(word.end_s, turn.end_s) - max(word.start_s, turn.start_s)
        if overlap > best_overlap:
            best, best_overlap = turn.speaker, overlap
    if best_overlap > 0:
        return best
    middle = (word.start_s + word.end_s) / 2
    nearest = min(turns, key=lambda t: max(t.start_s - middle, middle - t.end_s, 0.0))
    return nearest.speaker


def split_by_speaker(
    transcript: Transcript, turns: Sequence[SpeakerTurn]
) -> list[tuple[Segment, str]]:
    """Whisper segments cut at speaker changes, each with its diarization label."""
    ordered = sorted(turns, key=lambda t: t.start_s)
    pieces: list[tuple[Segment, str]] = []
    for segment in transcript.segments:
        if not segment.words:
            continue
        labels = [speaker_of(w, ordered) for w in segment.words]
        for index in range(1, len(labels) - 1):  # a lone word between two of one speaker
            if labels[index - 1] == labels[index + 1] != labels[index]:
                labels[index] = labels[index - 1]
        start = 0
        for index in range(1, len(labels) + 1):
            if index == len(labels) or labels[index] != labels[start]:
                pieces.append((_piece(segment, segment.words[start:index]), labels[start]))
                start = index
    return pieces


def _piece(segment: Segment, words: Sequence[Word]) -> Segment:
    if len(words) == len(segment.words):
        return segment
    return Segment(
        text=" ".join(w.text for w in words),
        start_s=words[0].start_s,
        end_s=words[-1].end_s,
        words=tuple(words),
        confidence=sum(w.confidence for w in words) / len(words),
    )


def _evidence(pieces: list[tuple[Segment, str]], diarization: Diarization) -> list[SpeakerEvidence]:
    texts: dict[str, list[str]] = {}
    first: dict[str, float] = {}
    for segment, label in pieces:
        texts.setdefault(label, []).append(segment.text)
        first.setdefault(label, segment.start_s)
    talk = dict.fromkeys(texts, 0.0)
    for turn in diarization.turns:
        if turn.speaker in talk:
            talk[turn.speaker] += turn.duration_s
    for label, segments in ((lbl, [s for s, x in pieces if x == lbl]) for lbl in texts):
        if talk[label] == 0.0:  # no diarized turns (no diarization): time of its words
            talk[label] = sum(s.end_s - s.start_s for s in segments)
    wordless = [  # a voice Whisper heard nothing from can still be a fingerprinted agent
        SpeakerEvidence(
            speaker=label,
            text="",
            talk_s=sum(t.duration_s for t in diarization.turns if t.speaker == label),
            first_start_s=min(t.start_s for t in diarization.turns if t.speaker == label),
            embedding=diarization.embeddings[label],
            has_words=False,
            turns_s=_turns_of(label, diarization),
        )
        for label in diarization.speakers
        if label not in texts and label in diarization.embeddings
    ]
    return wordless + [
        SpeakerEvidence(
            speaker=label,
            text=" ".join(texts[label]),
            talk_s=talk[label],
            first_start_s=first[label],
            embedding=diarization.embeddings.get(label),
            turns_s=_turns_of(label, diarization),
        )
        for label in texts
    ]


def _turns_of(label: str, diarization: Diarization) -> tuple[tuple[float, float], ...]:
    return tuple((t.start_s, t.end_s) for t in diarization.turns if t.speaker == label)


# --- Transfers ------------------------------------------------------------------------------


def find_handovers(
    segments: Sequence[Segment],
    turns: Sequence[SpeakerTurn] = (),
    identities: Sequence[SpeakerIdentity] = (),
) -> list[Handover]:
    """A handover each time an agent voice is heard for the first time after another agent's.

    Heard means a diarized turn of at least `HANDOVER_MIN_TURN_S` (Whisper may hear nothing of
    a new agent's first lines, after hold music especially), or a segment when there are no
    turns. Its time is the start of that turn (or segment); `from` is the agent heard last.
    """
    by_speaker = {i.speaker: i for i in identities}
    events: list[tuple[float, str]] = [
        (t.start_s, by_speaker[t.speaker].speaker_id)
        for t in turns
        if t.speaker in by_speaker
        and by_speaker[t.speaker].role.is_agent
        and t.duration_s >= HANDOVER_MIN_TURN_S
    ]
    if not events:
        events = [
            (s.start_s, s.speaker_id)
            for s in segments
            if s.speaker is not None and s.speaker.is_agent and s.speaker_id
        ]
    handovers: list[Handover] = []
    seen: set[str] = set()
    last_agent: str | None = None
    for time_s, speaker_id in sorted(events):
        if speaker_id not in seen and last_agent is not None:
            handovers.append(Handover(time_s, last_agent, speaker_id))
        seen.add(speaker_id)
        last_agent = speaker_id
    return handovers


# --- The enrolment guard --------------------------------------------------------------------


def choose_enrolments(
    identities: Sequence[SpeakerIdentity],
    diarization: Diarization,
    fingerprints: Sequence[VoiceFingerprint],
    *,
    halo_id: int | None,
    agent_name: str | None,
    options: SpeakerOptions,
) -> tuple[list[FingerprintSample], list[str]]:
    """The call agent's voice to add to their fingerprint, only when nothing says otherwise.

    Every condition must hold (docs/speakers.md, "The enrolment guard"); otherwise nothing is
    enrolled and the notes say which failed.
    """
    if not options.auto_enrol:
        return [], ["auto-enrolment is off (VOICE_AUTO_ENROL=false)"]
    if halo_id is None:
        return [], ["the call has no halo_id"]
    candidates = [i for i in identities if i.halo_id == halo_id and i.role is SpeakerRole.AGENT]
    if not candidates:
        return [], [f"no speaker was identified as agent {halo_id}"]
    agent = candidates[0]
    if any(i.method == "same-voice" for i in identities):
        return [], ["a voice of the call was heard as two: the diarization is not trusted"]
    embedding = diarization.embeddings.get(agent.speaker)
    if embedding is None:
        return [], ["the agent's voice has no embedding"]
    supporters = [i for i in identities if i.role is SpeakerRole.SUPPORTER]
    agent_voices = [i for i in identities if i.role.is_agent]
    existing = next((f for f in fingerprints if f.halo_id == halo_id), None)
    by_cues = agent.method != "fingerprint"
    checks = {
        "the call does not have exactly one supporter voice": len(supporters) != 1,
        f"identification confidence {agent.confidence:.2f} is below the minimum "
        f"{options.enrol_min_confidence:.2f}": agent.confidence < options.enrol_min_confidence,
        f"the agent spoke {agent.talk_s:.1f} s, less than the minimum "
        f"{options.enrol_min_speech_s:.1f} s": agent.talk_s < options.enrol_min_speech_s,
        "several agent voices and no fingerprint says which is the call's agent": (
            by_cues and len(agent_voices) > 1
        ),
        f"agent {halo_id}'s fingerprint exists but did not match this voice": (
            by_cues and existing is not None
        ),
        "the agent's and the supporter's voices are too alike to tell apart": any(
            _too_close(embedding, diarization.embeddings.get(s.speaker)) for s in supporters
        ),
        "the voice matches another agent's fingerprint": any(
            cosine(embedding, f.embedding) >= f.confidence_threshold
            for f in fingerprints
            if f.halo_id != halo_id
        ),
    }
    failures = [reason for reason, failed in checks.items() if failed]
    if failures:
        return [], failures
    name = agent_name or (existing.agent_name if existing else f"agent {halo_id}")
    return [FingerprintSample(halo_id, name, embedding, agent.talk_s, agent.speaker)], []


def _too_close(agent: tuple[float, ...] | None, supporter: tuple[float, ...] | None) -> bool:
    if agent is None or supporter is None:
        return True  # cannot show the voices differ: do not enrol
    return cosine(agent, supporter) >= SAME_VOICE_SIMILARITY
