"""A call pipeline that runs the real analysis model the worker holds: for hot-reload tests.

Each call is one short generation on the loaded model (read once per call, as
`CallProcessor` reads it), `work_s` of work that checks the lease, and an analysis row whose
`model_used` / `model_version` name the model that generated it. The model is built and
swapped by the real code (`bootstrap.build_language_model`, `services/hot_reload.py`).
"""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.db.models import AiCallAnalysis, AiCallTranscription
from angel_intelligence.domain.job import JobOutcome
from angel_intelligence.domain.model_version import ModelInUse
from angel_intelligence.errors import ModelLoadError
from angel_intelligence.worker import JobContext


class ModelPipeline:
    """`CallPipeline` and `ModelHolder`: the analysis model is real, the rest is not run."""

    def __init__(self, analyser: CallAnalyser, *, work_s: float) -> None:
        self.analyser: CallAnalyser | None = analyser
        self.work_s = work_s

    def models_in_use(self) -> dict[str, ModelInUse]:
        analyser = self.analyser
        if analyser is None:
            return {}
        return {"analysis": ModelInUse(analyser.model.model_name, analyser.model.model_version)}

    @property
    def device(self) -> str:
        return "cpu"

    def run(self, ctx: JobContext) -> JobOutcome:
        analyser = self.analyser
        if analyser is None:
            raise ModelLoadError("the analysis model is being reloaded")
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
            transcription.full_transcript = "model pipeline"
            session.add(transcription)

        return JobOutcome(recording_updates={"file_format": "wav"}, write=write)
