"""The pipeline the worker runs, and how its exceptions become `processing_error` codes.

The worker knows the pipeline only through `CallPipeline`; `bootstrap.build_call_pipeline`
builds the real one. An `AngelError` carries its own code and `permanent` flag. Any other
exception is a failure with the code of the stage it escaped from (`STAGE_ERRORS`), or
`DATABASE_ERROR` for SQLAlchemy errors, or `INTERNAL_ERROR` outside any known stage; none of
these is permanent, so the retry budget still bounds them (docs/worker.md).
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from angel_intelligence import errors
from angel_intelligence.domain.job import JobOutcome
from angel_intelligence.logging import mask_pii_text
from angel_intelligence.worker.context import JobContext


class CallPipeline(Protocol):
    """Processes one claimed call and returns what to store; raises `AngelError` on failure."""

    def run(self, ctx: JobContext) -> JobOutcome:
        """Run every stage for `ctx.call`, working in `ctx.workdir`; write nothing itself."""
        ...


class ModelWatch(Protocol):
    """Hot reload, seen from the loop (`services/hot_reload.py`): polled before each claim."""

    def poll(self, *, idle: bool) -> bool:
        """Switch models if due; True while the worker must claim nothing (waiting to be idle)."""
        ...

    def errors(self) -> dict[str, str]:
        """Model kind → why its newest version could not be loaded."""
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


# MySQL/MariaDB errors whose text names no value (a connection, a lock, a limit, a table or a
# column); others ("Duplicate entry '…'", "Incorrect string value: '…'", a trigger's SIGNAL)
# can quote the data, so only their number is kept.
_VALUE_FREE_MYSQL_ERRORS = frozenset(
    {1040, 1045, 1046, 1049, 1053, 1054, 1146, 1153, 1205, 1213, 1406, 2002, 2003, 2005, 2006,
     2013, 2014, 2055}
)  # fmt: skip


def database_reason(error: SQLAlchemyError) -> str:
    """A database error as it may be logged and stored: its type and code, and its text only when
    that cannot hold the statement's values (never the statement or its parameters)."""
    orig = getattr(error, "orig", None)
    if orig is None:
        return type(error).__name__
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    code = args[0] if args and isinstance(args[0], int) else None
    if code is None:  # SQLite: messages name tables and columns, not values
        return mask_pii_text(f"{type(orig).__name__}: {orig}")
    if code in _VALUE_FREE_MYSQL_ERRORS and len(args) > 1:
        return mask_pii_text(f"{type(orig).__name__} {code}: {args[1]}")
    return f"{type(orig).__name__} {code}"


def failure_for(error: Exception, stage: str | None) -> errors.AngelError:
    """The `AngelError` to record for an exception that ended a job."""
    if isinstance(error, errors.AngelError):
        return error
    detail = f"{type(error).__name__}: {error}".strip()
    where = f"in stage {stage}" if stage else "outside any stage"
    if isinstance(error, SQLAlchemyError):
        return errors.DatabaseError(f"{database_reason(error)} ({where})")
    cls = STAGE_ERRORS.get(stage or "", errors.InternalError)
    return cls(f"unexpected {detail} ({where})")
