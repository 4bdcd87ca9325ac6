"""The job queue's values: a claimed job, a job's outcome, a processing request, the statistics.

The queue is the `ai_call_recordings` table (docs/worker.md). These types cross the boundary
between the queue (`db/queue.py`), the worker (`worker/`) and the pipeline, which returns a
`JobOutcome` that the queue writes inside its fenced completion transaction.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from angel_intelligence.domain.call import CallInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """One recording this worker holds a lease on; `claim_token` fences every write."""

    recording_id: int
    apex_id: str
    claim_token: str
    worker_id: str
    attempt: int
    """1 for the first run; `retry_count + 1` (failed and lost attempts count)."""
    claimed_from: str
    """The status the row had when claimed: `queued`, `pending` or `failed`."""
    call: CallInput


def _write_nothing(_session: Session, _recording_id: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What a successful pipeline run produced, written by the queue in one fenced transaction.

    `write(session, recording_id)` writes the result rows (transcription, analysis,
    fingerprints) with the given session, inside the transaction that also marks the recording
    completed, and only if this worker still holds the claim. It must replace existing rows,
    never add a second one (the results tables have a unique key per recording), and must not
    commit. `recording_updates` are columns of `ai_call_recordings` to set on completion
    (`duration_seconds`, `file_size_bytes`, `file_format`, `r2_path`, `r2_bucket`, ...); the
    queue's own columns (status, retry and lease columns) are refused.
    """

    recording_updates: Mapping[str, Any] = field(default_factory=dict)
    write: Callable[[Session, int], None] = _write_nothing

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "recording_updates", MappingProxyType(dict(self.recording_updates))
        )


class RequestResult(enum.StrEnum):
    """What happened to a request to process one call (`angel process`, POST /api/process)."""

    QUEUED = "queued"
    """The call is `queued` now (it was pending, queued, failed, or forced)."""
    NOT_FOUND = "not_found"
    """No recording with that apex id (soft-deleted rows count as absent)."""
    IN_PROGRESS = "in_progress"
    """A worker is processing it now; the request changed nothing."""
    NEEDS_FORCE = "needs_force"
    """It is completed or permanently failed; only a forced request re-processes it."""


@dataclass(frozen=True, slots=True)
class RequestOutcome:
    """The result of `JobQueue.request_processing`, with a message fit for a user."""

    result: RequestResult
    recording_id: int | None
    previous_status: str | None
    message: str
    claimed_by: str | None = None

    @property
    def queued(self) -> bool:
        return self.result is RequestResult.QUEUED


@dataclass(frozen=True, slots=True)
class QueueStatistics:
    """The queue's numbers for monitoring (the spec's `getStatistics()`).

    Soft-deleted rows are not counted. Ages are in seconds, from the database clock; None when
    nothing waits in that status.
    """

    by_status: Mapping[str, int]
    oldest_pending_age_s: float | None
    oldest_queued_age_s: float | None
    failures_by_code: Mapping[str, int]
    """`failed` rows by the code at the start of `processing_error`."""
    retries_scheduled: int
    """`failed` rows with a `next_retry_at`: they will be tried again."""
    retries_due: int
    """Of those, the ones whose `next_retry_at` has passed."""
    permanently_failed: int
    """`failed` rows with no `next_retry_at`: they stay failed."""
    expired_leases: int
    """`processing` rows whose lease has expired and that no worker has reaped yet (should be 0)."""
    released_by_code: Mapping[str, int] = field(default_factory=dict)
    """`queued` rows a worker released, by the code it gave (`RELEASED_ON_SHUTDOWN`, or
    `MODEL_LOAD_ERROR` from a worker that cannot load its models); cleared when one completes."""

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_status": dict(self.by_status),
            "oldest_pending_age_s": self.oldest_pending_age_s,
            "oldest_queued_age_s": self.oldest_queued_age_s,
            "failures_by_code": dict(self.failures_by_code),
            "retries_scheduled": self.retries_scheduled,
            "retries_due": self.retries_due,
            "permanently_failed": self.permanently_failed,
            "expired_leases": self.expired_leases,
        }
