"""Errors that end a job, one class per error code.

`processing_error` on `ai_call_recordings` is always ``"<CODE>: <message>"``. The first nine
codes are the spec's ("Error Handling"); ``WORKER_LOST``, ``INVALID_AUDIO``,
``RELEASED_ON_SHUTDOWN``, ``STORAGE_FAILED`` and ``INTERNAL_ERROR`` are ours (docs/decisions.md,
docs/worker.md). A class docstring is its default message.

``permanent`` errors cannot succeed on a retry (the input itself is wrong), so the queue fails
them at once instead of spending the retry budget; see docs/worker.md for the table.
"""

from __future__ import annotations

from typing import ClassVar


class ConfigurationError(Exception):
    """The configuration is invalid; the message names the variable and how to fix it."""


class UnknownBackendError(ConfigurationError):
    """A backend name that `backends/registry.py` does not know, or whose libraries are missing;
    the message lists the names that would work."""


class DatabaseUnavailableError(Exception):
    """The database cannot be reached or is too old; the message says how to fix it."""


class ModelVersionError(Exception):
    """A model version is unknown, malformed or cannot be switched to; the message says why."""


class AngelError(Exception):
    """Angel Intelligence failed."""

    code: ClassVar[str] = "ANGEL_ERROR"
    permanent: ClassVar[bool] = False

    def __init__(self, message: str | None = None) -> None:
        self.message = message or (self.__doc__ or self.code).strip()
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @property
    def processing_error(self) -> str:
        """The value stored in `processing_error` (code first, then the message)."""
        return str(self)


class RecordingNotFoundError(AngelError):
    """Could not find the recording at any URL."""

    code = "RECORDING_NOT_FOUND"


class DownloadFailedError(AngelError):
    """HTTP error downloading the recording."""

    code = "DOWNLOAD_FAILED"


class RecordingTooLargeError(DownloadFailedError):
    """The recording is larger than MAX_RECORDING_BYTES."""

    permanent = True


class InvalidApexIdError(AngelError):
    """The apex id is not of the form digits.digits."""

    code = "RECORDING_NOT_FOUND"
    permanent = True


class ConversionFailedError(AngelError):
    """SoX could not convert the recording."""

    code = "CONVERSION_FAILED"


class InvalidAudioError(AngelError):
    """The recording is not audio (empty, truncated, or an HTML page)."""

    code = "INVALID_AUDIO"
    permanent = True


class TruncatedAudioError(InvalidAudioError):
    """The recording ends part-way through (still being written, or cut short); retried later."""

    permanent = False


class StorageFailedError(AngelError):
    """Could not store or read retained audio (R2 or the local storage directory)."""

    code = "STORAGE_FAILED"


class TranscriptionFailedError(AngelError):
    """Whisper could not transcribe the recording."""

    code = "TRANSCRIPTION_FAILED"


class AnalysisFailedError(AngelError):
    """The language model failed."""

    code = "ANALYSIS_FAILED"


class InvalidAnalysisConfigError(AnalysisFailedError):
    """The analysis configuration for this call (a client config row or the file) is invalid."""


class AnalysisParseError(AngelError):
    """Could not parse the language model's reply as JSON."""

    code = "ANALYSIS_PARSE_ERROR"


class AnalysisValidationError(AngelError):
    """The language model's JSON is valid but does not match the schema or the config."""

    code = "ANALYSIS_VALIDATION_ERROR"


class DatabaseError(AngelError):
    """Failed to save to the database."""

    code = "DATABASE_ERROR"


class ModelLoadError(AngelError):
    """Failed to load a model from shared storage."""

    code = "MODEL_LOAD_ERROR"


class WorkerLostError(AngelError):
    """The worker processing this call stopped renewing its lease (crashed, killed or hung)."""

    code = "WORKER_LOST"


class LeaseLostError(AngelError):
    """This worker lost its claim on the call; its results are discarded."""

    code = "WORKER_LOST"


class ReleasedOnShutdownError(AngelError):
    """The worker stopped before the job finished; the call was put back in the queue."""

    code = "RELEASED_ON_SHUTDOWN"


class InternalError(AngelError):
    """An unexpected error outside any pipeline stage (a defect; the traceback is logged)."""

    code = "INTERNAL_ERROR"


# --- The chat assistant and monthly summaries (API answers, never a processing_error) -----------


class ChatModelUnavailableError(AngelError):
    """The chat model is not available (it could not be loaded or reached); try again later."""

    code = "CHAT_MODEL_UNAVAILABLE"


class ChatModelFailedError(AngelError):
    """The chat model failed to write an answer; try again later."""

    code = "CHAT_MODEL_FAILED"


class ConversationNotFoundError(AngelError):
    """No such conversation for this user."""

    code = "CONVERSATION_NOT_FOUND"


class SummaryNotFoundError(AngelError):
    """No such monthly summary."""

    code = "SUMMARY_NOT_FOUND"


ERROR_CODES: tuple[str, ...] = (
    "RECORDING_NOT_FOUND",
    "DOWNLOAD_FAILED",
    "CONVERSION_FAILED",
    "TRANSCRIPTION_FAILED",
    "ANALYSIS_FAILED",
    "ANALYSIS_PARSE_ERROR",
    "ANALYSIS_VALIDATION_ERROR",
    "DATABASE_ERROR",
    "MODEL_LOAD_ERROR",
    "WORKER_LOST",
    "INVALID_AUDIO",
    "RELEASED_ON_SHUTDOWN",
    "STORAGE_FAILED",
    "INTERNAL_ERROR",
)
"""Every code that can start `processing_error`: the spec's nine, then ours."""


def error_code_of(processing_error: str | None) -> str | None:
    """The code at the start of a stored `processing_error`, or None."""
    if not processing_error:
        return None
    head = processing_error.split(":", 1)[0].strip()
    return head if head in ERROR_CODES else "UNKNOWN"


# MySQL/MariaDB client and server errors of an unreachable or overloaded server.
_UNREACHABLE = frozenset({1040, 1205, 1213, 2002, 2003, 2005, 2006, 2013, 2014, 2055})


def is_database_outage(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached or answered too slowly (worth
    trying again later), rather than refusing the statement's data (a trigger, a value too
    long: trying again gives the same answer)."""
    from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

    if isinstance(error, DatabaseUnavailableError | DisconnectionError):
        return True
    if getattr(error, "connection_invalidated", False):
        return True  # the dialect recognised a lost connection, whatever its number
    if isinstance(error, InterfaceError):
        return True  # the client's side of the connection (PyMySQL's "(0, '')" on a dead one)
    if not isinstance(error, OperationalError):
        return False
    orig = getattr(error, "orig", None)
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0] in _UNREACHABLE
    return "locked" in str(orig).lower()  # SQLite
