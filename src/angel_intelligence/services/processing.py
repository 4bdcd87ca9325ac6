"""Processing one call: the pipeline the worker runs, in the spec's order.

    config → fetch → convert → transcribe → diarize → identify speakers → detect PII, redact
    → analyse → redact audio → retain → (persist, under the claim fence)

`CallProcessor.run` reads like that list. It writes nothing itself: it returns a `JobOutcome`
whose `write` the queue calls inside the fenced completion transaction, so results, fingerprint
updates and the `completed` status are committed together or not at all, and a failure at any
stage leaves no partial rows. Every file lives in the job's workspace, which the worker deletes
on every path.

Models are shared by the jobs of one worker (they load once per process). Each model stage runs
under that model's lock, so with MAX_CONCURRENT_JOBS > 1 one job's download, conversion or upload
overlaps another job's inference, and two jobs never run the same model at once (on a GPU this
keeps one copy of each model in memory and one inference per model in flight; docs/pipeline.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import ClientConfigResolver
from angel_intelligence.db.fingerprints import apply_enrolments, load_fingerprints
from angel_intelligence.db.results import save_analysis, save_transcription
from angel_intelligence.domain.analysis import AnalysisMode, CallAnalysis
from angel_intelligence.domain.audio import AudioFile
from angel_intelligence.domain.call import resolve_call_date
from angel_intelligence.domain.job import JobOutcome
from angel_intelligence.domain.pii import PiiRedaction
from angel_intelligence.pii import PiiDetector, redact_transcript
from angel_intelligence.pii.policy import PiiPolicy
from angel_intelligence.pipeline.convert import convert_recording
from angel_intelligence.pipeline.redact_audio import redact_audio
from angel_intelligence.pipeline.retain import RetainedAudio, retain_redacted_audio
from angel_intelligence.pipeline.speakers import SpeakerOptions
from angel_intelligence.pipeline.speech import SpeechResult, transcribe_call
from angel_intelligence.ports import Diarizer, ObjectStorage, RecordingSource, Transcriber
from angel_intelligence.settings import Settings
from angel_intelligence.worker.context import JobContext

StageListener = Callable[[str, str], None]
"""Told `(stage, "started" | "finished" | "failed")`: the demo's progress display."""


@dataclass(frozen=True)
class ProcessingOptions:
    """The settings the pipeline's stages read (built once from `Settings`)."""

    sox_timeout_s: float
    redaction_mode: str
    redaction_padding_s: float
    speaker: SpeakerOptions
    pii_policy: PiiPolicy

    @classmethod
    def from_settings(cls, settings: Settings) -> ProcessingOptions:
        return cls(
            sox_timeout_s=settings.sox_timeout_seconds,
            redaction_mode=settings.redaction_mode,
            redaction_padding_s=settings.redaction_padding_ms / 1000,
            speaker=SpeakerOptions.from_settings(settings),
            pii_policy=PiiPolicy.from_settings(settings),
        )


class CallProcessor:
    """The worker's `CallPipeline`: one call in, a `JobOutcome` out."""

    def __init__(
        self,
        *,
        recordings: RecordingSource,
        transcriber: Transcriber,
        diarizer: Diarizer,
        detector: PiiDetector,
        analyser: CallAnalyser,
        configs: ClientConfigResolver,
        storage: ObjectStorage,
        sessions: sessionmaker[Session],
        options: ProcessingOptions,
        listener: StageListener | None = None,
    ) -> None:
        self.recordings = recordings
        self.transcriber = transcriber
        self.diarizer = diarizer
        self.detector = detector
        self.analyser = analyser
        self.configs = configs
        self.storage = storage
        self.sessions = sessions
        self.options = options
        self.listener = listener
        self._model_locks = {name: threading.Lock() for name in ("whisper", "voices", "llm")}

    def run(self, ctx: JobContext) -> JobOutcome:
        """Process `ctx.call` in `ctx.workdir`; raises an `AngelError` when a stage fails."""
        call = ctx.call
        stage = self._stage_hook(ctx)
        with stage("config"):
            config = self.configs.resolve(call.client_ref)
        with stage("fetch"):
            recording = self.recordings.fetch(call.apex_id, call.call_date, ctx.workdir)
        with stage("convert"):
            audio = convert_recording(recording, ctx.workdir, timeout_s=self.options.sox_timeout_s)
        speech = self._speech(audio, call.halo_id, call.agent_name, stage)
        with stage("redact"):
            redaction = redact_transcript(speech.transcript, self.detector, self.options.pii_policy)
        with stage("analyse"), self._model_locks["llm"]:
            analysis = self.analyser.analyse(
                redaction.redacted,
                config,
                audio_path=audio.path if config.analysis_mode is AnalysisMode.AUDIO else None,
                speaker_metrics=speech.speaker_metrics,
                handovers=speech.labelling.handovers,
            )
        retained = None
        if call.retain_audio:
            with stage("redact_audio"):
                redacted_wav = redact_audio(
                    audio.path,
                    redaction.audio_intervals,
                    ctx.workdir / "redacted.wav",
                    mode=self.options.redaction_mode,  # type: ignore[arg-type]
                    padding_s=self.options.redaction_padding_s,
                )
            with stage("retain"):
                retained = retain_redacted_audio(
                    self.storage,
                    redacted_wav,
                    call.apex_id,
                    resolve_call_date(call.apex_id, call.call_date),
                )
        ctx.check_lease()
        return _outcome(audio, speech, redaction, analysis, retained)

    def _speech(
        self,
        audio: AudioFile,
        halo_id: int | None,
        agent_name: str | None,
        stage: Callable[[str], Any],
    ) -> SpeechResult:
        with self.sessions() as session:
            fingerprints = load_fingerprints(session)
        locks = {"transcribe": "whisper", "diarize": "voices", "identify_speakers": "voices"}

        @contextmanager
        def locked(name: str) -> Iterator[None]:
            with stage(name), self._model_locks[locks[name]]:
                yield

        return transcribe_call(
            audio.path,
            self.transcriber,
            self.diarizer,
            fingerprints,
            halo_id=halo_id,
            agent_name=agent_name,
            options=self.options.speaker,
            stage=locked,
        )

    def _stage_hook(self, ctx: JobContext) -> Callable[[str], Any]:
        listener = self.listener

        @contextmanager
        def stage(name: str) -> Iterator[None]:
            if listener:
                listener(name, "started")
            try:
                with ctx.stage(name):
                    yield
            except BaseException:
                if listener:
                    listener(name, "failed")
                raise
            if listener:
                listener(name, "finished")

        return stage


def _outcome(
    audio: AudioFile,
    speech: SpeechResult,
    redaction: PiiRedaction,
    analysis: CallAnalysis,
    retained: RetainedAudio | None,
) -> JobOutcome:
    transcription = {
        **speech.transcription_row(),
        "full_transcript": redaction.full_transcript,
        "segments": redaction.segments,
        "redacted_transcript": redaction.redacted_transcript,
        "redacted_segments": redaction.redacted_segments,
        "pii_detected": redaction.pii_detected,
    }
    analysis_row = analysis.to_row()
    enrolments = speech.labelling.enrolments
    updates: dict[str, Any] = {
        "duration_seconds": round(audio.duration_s),
        # The spec's "Frontend Integration Points" set file_format = 'wav': the size is the
        # WAV's too, so the two describe the same (converted, and if retained, stored) file.
        "file_size_bytes": audio.path.stat().st_size,
        "file_format": "wav",
    }
    if retained is not None:
        updates |= {"r2_bucket": retained.bucket, "r2_path": retained.key}

    def write(session: Session, recording_id: int) -> None:
        save_transcription(session, recording_id, transcription)
        save_analysis(session, recording_id, analysis_row)
        apply_enrolments(session, enrolments)

    return JobOutcome(recording_updates=updates, write=write)
