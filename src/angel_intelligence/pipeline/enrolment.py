"""Voice samples from known clips of one agent (`angel voices enrol`), with the clip checks.

A clip is refused when it holds more than one voice (the diarizer finds a second speaker with
at least `MIN_SECOND_VOICE_S` of speech: a supporter's voice must never become an agent's
fingerprint), when it has no speech to embed, or when it does not sound like the other clips
given with it (`MIN_CLIP_AGREEMENT`). Saving is `db.fingerprints.enrol`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from angel_intelligence.domain.speakers import VoiceFingerprint
from angel_intelligence.pipeline.speaker_roles import cosine
from angel_intelligence.ports import Diarizer, SpeakerEmbedder

MIN_SECOND_VOICE_S = 2.0
MIN_CLIP_AGREEMENT = 0.75


class EnrolmentRefusedError(ValueError):
    """The clips cannot be used to enrol a voice; the message says which and why."""


@dataclass(frozen=True)
class ClipSample:
    path: Path
    embedding: tuple[float, ...]


def samples_from_clips(
    paths: Sequence[Path], embedder: SpeakerEmbedder, diarizer: Diarizer | None = None
) -> list[ClipSample]:
    """One embedding per clip, after checking each holds one voice and all agree."""
    if not paths:
        raise EnrolmentRefusedError("no clips given")
    samples: list[ClipSample] = []
    for path in paths:
        if diarizer is not None:
            diarization = diarizer.diarize(path)
            talk: dict[str, float] = {}
            for turn in diarization.turns:
                talk[turn.speaker] = talk.get(turn.speaker, 0.0) + turn.duration_s
            voices = [s for s, seconds in talk.items() if seconds >= MIN_SECOND_VOICE_S]
            if len(voices) > 1:
                raise EnrolmentRefusedError(
                    f"{path.name}: {len(voices)} voices in the clip; enrol from clips of the "
                    "agent speaking alone"
                )
        try:
            embedding = embedder.embed(path)
        except ValueError as error:
            raise EnrolmentRefusedError(str(error)) from None
        samples.append(ClipSample(path, embedding))
    for a, b in itertools.combinations(samples, 2):
        similarity = cosine(a.embedding, b.embedding)
        if similarity < MIN_CLIP_AGREEMENT:
            raise EnrolmentRefusedError(
                f"{a.path.name} and {b.path.name} do not sound like one voice (similarity "
                f"{similarity:.2f} < {MIN_CLIP_AGREEMENT}); enrol each agent separately"
            )
    return samples


def conflicting_fingerprint(
    samples: Sequence[ClipSample], fingerprints: Sequence[VoiceFingerprint], halo_id: int
) -> tuple[VoiceFingerprint, float] | None:
    """Another agent's fingerprint that these clips already match, if any."""
    best: tuple[VoiceFingerprint, float] | None = None
    for fingerprint in fingerprints:
        if fingerprint.halo_id == halo_id:
            continue
        similarity = max(cosine(s.embedding, fingerprint.embedding) for s in samples)
        if similarity >= fingerprint.confidence_threshold and (
            best is None or similarity > best[1]
        ):
            best = (fingerprint, similarity)
    return best
