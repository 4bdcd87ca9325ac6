"""What the speech stages produce: the labelled transcript, who is who, and the metrics.

`SpeakerLabelling` is the identify-speakers stage's output; `SpeechResult` adds the diarization,
`speaker_metrics` and the stage timings (what `angel transcribe --full` prints).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from angel_intelligence.domain.speakers import (
    Diarization,
    FingerprintSample,
    Handover,
    SpeakerIdentity,
)
from angel_intelligence.domain.transcript import Transcript


@dataclass(frozen=True)
class SpeakerLabelling:
    """The stage's output."""

    transcript: Transcript
    identities: tuple[SpeakerIdentity, ...]
    handovers: tuple[Handover, ...]
    enrolments: tuple[FingerprintSample, ...] = ()
    enrolment_notes: tuple[str, ...] = field(default_factory=tuple)  # why nothing was enrolled

    def identity(self, speaker_id: str) -> SpeakerIdentity | None:
        return next((i for i in self.identities if i.speaker_id == speaker_id), None)

    @property
    def agents(self) -> tuple[SpeakerIdentity, ...]:
        return tuple(i for i in self.identities if i.role.is_agent)

    def handovers_json(self) -> list[dict[str, object]]:
        """For the analysis (`audio_analysis.handovers`): time and who to whom."""
        return [
            {"time_s": round(h.time_s, 3), "from": h.from_speaker_id, "to": h.to_speaker_id}
            for h in self.handovers
        ]


@dataclass(frozen=True)
class SpeechResult:
    """Transcribe → diarize → identify speakers, for one recording."""

    labelling: SpeakerLabelling
    speaker_metrics: Mapping[str, Any]
    diarization: Diarization
    timings_s: Mapping[str, float] = field(default_factory=dict)
    """Seconds in each speech stage (`transcribe`, `diarize`, `identify_speakers`)."""

    @property
    def transcript(self) -> Transcript:
        return self.labelling.transcript

    @property
    def processing_time_s(self) -> float:
        return sum(self.timings_s.values())

    def to_json(self) -> dict[str, Any]:
        """What `angel transcribe --full` prints: the transcription fields, the speakers, the
        handovers, the metrics and the timings."""
        transcript = self.transcript
        return {
            "full_transcript": transcript.full_text(),
            "segments": transcript.to_segments_json(),
            "language_detected": transcript.language,
            "confidence_score": transcript.confidence_score,
            "model_used": transcript.model,
            "processing_time_seconds": round(self.processing_time_s),
            "duration_seconds": round(transcript.duration_s, 3),
            "speakers": [
                {
                    "speaker": i.role.value,
                    "speaker_id": i.speaker_id,
                    "speaker_confidence": i.confidence,
                    "method": i.method,
                    "talk_time_seconds": round(i.talk_s, 1),
                    "first_heard_seconds": round(i.first_start_s, 1),
                    "reasons": list(i.reasons),
                }
                for i in self.labelling.identities
            ],
            "handovers": self.labelling.handovers_json(),
            "speaker_metrics": dict(self.speaker_metrics),
            "timings_seconds": {k: round(v, 2) for k, v in self.timings_s.items()},
        }
