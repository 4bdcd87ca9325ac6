"""A call pipeline that runs the real analysis model the worker holds: for hot-reload tests.

Each call is one short generation on the loaded model (read once per call, as
`CallProcessor` reads it), `work_s` of work that checks the lease, and an analysis row whose
`model_used` / `model_version` name the model that generated it. The model is built and
swapped by the real code (`bootstrap.build_language_model`, `services/hot_reload.py`).
With a transcriber and an audio file, each call also transcribes the file with the
transcriber held when the call starts, and the transcription row keeps the text and the
Whisper version that wrote it (`"<model>@<version>"` in `model_used`).
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.db.models import AiCallAnalysis, AiCallTranscription
from angel_intelligence.domain.job import JobOutcome
from angel_intelligence.domain.model_version import ModelInUse
from angel_intelligence.errors import ModelLoadError
from angel_intelligence.ports import Transcriber
from angel_intelligence.worker import JobContext


class ModelPipeline:
    """`CallPipeline` and `ModelHolder`: the analysis model is real, the rest is not run."""

    def __init__(
        self,
        analyser: CallAnalyser,
        *,
        work_s: float,
        transcriber: Transcriber | None = None,
        whisper_version: str | None = None,
        audio: Path | None = None,
    ) -> None:
        self.analyser: CallAnalyser | None = analyser
        self.work_s = work_s
        self._whisper = (transcriber, whisper_version)
        self.audio = audio

    def current_transcriber(self) -> Transcriber | None:
        return self._whisper[0]

    def swap_transcriber(self, transcriber: Transcriber | None, version: str | None) -> None:
        self._whisper = (transcriber, version)

    def models_in_use(self) -> dict[str, ModelInUse]:
        models = {}
        transcriber, version = self._whisper
        if transcriber is not None:
            models["whisper"] = ModelInUse(transcriber.model_name, version or "")
        analyser = self.analyser
        if analyser is not None:
            models["analysis"] = ModelInUse(analyser.model.model_name, analyser.model.model_version)
        return models

    @property
    def device(self) -> str:
        return "cpu"

    def run(self, ctx: JobContext) -> JobOutcome:
        analyser = self.analyser
        if analyser is None:
            raise ModelLoadError("the analysis model is being reloaded")
        heard, heard_by = "model pipeline", None
        transcriber, whisper_version = self._whisper  # read once: one call, one version
        if self.audio is not None:
            if transcriber is None:
                raise ModelLoadError("the speech model is being reloaded")
            with ctx.stage("transcribe"):
                heard = transcriber.transcribe(self.audio).full_text(with_speakers=False)
            heard_by = f"{transcriber.model_name}@{whisper_version}"
        with ctx.stage("analyse"):
            reply = analyser.model.generate(
                [{"role": "user", "content": "Say hello."}], max_new_tokens=8, seed=1
            )
            deadline = time.monotonic() + self.work_s
            while time.monotonic() < deadline:
                ctx.check_lease()
                time.sleep(0.05)
        name, version = analyser.model.model_name, analyser.model.model_version

        def write(session: Session, recording_id: int) -> None:
            analysis = session.scalars(
                select(AiCallAnalysis).where(AiCallAnalysis.ai_call_recording_id == recording_id)
            ).one_or_none() or AiCallAnalysis(ai_call_recording_id=recording_id)
            analysis.summary = reply[:200]
            analysis.model_used, analysis.model_version = name, version
            session.add(analysis)
            transcription = session.scalars(
                select(AiCallTranscription).where(
                    AiCallTranscription.ai_call_recording_id == recording_id
                )
            ).one_or_none() or AiCallTranscription(ai_call_recording_id=recording_id)
            transcription.full_transcript = heard
            transcription.model_used = heard_by
            session.add(transcription)

        return JobOutcome(recording_updates={"file_format": "wav"}, write=write)
