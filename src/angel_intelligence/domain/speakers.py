"""Speakers: who spoke when, and who they are (agent, unknown agent, supporter)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class SpeakerRole(enum.StrEnum):
    """The spec's `speaker` values."""

    AGENT = "agent"
    AGENT_UNKNOWN = "agent_unknown"
    SUPPORTER = "supporter"

    @property
    def label(self) -> str:
        """How the role is written in `full_transcript` ("Agent: …", "Supporter: …")."""
        return {"agent": "Agent", "agent_unknown": "Agent", "supporter": "Supporter"}[self.value]

    @property
    def is_agent(self) -> bool:
        return self is not SpeakerRole.SUPPORTER


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """A span of speech by one diarized speaker (`speaker` is a cluster label such as "S0")."""

    start_s: float
    end_s: float
    speaker: str

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Diarization:
    """Who spoke when on a mono call, with one L2-normalised voice embedding per speaker."""

    turns: tuple[SpeakerTurn, ...]
    embeddings: dict[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def speakers(self) -> tuple[str, ...]:
        return tuple(sorted({t.speaker for t in self.turns}))


@dataclass(frozen=True, slots=True)
class SpeakerIdentity:
    """What a diarized speaker turned out to be."""

    speaker: str  # the diarization label
    role: SpeakerRole
    speaker_id: str  # "agent_1001", "agent_unknown_1", "supporter"
    confidence: float
    halo_id: int | None = None
    method: str = ""  # "fingerprint", "cues", ... (for the record; docs/speakers.md)
    talk_s: float = 0.0  # seconds of speech (diarized turns)
    first_start_s: float = 0.0  # when the speaker is first heard
    reasons: tuple[str, ...] = ()  # the cues or the match that decided (never any words)


@dataclass(frozen=True, slots=True)
class Handover:
    """A call transfer: a different agent's voice takes over at `time_s`."""

    time_s: float
    from_speaker_id: str
    to_speaker_id: str


@dataclass(frozen=True, slots=True)
class VoiceFingerprint:
    """An agent's stored voice (`ai_voice_fingerprints`): L2-normalised embedding and threshold."""

    halo_id: int
    agent_name: str
    embedding: tuple[float, ...]
    confidence_threshold: float = 0.85
    sample_count: int = 0
    last_updated_at: dt.datetime | None = None

    @property
    def speaker_id(self) -> str:
        return agent_speaker_id(self.halo_id)


@dataclass(frozen=True, slots=True)
class FingerprintSample:
    """A voice to add to an agent's fingerprint, chosen by the enrolment guard."""

    halo_id: int
    agent_name: str
    embedding: tuple[float, ...]
    speech_s: float
    speaker: str = ""  # the diarization label it came from


def agent_speaker_id(halo_id: int) -> str:
    """The spec's speaker_id for a known agent: "agent_1001" for halo_id 1001."""
    return f"agent_{halo_id}"


SUPPORTER_SPEAKER_ID = "supporter"
# A call has a supporter and at least one agent: the diarizer is asked for two voices at least
# (a recording in which it hears one is split in two; docs/speakers.md, "Diarization").
CALL_MIN_SPEAKERS = 2
