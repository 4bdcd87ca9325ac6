"""The speech stages: transcribe → diarize → identify speakers (the transcript in British
spelling, every word keeping its time).

The worker's pipeline runs them one by one through its `StageRunner`; `transcribe_call` runs
the same three for a single file with no queue behind it (`angel transcribe`, benchmarks,
tests), so both paths share one definition of each stage. `SpeechService` is the same for the
command line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from angel_intelligence.audio_io import load_audio
from angel_intelligence.domain.speakers import CALL_MIN_SPEAKERS, Diarization, VoiceFingerprint
from angel_intelligence.domain.speech import SpeechResult
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.pipeline.speaker_metrics import speaker_metrics
from angel_intelligence.pipeline.speakers import SpeakerOptions, label_speakers
from angel_intelligence.pipeline.spelling import british_transcript
from angel_intelligence.ports import Diarizer, Transcriber
from angel_intelligence.services.runner import Stage, StageRunner, UnleasedRun

SPEECH_STAGES = ("transcribe", "diarize", "identify_speakers")


@dataclass(frozen=True, slots=True)
class SpeakerInput:
    """What identifying the speakers needs: the words, the turns, the known agents' voices."""

    transcript: Transcript
    diarization: Diarization
    fingerprints: Sequence[VoiceFingerprint] = ()
    halo_id: int | None = None
    agent_name: str | None = None


@dataclass(frozen=True, slots=True)
class SpeechStages:
    """The three speech stages, built once per process on the shared models."""

    transcribe: Stage[Path, Transcript]
    diarize: Stage[Path, Diarization]
    identify_speakers: Stage[SpeakerInput, SpeechResult]

    @classmethod
    def build(
        cls, transcriber: Transcriber, diarizer: Diarizer, options: SpeakerOptions
    ) -> SpeechStages:
        def identify(given: SpeakerInput) -> SpeechResult:
            labelling = label_speakers(
                british_transcript(given.transcript),
                given.diarization,
                given.fingerprints,
                halo_id=given.halo_id,
                agent_name=given.agent_name,
                options=options,
            )
            metrics = speaker_metrics(labelling.transcript.segments, given.transcript.duration_s)
            return SpeechResult(labelling, metrics, given.diarization)

        def diarize_call(audio_path: Path) -> Diarization:
            return diarizer.diarize(audio_path, min_speakers=CALL_MIN_SPEAKERS)

        return cls(
            transcribe=Stage("transcribe", transcriber.transcribe, model="whisper"),
            diarize=Stage("diarize", diarize_call, model="voices"),
            identify_speakers=Stage("identify_speakers", identify, model="voices"),
        )

    def run(
        self,
        audio_path: Path,
        run: StageRunner,
        *,
        fingerprints: Sequence[VoiceFingerprint] = (),
        halo_id: int | None = None,
        agent_name: str | None = None,
    ) -> SpeechResult:
        """All three for one recording; the result carries their timings."""
        transcript = run(self.transcribe, audio_path)
        diarization = run(self.diarize, audio_path)
        evidence = SpeakerInput(transcript, diarization, fingerprints, halo_id, agent_name)
        speech = run(self.identify_speakers, evidence)
        timings = {name: run.timings_s[name] for name in SPEECH_STAGES if name in run.timings_s}
        return replace(speech, timings_s=timings)


def transcribe_call(
    audio_path: Path,
    transcriber: Transcriber,
    diarizer: Diarizer,
    fingerprints: Sequence[VoiceFingerprint] = (),
    *,
    halo_id: int | None = None,
    agent_name: str | None = None,
    options: SpeakerOptions | None = None,
) -> SpeechResult:
    """Whisper, diarization and speaker identification for one file, outside any job."""
    stages = SpeechStages.build(transcriber, diarizer, options or SpeakerOptions())
    return stages.run(
        audio_path,
        StageRunner(UnleasedRun()),
        fingerprints=fingerprints,
        halo_id=halo_id,
        agent_name=agent_name,
    )


class SpeechService:
    """`angel transcribe`: one file through the speech stages, matched against the stored agent
    voices when there are any."""

    def __init__(
        self,
        stages: Callable[[], SpeechStages],
        fingerprints: Callable[[], list[VoiceFingerprint]],
    ) -> None:
        self._stages = stages
        self._fingerprints = fingerprints

    def transcribe_file(
        self, path: Path, *, halo_id: int | None = None, use_fingerprints: bool = True
    ) -> SpeechResult:
        load_audio(path)  # a file that is not audio fails now, before the models load
        known = self._fingerprints() if use_fingerprints else []
        return self._stages().run(
            path, StageRunner(UnleasedRun()), fingerprints=known, halo_id=halo_id
        )
