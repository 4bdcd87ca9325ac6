"""What the pipeline gets for one job: the call, a working directory, the lease, and stage
reports; `JobContext` is the `services.runner.JobControl` the worker hands the pipeline.

The runner calls `check_lease()` before each stage, so a job whose lease was lost stops at the
next checkpoint instead of running on to a result that the fence would discard anyway.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from angel_intelligence.domain.call import CallInput
from angel_intelligence.domain.job import ClaimedJob
from angel_intelligence.errors import LeaseLostError
from angel_intelligence.logging import get_logger
from angel_intelligence.services.runner import stage_scope

log = get_logger(__name__)


class LeaseLoss(enum.StrEnum):
    """Why a job may no longer write its result."""

    LOST = "lost"
    """The lease renewal matched nothing: reaped, re-claimed or edited by someone else."""
    SELF_FENCED = "self_fenced"
    """Renewals kept failing (database unreachable) until the lease was nearly over."""
    TIMED_OUT = "timed_out"
    """The job ran longer than JOB_TIMEOUT_SECONDS; the heartbeat stopped renewing it."""
    RELEASED = "released"
    """The worker is shutting down and put the call back in the queue."""


class JobContext:
    """One running job, as the pipeline sees it (`CallPipeline.run(ctx)`)."""

    def __init__(
        self, job: ClaimedJob, workdir: Path, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.job = job
        self.workdir = workdir
        """A directory of this job's own, removed when the job ends on every path."""
        self.stage_timings: dict[str, float] = {}
        """Seconds spent in each stage, in the order the stages ran."""
        self.failed_stage: str | None = None
        """The innermost stage an exception escaped from, if any."""
        self._clock = clock
        self.started_at = clock()
        self.last_renewed_at = self.started_at
        self._lost = threading.Event()
        self._loss: LeaseLoss | None = None
        self._loss_reason = ""
        self._lost_at: float | None = None
        self._lock = threading.Lock()

    @property
    def call(self) -> CallInput:
        return self.job.call

    @property
    def recording(self) -> CallInput:
        """The recording's facts (an alias of `call`)."""
        return self.job.call

    @property
    def elapsed_s(self) -> float:
        return self._clock() - self.started_at

    # --- The lease -------------------------------------------------------------------------

    def check_lease(self) -> None:
        """Raise `LeaseLostError` if this worker may no longer write the job's result."""
        if self._lost.is_set():
            raise LeaseLostError(self._loss_reason)

    def lose(self, loss: LeaseLoss, reason: str) -> bool:
        """Mark the lease lost (the first reason wins); True if this call marked it."""
        with self._lock:
            if self._loss is not None:
                return False
            self._loss, self._loss_reason, self._lost_at = loss, reason, self._clock()
            self._lost.set()
            return True

    @property
    def loss(self) -> LeaseLoss | None:
        return self._loss

    @property
    def lost_for_s(self) -> float:
        return 0.0 if self._lost_at is None else self._clock() - self._lost_at

    # --- Progress ------------------------------------------------------------------------------

    def stage_ended(self, name: str, duration_s: float, error: BaseException | None) -> None:
        """Record a stage's time, and the innermost stage an exception escaped from."""
        self.stage_timings[name] = self.stage_timings.get(name, 0.0) + duration_s
        if error is not None:
            self.failed_stage = self.failed_stage or name

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """A step that is not a pipeline `Stage`: the runner's lease check, timing and log
        context around it (`services/runner.stage_scope`)."""
        with stage_scope(self, name):
            yield
