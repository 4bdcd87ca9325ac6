"""A call pipeline whose behaviour the test controls: a test double of the pipeline, not the queue.

The behaviour of each call is the part of its apex id before the first `-`:

| apex id prefix | what `run` does |
|---|---|
| `ok` | succeeds at once |
| `slow` | works for `work_s` seconds (checking the lease), then succeeds |
| `fail_<CODE>` | raises the `AngelError` subclass with that code (e.g. `fail_CONVERSION_FAILED`) |
| `invalid` | raises `InvalidAudioError` (permanent) |
| `boom` | raises a plain `RuntimeError` inside the `transcribe` stage |
| `modelload` | raises `ModelLoadError` |
| `hang` | works (checking the lease) until its lease is lost |
| `hangfirst` | like `hang` on attempt 1, succeeds on later attempts |
| `sleepfirst` | sleeps `work_s` without checking the lease on attempt 1, then succeeds |
| `crash` | kills its own process (`os._exit(137)`) mid-job |
| `dupwrite` | returns an outcome that writes two transcription rows (the unique key refuses) |
| `keep` | fails in `analyse` (a `ConnectionError`) keeping a transcription row |
| `keepdup` | like `keep`, but the kept write adds two transcription rows (refused) |

Each run appends `started <recording_id> <claim_token> <worker_id> <attempt>` to the executions
log (one line, one `write` with O_APPEND, so several processes can share the file), and a
successful run writes one transcription and one analysis row whose text names the worker and
the claim, so a test can tell whose result was stored.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from angel_intelligence import errors
from angel_intelligence.db.models import AiCallAnalysis, AiCallTranscription
from angel_intelligence.domain.job import FailedKeepingResults, JobOutcome
from angel_intelligence.worker import JobContext

_ERRORS_BY_CODE = {
    cls.code: cls
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, errors.AngelError) and not cls.permanent
}


def results_outcome(marker: str, *, duration_s: int = 42) -> JobOutcome:
    """An outcome that stores one transcription and one analysis row (replacing any)."""

    def write(session: Session, recording_id: int) -> None:
        transcription = session.scalars(
            select(AiCallTranscription).where(
                AiCallTranscription.ai_call_recording_id == recording_id
            )
        ).one_or_none() or AiCallTranscription(ai_call_recording_id=recording_id)
        transcription.full_transcript = marker
        transcription.segments = [{"text": marker, "start": 0.0, "end": 1.0}]
        transcription.model_used = "controlled-pipeline"
        session.add(transcription)
        analysis = session.scalars(
            select(AiCallAnalysis).where(AiCallAnalysis.ai_call_recording_id == recording_id)
        ).one_or_none() or AiCallAnalysis(ai_call_recording_id=recording_id)
        analysis.summary = marker
        analysis.model_used = "controlled-pipeline"
        session.add(analysis)

    return JobOutcome(
        recording_updates={"duration_seconds": duration_s, "file_format": "wav"}, write=write
    )


def _write_transcription(session: Session, recording_id: int) -> None:
    session.add(AiCallTranscription(ai_call_recording_id=recording_id, full_transcript="kept"))


def _write_two_transcriptions(session: Session, recording_id: int) -> None:
    for text in ("one", "two"):
        session.add(AiCallTranscription(ai_call_recording_id=recording_id, full_transcript=text))
        session.flush()


class ControlledPipeline:
    """Implements the worker's `CallPipeline` protocol with test-chosen behaviour."""

    def __init__(self, executions_log: Path | None = None, *, work_s: float = 30.0) -> None:
        self.executions_log = executions_log
        self.work_s = work_s

    def _record(self, ctx: JobContext) -> None:
        if self.executions_log is None:
            return
        job = ctx.job
        line = f"started {job.recording_id} {job.claim_token} {job.worker_id} {job.attempt}\n"
        fd = os.open(self.executions_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def run(self, ctx: JobContext) -> JobOutcome:
        self._record(ctx)
        behaviour = ctx.call.apex_id.split("-", 1)[0]
        (ctx.workdir / "audio.wav").write_bytes(b"RIFF" + b"\0" * 64)  # temp files to clean up
        marker = f"{ctx.job.worker_id} {ctx.job.claim_token}"
        with ctx.stage("fetch"):
            pass
        if behaviour == "ok":
            return results_outcome(marker)
        if behaviour == "slow":
            self._work(ctx, self.work_s)
            return results_outcome(marker)
        if behaviour.startswith("fail_"):
            raise _ERRORS_BY_CODE[behaviour.removeprefix("fail_")]("the test asked for it")
        if behaviour == "invalid":
            raise errors.InvalidAudioError("the file is an HTML page")
        if behaviour == "boom":
            with ctx.stage("transcribe"):
                raise RuntimeError("unexpected failure in a library")
        if behaviour == "modelload":
            raise errors.ModelLoadError("no model at /models/whisper/current")
        if behaviour == "hang" or (behaviour == "hangfirst" and ctx.job.attempt == 1):
            self._work(ctx, 3600.0)
        if behaviour == "sleepfirst" and ctx.job.attempt == 1:
            time.sleep(self.work_s)  # a long model call that never looks at its lease
        if behaviour == "crash":
            os._exit(137)
        if behaviour == "dupwrite":
            return JobOutcome(write=_write_two_transcriptions)
        if behaviour in ("keep", "keepdup"):
            kept = _write_two_transcriptions if behaviour == "keepdup" else _write_transcription
            try:
                with ctx.stage("analyse"):
                    raise ConnectionError("the analysis server is not answering")
            except ConnectionError as error:
                raise FailedKeepingResults(error, JobOutcome(write=kept)) from error
        return results_outcome(marker)

    def _work(self, ctx: JobContext, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with ctx.stage("transcribe"):
            while time.monotonic() < deadline:
                ctx.check_lease()
                time.sleep(0.05)
