"""The worker: poll, reap, claim free slots, run jobs in threads, shut down gracefully.

One loop in the main thread (it also receives SIGTERM/SIGINT), one thread per running job, one
heartbeat thread with its own connection. Every job ends in exactly one of: completed, failed
(retry scheduled or permanent), released back to `queued`, or discarded because the claim was
lost; its working directory is removed on every path. docs/worker.md has the whole design.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import structlog

from angel_intelligence.db.queue import JobQueue
from angel_intelligence.domain.job import ClaimedJob, FailedKeepingResults, JobOutcome
from angel_intelligence.errors import (
    AngelError,
    LeaseLostError,
    ModelLoadError,
    WorkerLostError,
)
from angel_intelligence.logging import describe_exception, get_logger
from angel_intelligence.pipeline.workspace import (
    clean_stale_workspaces,
    job_workspace,
    remove_workspace,
    worker_temp_dir,
    workspace_name,
)
from angel_intelligence.worker.context import JobContext, LeaseLoss
from angel_intelligence.worker.heartbeat import Heartbeat
from angel_intelligence.worker.metrics import WorkerMetrics
from angel_intelligence.worker.outage import retry_during_outage
from angel_intelligence.worker.pipeline import CallPipeline, ModelWatch, failure_for
from angel_intelligence.worker.presence import WorkerPresence

log = get_logger(__name__)

EXIT_OK = 0
EXIT_UNHEALTHY = 1
SIGNAL_CHECK_S = 0.2
THREAD_JOIN_S = 5.0
"""After releasing jobs on shutdown, how long to wait for their threads to notice and clean up."""


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """The numbers the worker runs by (the queue section's settings)."""

    worker_id: str
    poll_interval_s: float
    max_concurrent_jobs: int
    heartbeat_s: float
    lease_s: float
    shutdown_grace_s: float
    job_timeout_s: float
    temp_dir: Path
    release_try_s: float = 5.0
    """How long one release may take (the control connection's statement time-out): the last
    of the grace period is kept for releasing, so a stop ends within the grace whatever the
    database does."""


class JobResult(enum.StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    RELEASED = "released"
    DISCARDED = "discarded"
    """The claim was lost (fenced out, or the write was refused): nothing was written."""


@dataclass(frozen=True, slots=True)
class JobReport:
    """How one job ended in this worker."""

    recording_id: int
    apex_id: str
    result: JobResult
    error: str | None
    duration_s: float
    code: str | None = None
    """The error code when failed or released (`WORKER_LOST` when discarded)."""


class Worker:
    """Runs claimed calls through a `CallPipeline`; see the module docstring."""

    def __init__(
        self,
        queue: JobQueue,
        pipeline: CallPipeline,
        config: WorkerConfig,
        *,
        heartbeat_queue: JobQueue | None = None,
        control_queue: JobQueue | None = None,
        metrics: WorkerMetrics | None = None,
        presence: WorkerPresence | None = None,
        model_watch: ModelWatch | None = None,
    ) -> None:
        if queue.worker_id != config.worker_id:
            raise ValueError(
                f"the queue claims as {queue.worker_id!r} but the worker is {config.worker_id!r}"
            )
        self.queue = queue
        """The jobs' own writes: results and failures (statements may take up to half a lease)."""
        self.control_queue = control_queue or queue
        """The loop's claims, reaping and releases, on short statement time-outs, so a hung
        database never holds the loop (or SIGTERM) for long (issue 19)."""
        self.pipeline = pipeline
        self.config = config
        self._temp_dir = worker_temp_dir(config.temp_dir, config.worker_id)
        self.heartbeat = Heartbeat(
            heartbeat_queue or queue,
            interval_s=config.heartbeat_s,
            lease_s=config.lease_s,
            job_timeout_s=config.job_timeout_s,
        )
        self.model_watch = model_watch
        """Hot reload (ENABLE_MODEL_HOT_RELOAD): polled before each claim, when given."""
        self.presence = presence
        """This worker's row in `ai_workers` (models, versions, jobs running), when given."""
        if presence is not None:
            self.heartbeat.on_beat = lambda: presence.report(self._running_count())
        self.reports: list[JobReport] = []
        self._running: dict[int, tuple[JobContext, threading.Thread]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._release_now = threading.Event()
        self._stop_requested_at: float | None = None
        self._stop_reason = ""
        self._unhealthy: AngelError | None = None
        self._previous_handlers: dict[int, Any] = {}
        self._signals: list[int] = []
        self._unreleased: list[int] = []
        self._log = log.bind(worker_id=config.worker_id)
        self.metrics = metrics or WorkerMetrics()
        self.metrics.track_running(self._running_count)

    # --- Entry points ------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> int:
        """Poll until stopped (or, with `once`, until nothing is due); returns the exit code."""
        self._start()
        try:
            next_reap = 0.0
            while not self._stop.is_set():
                self._touch_alive_file()
                if time.monotonic() >= next_reap:  # every poll; not on each job's end
                    self._reap()
                    next_reap = time.monotonic() + self.config.poll_interval_s
                claimed = 0 if self._models_switching() else self._claim_free_slots()
                if once and not claimed and not self._running_count():
                    break
                self._sleep(self.config.poll_interval_s)
        finally:
            code = self._shutdown()
        return code

    def process(self, recording_id: int) -> JobReport | None:
        """Claim one recording and run it in the foreground (`angel process`).

        None when the recording could not be claimed (another worker got it first, or it is
        not due).
        """
        self._start()
        try:
            job = self.control_queue.claim_recording(recording_id)
            if job is not None:
                self._log.info(
                    "Found 1 recordings to process", count=1, recording_ids=[job.recording_id]
                )
                self._start_job(job)
            while self._running_count() and not self._stop.is_set():
                self._sleep(self.config.poll_interval_s)
        finally:
            self._shutdown()
        return next((r for r in self.reports if r.recording_id == recording_id), None)

    def _models_switching(self) -> bool:
        """Poll the hot reload; True while it waits for running jobs to end (claim nothing)."""
        if self.model_watch is None:
            return False
        try:
            return self.model_watch.poll(idle=self._running_count() == 0)
        except Exception as error:  # a reload must never stop the worker
            self._log.error("Model reload failed", error=describe_exception(error))
            return False

    def stop(self, *, immediately: bool = False, reason: str = "requested") -> None:
        """Stop claiming; running jobs get the grace period (or none with `immediately`)."""
        if self._stop_requested_at is None:
            self._stop_requested_at = time.monotonic()
            self._stop_reason = reason
        self._stop.set()
        if immediately:
            self._release_now.set()
        self._wake.set()

    @property
    def exit_code(self) -> int:
        return EXIT_UNHEALTHY if self._unhealthy else EXIT_OK

    # --- Start and stop ----------------------------------------------------------------------

    def _start(self) -> None:
        self._install_signal_handlers()
        # Workspaces a killed run of this worker left behind (their owner process is gone).
        removed = len(clean_stale_workspaces(self._temp_dir))
        self._temp_dir.mkdir(parents=True, exist_ok=True)
        self.heartbeat.start()
        if self.presence is not None:
            self.presence.report(0, starting=True)
        self._log.info(
            "Worker started",
            max_concurrent_jobs=self.config.max_concurrent_jobs,
            poll_interval_s=self.config.poll_interval_s,
            lease_s=self.config.lease_s,
            heartbeat_s=self.config.heartbeat_s,
            stale_job_dirs_removed=removed,
        )

    def _shutdown(self) -> int:
        """Wait for running jobs up to the grace period, release the rest, stop the heartbeat."""
        # No more reports of itself from the heartbeat: one waiting on a database that does not
        # answer would hold the heartbeat's join, and the exit, past the grace.
        self.heartbeat.on_beat = None
        if self._running_count():
            grace_s = self.config.shutdown_grace_s
            self._log.info(
                "Stopping: no new claims; waiting for running jobs",
                reason=self._stop_reason or "done",
                running=self._running_count(),
                grace_s=grace_s,
            )
            # Running jobs get the grace period less what releasing the rest may need.
            keep_s = min(grace_s / 2, self.config.release_try_s)
            deadline = (self._stop_requested_at or time.monotonic()) + grace_s - keep_s
            while self._running_count() and not self._release_now.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._sleep(left)
        self._release_running()
        self.heartbeat.stop()
        if self.presence is not None and not self._unreleased:
            # With calls left unreleased the database is away: a report would wait past the
            # grace; the row's `last_seen_at` ages and readers see the worker gone.
            self.presence.report(0, status="stopped")
        self._restore_signal_handlers()
        self._log.info(
            "Worker stopped",
            exit_code=self.exit_code,
            not_released=self._unreleased or None,
            completed=sum(r.result is JobResult.COMPLETED for r in self.reports),
            failed=sum(r.result is JobResult.FAILED for r in self.reports),
            released=sum(r.result is JobResult.RELEASED for r in self.reports),
        )
        return self.exit_code

    def _release_running(self) -> None:
        with self._lock:
            running = list(self._running.values())
        # Within the grace period whatever the database does: each release is bounded by the
        # control connection's statement time-out and tried again while the grace lasts.
        give_up_at = (self._stop_requested_at or time.monotonic()) + self.config.shutdown_grace_s
        try_s = self.config.release_try_s
        unreleased: list[int] = []
        for ctx, _thread in running:
            ctx.lose(LeaseLoss.RELEASED, "the worker is shutting down")
            job = ctx.job
            if time.monotonic() + try_s > give_up_at and unreleased:
                unreleased.append(job.recording_id)  # the database is down: no time to try
                continue
            try:
                released = retry_during_outage(
                    functools.partial(self.control_queue.release, job),
                    # another try only when it can end inside the grace period
                    still_ours=lambda: time.monotonic() + try_s < give_up_at,
                    log=self._log.bind(recording_id=job.recording_id),
                    what="the release",
                    sleep=lambda s: time.sleep(max(0.0, min(s, give_up_at - time.monotonic()))),
                )
            except Exception as error:
                released = False
                unreleased.append(job.recording_id)
                self._log.error(
                    "Could not release a recording; its lease will expire and it will be reaped",
                    recording_id=job.recording_id,
                    error=describe_exception(error),
                )
            if released:
                self._log.info(
                    f"Released recording {job.recording_id} back to the queue",
                    recording_id=job.recording_id,
                    apex_id=job.apex_id,
                )
                self._report(
                    ctx, JobResult.RELEASED, "RELEASED_ON_SHUTDOWN", "RELEASED_ON_SHUTDOWN"
                )
        deadline = min(time.monotonic() + THREAD_JOIN_S, max(give_up_at, time.monotonic() + 0.1))
        for ctx, thread in running:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
            remove_workspace(ctx.workdir)
        self._unreleased = unreleased

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # only the main thread may set handlers (tests drive workers from threads)
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._previous_handlers[signum] = signal.signal(signum, self._on_signal)

    def _restore_signal_handlers(self) -> None:
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers.clear()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        # No locks in a signal handler (Event.set takes one the interrupted main thread may
        # hold): record the signal; the main thread acts on it within SIGNAL_CHECK_S.
        self._signals.append(signum)

    def _handle_signals(self) -> None:
        while self._signals:
            name = signal.Signals(self._signals.pop(0)).name
            if self._stop.is_set():
                self._log.warning(f"Received {name} again: releasing running jobs now")
                self.stop(immediately=True)
            else:
                self._log.info(f"Received {name}: finishing running jobs, claiming no more")
                self.stop(reason=name)

    def _sleep(self, seconds: float) -> None:
        """Wait until `seconds` pass, a job ends, or a stop is requested."""
        deadline = time.monotonic() + seconds
        while True:
            self._handle_signals()
            left = deadline - time.monotonic()
            if left <= 0 or self._wake.is_set():
                break
            self._wake.wait(min(left, SIGNAL_CHECK_S))
        self._wake.clear()
        self._handle_signals()

    # --- The loop's steps --------------------------------------------------------------------

    def _running_count(self) -> int:
        with self._lock:
            return len(self._running)

    def _reap(self) -> None:
        try:
            reaped = self.control_queue.reap()
        except Exception as error:
            self._log.warning("Could not reap expired leases", error=type(error).__name__)
            return
        if reaped:
            self._log.warning(
                f"Reaped {len(reaped)} recordings whose worker stopped renewing its lease",
                recording_ids=reaped,
                error_code="WORKER_LOST",
            )

    def _claim_free_slots(self) -> int:
        free = self.config.max_concurrent_jobs - self._running_count()
        if free <= 0 or self._stop.is_set() or self._unhealthy:
            return 0
        started = time.monotonic()
        try:
            jobs = self.control_queue.claim(free)
        except Exception as error:
            self._log.warning("Could not claim recordings", error=type(error).__name__)
            return 0
        if jobs:
            self._log.info(
                f"Found {len(jobs)} recordings to process",
                count=len(jobs),
                free_slots=free,
                claim_ms=round((time.monotonic() - started) * 1000, 1),
                recording_ids=[job.recording_id for job in jobs],
            )
        for job in jobs:
            self._start_job(job)
        return len(jobs)

    def _start_job(self, job: ClaimedJob) -> None:
        ctx = JobContext(job, self._temp_dir / workspace_name(job.recording_id, job.claim_token))
        thread = threading.Thread(
            target=self._execute, args=(ctx,), name=f"job-{job.recording_id}", daemon=True
        )
        with self._lock:
            self._running[job.recording_id] = (ctx, thread)
        self.heartbeat.track(ctx)
        thread.start()

    def _touch_alive_file(self) -> None:
        # For a Kubernetes exec liveness probe (docs/worker.md): the loop is ticking, and no job
        # has been stuck past its timeout for longer than a lease.
        with self._lock:
            stuck = any(
                ctx.loss is LeaseLoss.TIMED_OUT and ctx.lost_for_s > self.config.lease_s
                for ctx, _ in self._running.values()
            )
        if not stuck:
            self.metrics.last_poll.set_to_current_time()
            path = self._temp_dir / "alive"
            with contextlib.suppress(OSError):
                path.touch()

    # --- One job (in its own thread) ---------------------------------------------------------

    def _execute(self, ctx: JobContext) -> None:
        job = ctx.job
        with structlog.contextvars.bound_contextvars(
            recording_id=job.recording_id,
            apex_id=job.apex_id,
            worker_id=job.worker_id,
            attempt=job.attempt,
        ):
            try:
                self._log.info(
                    f"Processing recording {job.recording_id}: {job.apex_id}",
                    claimed_from=job.claimed_from,
                )
                with job_workspace(self._temp_dir, job.recording_id, job.claim_token):
                    self._run_pipeline(ctx)
            except Exception:
                # _run_pipeline handles every job error; this is a defect in the worker itself
                self._log.exception("The worker failed while finishing a job")
            finally:
                remove_workspace(ctx.workdir)
                self.heartbeat.untrack(ctx)
                with self._lock:
                    self._running.pop(job.recording_id, None)
                self._wake.set()

    def _run_pipeline(self, ctx: JobContext) -> None:
        job = ctx.job
        try:
            outcome = self.pipeline.run(ctx)
        except LeaseLostError as error:
            if ctx.loss is LeaseLoss.TIMED_OUT:
                self._fail(ctx, WorkerLostError(error.message))
            elif ctx.loss is not LeaseLoss.RELEASED:
                self._discard(ctx, error.message)
            return
        except ModelLoadError as error:
            # A worker fault, not the call's: put it back without spending its retry budget,
            # and stop claiming (the pod restarts with back-off; research §3.6).
            self._unhealthy = error
            self.stop(reason=error.code)
            try:
                if self.control_queue.release(job, error):
                    self._report(ctx, JobResult.RELEASED, str(error), error.code)
            except Exception as db_error:
                self._log.error("Could not release the recording", db_error=type(db_error).__name__)
            self._log.error(
                "Released the recording: this worker cannot load its models and stops",
                error=str(error),
            )
            return
        except Exception as error:
            cause, kept = error, None
            if isinstance(error, FailedKeepingResults):
                cause, kept = error.cause, error.kept
            failure = failure_for(cause, ctx.failed_stage)
            if not isinstance(cause, AngelError):
                self._log.error(
                    "Unexpected error in the pipeline", error_code=failure.code, exc_info=cause
                )
            self._fail(ctx, failure, kept)
            return
        try:
            completed = retry_during_outage(
                lambda: self.queue.complete(job, outcome),
                still_ours=lambda: ctx.loss is None,
                log=self._log.bind(recording_id=job.recording_id),
                what="the result",
                answering=self.control_queue.answers,
            )
        except Exception as error:  # the outcome's rows could not be written
            failure = failure_for(error, "persist")
            self._log.error("Could not write the result", error_code=failure.code, exc_info=error)
            self._fail(ctx, failure)
            return
        if completed:
            self._report(ctx, JobResult.COMPLETED, None)
            self._log.info(
                f"Marked recording {job.recording_id} as completed",
                duration_s=round(ctx.elapsed_s, 3),
                stages={k: round(v, 3) for k, v in ctx.stage_timings.items()},
            )
        else:
            self._discard(ctx, "the claim was lost before the result was written (fenced)")

    def _fail(self, ctx: JobContext, error: AngelError, kept: JobOutcome | None = None) -> None:
        """Record the failure, with the results the job keeps (`kept`: the transcript when its
        analysis failed) in the same transaction; when those rows cannot be written, the
        failure alone."""
        job = ctx.job

        def record(with_kept: JobOutcome | None) -> bool:
            return retry_during_outage(
                lambda: self.queue.fail(job, error, with_kept),
                still_ours=lambda: ctx.loss is None,
                log=self._log.bind(recording_id=job.recording_id),
                what="the failure",
                answering=self.control_queue.answers,
            )

        try:
            try:
                recorded = record(kept)
            except Exception as write_error:
                if kept is None or ctx.loss is not None:
                    raise
                self._log.error(
                    "Could not keep the results with the failure; recording the failure alone",
                    error_code=error.code,
                    db_error=type(write_error).__name__,
                )
                kept = None
                recorded = record(None)
        except Exception as db_error:
            self._log.error(
                "Could not record a failure; the lease will expire and the reaper will count it",
                error_code=error.code,
                db_error=type(db_error).__name__,
            )
            return
        if not recorded:
            self._discard(ctx, f"the claim was lost before the failure was written ({error.code})")
            return
        will_retry = not error.permanent and job.attempt < self.queue.max_retries
        self._report(ctx, JobResult.FAILED, str(error), error.code)
        self._log.warning(
            f"Marked recording {job.recording_id} as failed",
            error_code=error.code,
            error=error.message,
            permanent=not will_retry,
            retry_in_s=self.queue.retry_delay_s if will_retry else None,
            duration_s=round(ctx.elapsed_s, 3),
            failed_stage=ctx.failed_stage,
            kept_results=kept is not None,
        )

    def _discard(self, ctx: JobContext, reason: str) -> None:
        if ctx.loss is LeaseLoss.RELEASED:
            return  # the shutdown released it and reports it
        self._report(ctx, JobResult.DISCARDED, reason, LeaseLostError.code)
        self._log.warning(
            f"Discarded the result of recording {ctx.job.recording_id}: {reason}",
            duration_s=round(ctx.elapsed_s, 3),
        )

    def _report(
        self, ctx: JobContext, result: JobResult, error: str | None, code: str | None = None
    ) -> None:
        report = JobReport(
            ctx.job.recording_id, ctx.job.apex_id, result, error, ctx.elapsed_s, code
        )
        self.metrics.job_finished(result.value, code, ctx.elapsed_s, ctx.stage_timings)
        with self._lock:
            self.reports.append(report)
