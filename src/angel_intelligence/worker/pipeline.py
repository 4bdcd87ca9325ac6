"""The pipeline the worker runs, and how its exceptions become `processing_error` codes.

The worker knows the pipeline only through `CallPipeline`; `bootstrap.build_call_pipeline`
builds the real one. An `AngelError` carries its own code and `permanent` flag. Any other
exception is a failure with the code of the stage it escaped from (`STAGE_ERRORS`), or
`DATABASE_ERROR` for SQLAlchemy errors, or `INTERNAL_ERROR` outside any known stage; none of
these is permanent, so the retry budget still bounds them (docs/worker.md).
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from angel_intelligence import errors
from angel_intelligence.domain.job import JobOutcome
from angel_intelligence.worker.context import JobContext


class CallPipeline(Protocol):
    """Processes one claimed call and returns what to store; raises `AngelError` on failure."""

    def run(self, ctx: JobContext) -> JobOutcome:
        """Run every stage for `ctx.call`, working in `ctx.workdir`; write nothing itself."""
        ...


STAGE_ERRORS: dict[str, type[errors.AngelError]] = {
    "config": errors.AnalysisFailedError,
    "fetch": errors.DownloadFailedError,
    "download": errors.DownloadFailedError,
    "convert": errors.ConversionFailedError,
    "transcribe": errors.TranscriptionFailedError,
    "diarize": errors.TranscriptionFailedError,
    "identify_speakers": errors.TranscriptionFailedError,
    "analyse": errors.AnalysisFailedError,
    "retain": errors.StorageFailedError,
    "persist": errors.DatabaseError,
}
"""The code an unexpected exception gets, by the pipeline stage it escaped from."""


def failure_for(error: Exception, stage: str | None) -> errors.AngelError:
    """The `AngelError` to record for an exception that ended a job."""
    if isinstance(error, errors.AngelError):
        return error
    detail = f"{type(error).__name__}: {error}".strip()
    where = f"in stage {stage}" if stage else "outside any stage"
    if isinstance(error, SQLAlchemyError):
        # never the statement or its parameters: they may hold transcript text
        orig = getattr(error, "orig", None)
        reason = f"{type(orig).__name__}: {orig}" if orig is not None else type(error).__name__
        return errors.DatabaseError(f"{reason} ({where})")
    cls = STAGE_ERRORS.get(stage or "", errors.InternalError)
    return cls(f"unexpected {detail} ({where})")
