"""Prometheus metrics for the API (`GET /metrics`, behind the bearer token like every route).

Each app has its own `CollectorRegistry` (several apps in one test process would otherwise
collide). Queue figures are read from the database at scrape time, so they are the same
whichever pod is scraped; the worker's own job and stage metrics are in docs/operations.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from angel_intelligence.domain.job import QueueStatistics
from angel_intelligence.logging import get_logger

log = get_logger(__name__)


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "angel_api_requests_total",
            "API requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "angel_api_request_seconds",
            "API request duration",
            ["method", "route"],
            registry=self.registry,
        )

    def add_collector(self, collect: Callable[[], Iterable[Metric]]) -> None:
        self.registry.register(_FunctionCollector(collect))


def queue_collector(statistics: Callable[[], QueueStatistics]) -> Callable[[], Iterable[Metric]]:
    """Queue gauges computed from the database at scrape time."""

    def collect() -> Iterable[Metric]:
        try:
            stats = statistics()
        except SQLAlchemyError:
            log.warning("metrics_queue_unavailable")
            return
        by_status = GaugeMetricFamily(
            "angel_queue_recordings", "Recordings per status", labels=["status"]
        )
        for status in ("pending", "queued", "processing", "completed", "failed"):
            by_status.add_metric([status], stats.by_status.get(status, 0))
        yield by_status
        failures = GaugeMetricFamily(
            "angel_queue_failed_recordings", "Failed recordings by error code", labels=["code"]
        )
        for code, count in sorted(stats.failures_by_code.items()):
            failures.add_metric([code], count)
        yield failures
        released = GaugeMetricFamily(
            "angel_queue_released_recordings",
            "Queued recordings a worker put back, by its code (MODEL_LOAD_ERROR: it cannot load "
            "its models)",
            labels=["code"],
        )
        for code, count in sorted(stats.released_by_code.items()):
            released.add_metric([code], count)
        yield released
        for name, help_, value in (
            (
                "angel_queue_oldest_pending_age_seconds",
                "Age of the oldest pending recording",
                stats.oldest_pending_age_s,
            ),
            (
                "angel_queue_oldest_queued_age_seconds",
                "Age of the oldest queued recording",
                stats.oldest_queued_age_s,
            ),
            ("angel_queue_retries_due", "Failed recordings due for a retry", stats.retries_due),
            (
                "angel_queue_permanently_failed",
                "Recordings that will not be retried",
                stats.permanently_failed,
            ),
            (
                "angel_queue_expired_leases",
                "Processing recordings whose lease expired (should be 0)",
                stats.expired_leases,
            ),
        ):
            yield GaugeMetricFamily(name, help_, value=value or 0)

    return collect


class _FunctionCollector(Collector):
    def __init__(self, collect: Callable[[], Iterable[Metric]]) -> None:
        self._collect = collect

    def collect(self) -> Iterable[Metric]:
        return self._collect()
