"""Transcribe → diarize → identify speakers, as one call for the pipeline runner and the CLI.

`transcribe_call` returns a `SpeechResult`: the labelled transcript, who is who, the handovers,
the fingerprint samples the guard accepted, `speaker_metrics`, and the stage timings.
`transcription_row()` gives the `ai_call_transcriptions` fields this stage fills.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from angel_intelligence.domain.speakers import Diarization, VoiceFingerprint
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.pipeline.speaker_metrics import speaker_metrics
from angel_intelligence.pipeline.speakers import SpeakerLabelling, SpeakerOptions, label_speakers
from angel_intelligence.ports import Diarizer, Transcriber


@dataclass(frozen=True)
class SpeechResult:
    labelling: SpeakerLabelling
    speaker_metrics: dict[str, Any]
    diarization: Diarization
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def transcript(self) -> Transcript:
        return self.labelling.transcript

    def transcription_row(self) -> dict[str, Any]:
        """`ai_call_transcriptions` columns from this stage (PII columns are the next stage's)."""
        transcript = self.transcript
        return {
            "full_transcript": transcript.full_text(),
            "segments": transcript.to_segments_json(),
            "language_detected": transcript.language,
            "confidence_score": round(min(max(transcript.confidence, 0.0), 1.0), 4),
            "model_used": transcript.model,
            "processing_time_seconds": round(sum(self.timings_s.values())),
        }

    def to_json(self) -> dict[str, Any]:
        """What `angel transcribe --full` prints."""
        return {
            **self.transcription_row(),
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
            "speaker_metrics": self.speaker_metrics,
            "timings_seconds": {k: round(v, 2) for k, v in self.timings_s.items()},
        }


StageHook = Callable[[str], AbstractContextManager[object]]
"""Wraps each step (`transcribe`, `diarize`, `identify_speakers`): the worker's `ctx.stage`."""


def transcribe_call(
    audio_path: Path,
    transcriber: Transcriber,
    diarizer: Diarizer,
    fingerprints: Sequence[VoiceFingerprint] = (),
    *,
    halo_id: int | None = None,
    agent_name: str | None = None,
    options: SpeakerOptions | None = None,
    stage: StageHook | None = None,
) -> SpeechResult:
    """Whisper, diarization and speaker identification for one recording."""
    hook: StageHook = stage or (lambda _name: nullcontext())
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with hook("transcribe"):
        transcript = transcriber.transcribe(audio_path)
    timings["transcribe"] = time.perf_counter() - started
    started = time.perf_counter()
    with hook("diarize"):
        diarization = diarizer.diarize(audio_path)
    timings["diarize"] = time.perf_counter() - started
    started = time.perf_counter()
    with hook("identify_speakers"):
        labelling = label_speakers(
            transcript,
            diarization,
            fingerprints,
            halo_id=halo_id,
            agent_name=agent_name,
            options=options,
        )
        metrics = speaker_metrics(labelling.transcript.segments, transcript.duration_s)
    timings["identify_speakers"] = time.perf_counter() - started
    return SpeechResult(labelling, metrics, diarization, timings)
