"""The heartbeat: one thread, with its own database connection, that renews running jobs' leases.

It renews every `interval_s` (`HEARTBEAT_SECONDS`), including while a job sits in a long model
call, since it runs beside the job threads. It tells a job it lost its lease (`JobContext.lose`)
when:

- a renewal matches nothing: the claim was reaped, re-claimed or released by someone else;
- renewals have failed (database unreachable) for `lease_s - interval_s`: the lease is about
  to run out, so the job stops itself rather than race the reaper (self-fencing);
- the job has run longer than `job_timeout_s` (`JOB_TIMEOUT_SECONDS`): it is no longer renewed,
  so even a thread stuck in native code loses the call to the reaper.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from angel_intelligence.db.queue import JobQueue
from angel_intelligence.logging import get_logger
from angel_intelligence.worker.context import JobContext, LeaseLoss

log = get_logger(__name__)


class Heartbeat:
    """Renews the leases of the jobs it tracks until stopped."""

    def __init__(
        self,
        queue: JobQueue,
        *,
        interval_s: float,
        lease_s: float,
        job_timeout_s: float,
        clock: Callable[[], float] = time.monotonic,
        on_beat: Callable[[], None] | None = None,
    ) -> None:
        self._queue = queue
        self.on_beat = on_beat
        """Called after each beat's renewals (the worker's report of itself, `presence.py`)."""
        self.interval_s = interval_s
        self.lease_s = lease_s
        self.job_timeout_s = job_timeout_s
        self._clock = clock
        self._jobs: dict[int, JobContext] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.renewals = 0
        self.failed_renewals = 0
        """Renewals that raised (the database unreachable or too slow): counted and logged."""

    def track(self, ctx: JobContext) -> None:
        with self._lock:
            self._jobs[ctx.job.recording_id] = ctx

    def untrack(self, ctx: JobContext) -> None:
        with self._lock:
            if self._jobs.get(ctx.job.recording_id) is ctx:
                del self._jobs[ctx.job.recording_id]

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="angel-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval_s + 10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            failed = self.failed_renewals
            self.beat()
            # Not while the database fails renewals: a report waiting out its time-out would
            # delay the next renewal, and the self-fencing clock with it.
            if self.on_beat is not None and self.failed_renewals == failed:
                self.on_beat()

    def beat(self) -> None:
        """Renew every tracked job's lease once."""
        with self._lock:
            jobs = list(self._jobs.values())
        for ctx in jobs:
            if ctx.loss is not None:
                continue
            if ctx.elapsed_s > self.job_timeout_s:
                ctx.lose(
                    LeaseLoss.TIMED_OUT,
                    f"the job ran longer than JOB_TIMEOUT_SECONDS ({self.job_timeout_s:g} s)",
                )
                continue
            try:
                renewed = self._queue.renew(ctx.job)
            except Exception as error:  # the database is unreachable, or worse: keep trying
                self.failed_renewals += 1
                silent_s = self._clock() - ctx.last_renewed_at
                log.warning(
                    "Could not renew a lease",
                    recording_id=ctx.job.recording_id,
                    error=type(error).__name__,
                    seconds_since_renewal=round(silent_s, 1),
                    failed_renewals=self.failed_renewals,
                    self_fence_in_s=round(max(0.0, self.lease_s - self.interval_s - silent_s), 1),
                )
                if silent_s >= self.lease_s - self.interval_s:
                    ctx.lose(
                        LeaseLoss.SELF_FENCED,
                        f"could not renew the lease for {silent_s:.0f} s (database unreachable)",
                    )
                continue
            if renewed:
                ctx.last_renewed_at = self._clock()
                self.renewals += 1
            else:
                ctx.lose(
                    LeaseLoss.LOST,
                    "the claim is no longer ours (the lease expired and another worker took "
                    "the call, or it was released)",
                )
