"""Prometheus metrics of one worker process: jobs by outcome and error code, job and stage
durations, running jobs.

The API's `/metrics` shows the queue (read from the database, the same on every pod); what a
worker did is only known inside that worker, so each worker serves its own metrics on
`WORKER_METRICS_PORT` (off by default). That port has no token: it serves counts and durations
only (no apex ids, no transcripts) and is meant for the cluster's Prometheus, not the internet
(docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

JOB_BUCKETS_S = (5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 3600)
STAGE_BUCKETS_S = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)


class WorkerMetrics:
    """The worker's metrics, in a registry of their own (several workers in one test process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._server: WSGIServer | None = None
        self.jobs = Counter(
            "angel_worker_jobs",
            "Jobs this worker finished, by outcome (completed, failed, released, discarded) "
            "and error code (empty when completed)",
            ["outcome", "code"],
            registry=self.registry,
        )
        self.job_seconds = Histogram(
            "angel_worker_job_duration_seconds",
            "Wall time of a job from claim to its end, by outcome",
            ["outcome"],
            buckets=JOB_BUCKETS_S,
            registry=self.registry,
        )
        self.stage_seconds = Histogram(
            "angel_worker_stage_duration_seconds",
            "Wall time of one pipeline stage (fetch, convert, transcribe, analyse, ...)",
            ["stage"],
            buckets=STAGE_BUCKETS_S,
            registry=self.registry,
        )
        self.running = Gauge(
            "angel_worker_jobs_running", "Jobs running in this worker now", registry=self.registry
        )
        self.last_poll = Gauge(
            "angel_worker_last_poll_timestamp_seconds",
            "When the worker's loop last ticked with no job stuck past its timeout (Unix time; "
            "the same signal as the liveness file TEMP_DIR/WORKER_ID/alive)",
            registry=self.registry,
        )

    def track_running(self, count: Callable[[], int]) -> None:
        self.running.set_function(lambda: float(count()))

    def job_finished(
        self,
        outcome: str,
        code: str | None,
        duration_s: float,
        stage_timings: Mapping[str, float],
    ) -> None:
        self.jobs.labels(outcome, code or "").inc()
        self.job_seconds.labels(outcome).observe(duration_s)
        for stage, seconds in stage_timings.items():
            self.stage_seconds.labels(stage).observe(seconds)

    def serve(self, port: int, host: str = "0.0.0.0") -> int:  # noqa: S104 - the pod's port
        """Serve `/metrics` over HTTP in a daemon thread; returns the port (0 picks a free one)."""
        self._server, _thread = start_http_server(port, addr=host, registry=self.registry)
        return int(self._server.server_port)

    def close(self) -> None:
        """Stop serving (tests; a worker process serves until it exits)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
