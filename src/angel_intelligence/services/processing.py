"""Processing one call: the pipeline the worker runs, in the spec's order.

    config → fetch → convert → transcribe → diarize → identify speakers → redact
    → redact audio → retain → analyse → (persist, under the claim fence)

`CallProcessor.process` reads like that list: one line per stage, each a `Stage` with a typed
input and output, run by one `StageRunner` (lease check, model lock, timing, progress: see
`services/runner.py`). It returns a typed `CallResult` and writes nothing; `run` hands it to
the result store, whose `completion` is the write the queue performs inside its fenced
completion transaction, so results, fingerprint updates and the `completed` status are
committed together or not at all, and a failure at any stage leaves no partial rows, except
that a failed analysis keeps the transcript: it is written with the failure, and a retry
analyses the stored transcript instead of starting again (decision 47). Every file
lives in the job's workspace, which the worker deletes on every path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import ClientConfigResolver, ResolvedConfig
from angel_intelligence.domain.analysis import AnalysisMode, CallAnalysis
from angel_intelligence.domain.audio import AudioFile, RetainedAudio, TimeInterval
from angel_intelligence.domain.call import resolve_call_date
from angel_intelligence.domain.job import FailedKeepingResults, JobOutcome
from angel_intelligence.domain.model_version import ModelInUse
from angel_intelligence.domain.pii import PiiRedaction
from angel_intelligence.domain.result import CallResult, KeptTranscript
from angel_intelligence.domain.speakers import Handover
from angel_intelligence.domain.speech import SpeechResult
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.errors import LeaseLostError, ModelLoadError
from angel_intelligence.pii import PiiDetector, redact_transcript
from angel_intelligence.pii.policy import PiiPolicy
from angel_intelligence.pipeline.convert import convert_recording
from angel_intelligence.pipeline.redact_audio import RedactedWav, RedactionMode, redact_audio
from angel_intelligence.pipeline.retain import retain_redacted_audio
from angel_intelligence.pipeline.speakers import SpeakerOptions
from angel_intelligence.ports import (
    CallResultStore,
    Diarizer,
    ObjectStorage,
    RecordingSource,
    Transcriber,
)
from angel_intelligence.services.analysis import analysis_facts
from angel_intelligence.services.runner import (
    JobControl,
    ModelLocks,
    Stage,
    StageListener,
    StageRunner,
)
from angel_intelligence.services.speech import SpeechStages


@dataclass(frozen=True, slots=True)
class ProcessingOptions:
    """What the stages read besides their backends: the recordings section's SOX_TIMEOUT, the
    PII section (policy, audio redaction) and the speech section's speaker options."""

    sox_timeout_s: float = 120.0
    redaction_mode: RedactionMode = "tone"
    redaction_padding_s: float = 0.25
    speaker: SpeakerOptions = field(default_factory=SpeakerOptions)
    pii_policy: PiiPolicy = field(default_factory=PiiPolicy)


# --- Stage inputs -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Download:
    apex_id: str
    call_date: dt.date | None
    dest_dir: Path


@dataclass(frozen=True, slots=True)
class Conversion:
    recording: Path
    dest_dir: Path


@dataclass(frozen=True, slots=True)
class AnalysisRequest:
    transcript: Transcript
    """The redacted, speaker-labelled transcript: the model never reads PII."""
    config: ResolvedConfig
    audio: Path | None
    """The recording, for a model that hears it (audio mode); None when it was not fetched."""
    speaker_metrics: Mapping[str, Any]
    handovers: Sequence[Handover]
    call_date: dt.date
    """What due dates are counted from."""

    @classmethod
    def of_speech(
        cls,
        transcript: Transcript,
        config: ResolvedConfig,
        audio: Path,
        speech: SpeechResult,
        call_date: dt.date,
    ) -> AnalysisRequest:
        labelling = speech.labelling
        return cls(
            transcript, config, audio, speech.speaker_metrics, labelling.handovers, call_date
        )


@dataclass(frozen=True, slots=True)
class AudioRedaction:
    audio: AudioFile
    intervals: Sequence[TimeInterval]
    dest: Path


@dataclass(frozen=True, slots=True)
class Retention:
    redacted: RedactedWav
    apex_id: str
    call_date: dt.date


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
        results: CallResultStore,
        options: ProcessingOptions,
        listener: StageListener | None = None,
        whisper_version: str | None = None,
    ) -> None:
        self.results = results
        self.listener = listener
        self.analyser: CallAnalyser | None = analyser
        """Replaced between jobs by a hot reload (`services/hot_reload.py`): each analysis
        reads it once, so one call is analysed by one model version from start to end."""
        self._whisper: tuple[Transcriber | None, str | None] = (transcriber, whisper_version)
        """The transcriber and its version, replaced together between jobs by a hot reload."""
        self._locks = ModelLocks()
        self.speech = SpeechStages.build(_CurrentTranscriber(self), diarizer, options.speaker)

        def analyse(given: AnalysisRequest) -> CallAnalysis:
            hears = given.config.analysis_mode is AnalysisMode.AUDIO
            analyser = self.analyser  # read once: one call, one model version
            if analyser is None:  # only while a reload between jobs runs (never claimed then)
                raise ModelLoadError("the analysis model is being reloaded")
            return analyser.analyse(
                given.transcript,
                given.config,
                audio_path=given.audio if hears else None,
                speaker_metrics=given.speaker_metrics,
                handovers=given.handovers,
                call_date=given.call_date,
            )

        self.config = Stage("config", configs.resolve)
        self.fetch = Stage[Download, Path](
            "fetch", lambda d: recordings.fetch(d.apex_id, d.call_date, d.dest_dir)
        )
        self.convert = Stage[Conversion, AudioFile](
            "convert",
            lambda c: convert_recording(c.recording, c.dest_dir, timeout_s=options.sox_timeout_s),
        )
        self.redact = Stage[Transcript, PiiRedaction](
            "redact", lambda t: redact_transcript(t, detector, options.pii_policy)
        )
        self.analyse = Stage("analyse", analyse, model="llm")
        self.redact_audio = Stage[AudioRedaction, RedactedWav](
            "redact_audio",
            lambda r: redact_audio(
                r.audio.path,
                r.intervals,
                r.dest,
                mode=options.redaction_mode,
                padding_s=options.redaction_padding_s,
            ),
        )
        self.retain = Stage[Retention, RetainedAudio](
            "retain",
            lambda r: retain_redacted_audio(storage, r.redacted, r.apex_id, r.call_date),
        )

    def current_transcriber(self) -> Transcriber | None:
        """The transcriber calls starting now use (None only while Whisper reloads)."""
        return self._whisper[0]

    def swap_transcriber(self, transcriber: Transcriber | None, version: str | None) -> None:
        """Calls starting from now transcribe with `transcriber`; a call running keeps the one
        it started with (`services/hot_reload.py`)."""
        self._whisper = (transcriber, version)

    def models_in_use(self) -> dict[str, ModelInUse]:
        """The models this pipeline holds now, for the worker's report (`ai_workers`)."""
        models: dict[str, ModelInUse] = {}
        transcriber, version = self._whisper
        if transcriber is not None:
            models["whisper"] = ModelInUse(
                transcriber.model_name, version or transcriber.model_name
            )
        analyser = self.analyser
        if analyser is not None:
            models["analysis"] = ModelInUse(analyser.model.model_name, analyser.model.model_version)
        return models

    @property
    def device(self) -> str:
        """Where the speech model runs (`cpu`, `cuda`)."""
        return str(getattr(self._whisper[0], "device", "cpu"))

    def run(self, job: JobControl) -> JobOutcome:
        """Process `job.call`; raises an `AngelError` when a stage fails, wrapped in
        `FailedKeepingResults` with the transcript's write when the analysis failed."""
        kept = self.results.kept_transcript(job.call.recording_id)
        if kept is not None:
            analysis = self.analyse_kept(job, kept)
            job.check_lease()
            return self.results.analysis_completion(analysis)
        result = self.process(job)
        job.check_lease()
        return self.results.completion(result)

    def process(self, job: JobControl) -> CallResult:
        """Every stage for `job.call`, in `job.workdir`, as a typed result.

        The audio is redacted and retained before the analysis, so that when the analysis fails
        everything else is complete and is kept with the failure (decision 47)."""
        call, workdir = job.call, job.workdir
        run = StageRunner(job, self._locks, self.listener)
        config = run(self.config, call.client_ref)
        recording = run(self.fetch, Download(call.apex_id, call.call_date, workdir))
        audio = run(self.convert, Conversion(recording, workdir))
        speech = self.speech.run(
            audio.path,
            run,
            fingerprints=self.results.fingerprints(),
            halo_id=call.halo_id,
            agent_name=call.agent_name,
        )
        redaction = run(self.redact, speech.transcript)
        retained = None
        call_date = resolve_call_date(call.apex_id, call.call_date)
        if call.retain_audio:
            bleeps = AudioRedaction(audio, redaction.audio_intervals, workdir / "redacted.wav")
            redacted = run(self.redact_audio, bleeps)
            retained = run(self.retain, Retention(redacted, call.apex_id, call_date))
        wav_size_bytes = audio.path.stat().st_size
        request = AnalysisRequest.of_speech(
            redaction.redacted, config, audio.path, speech, call_date
        )
        try:
            analysis = run(self.analyse, request)
        except (LeaseLostError, ModelLoadError):
            raise
        except Exception as error:
            kept = CallResult(audio, wav_size_bytes, speech, redaction, None, retained)
            raise FailedKeepingResults(error, self.results.completion(kept)) from error
        return CallResult(audio, wav_size_bytes, speech, redaction, analysis, retained)

    def analyse_kept(self, job: JobControl, kept: KeptTranscript) -> CallAnalysis:
        """A retry of a call whose transcript was kept: only the analysis runs, on the stored
        redacted segments and their speaker labels (the recording is fetched again only for a
        model that hears it)."""
        call, workdir = job.call, job.workdir
        run = StageRunner(job, self._locks, self.listener)
        config = run(self.config, call.client_ref)
        audio = None
        if config.analysis_mode is AnalysisMode.AUDIO:
            recording = run(self.fetch, Download(call.apex_id, call.call_date, workdir))
            audio = run(self.convert, Conversion(recording, workdir)).path
        facts = analysis_facts(kept.transcript, kept.duration_s)
        request = AnalysisRequest(
            kept.transcript, config, audio, facts.speaker_metrics, facts.handovers,
            resolve_call_date(call.apex_id, call.call_date),
        )  # fmt: skip
        return run(self.analyse, request)


class _CurrentTranscriber:
    """The speech stages' transcriber: whichever the processor holds when a call starts
    transcribing (a hot reload swaps it between jobs)."""

    def __init__(self, processor: CallProcessor) -> None:
        self._processor = processor

    @property
    def model_name(self) -> str:
        transcriber = self._processor.current_transcriber()
        return transcriber.model_name if transcriber is not None else ""

    def transcribe(self, audio_path: Path) -> Transcript:
        transcriber = self._processor.current_transcriber()  # read once: one call, one model
        if transcriber is None:  # only while a reload between jobs runs (never claimed then)
            raise ModelLoadError("the speech model is being reloaded")
        return transcriber.transcribe(audio_path)
