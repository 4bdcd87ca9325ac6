"""The worker's report of itself in `ai_workers`: on start, on every heartbeat, and on stop.

`/health` and `angel workers list` read these rows to say which models and versions the
cluster runs (issue 18, docs/models.md). A report that cannot be written (the database is
away) is logged and tried again on the next beat; it never stops the worker.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Literal, Protocol

from angel_intelligence.domain.model_version import ModelInUse, WorkerStatus
from angel_intelligence.logging import get_logger

log = get_logger(__name__)


class WorkerStatusStore(Protocol):
    def report(self, status: WorkerStatus, *, starting: bool = False) -> None: ...


class WorkerPresence:
    """Writes this worker's row; `models` and `model_errors` are asked afresh each time."""

    def __init__(
        self,
        store: WorkerStatusStore,
        *,
        worker_id: str,
        device: str,
        models: Callable[[], dict[str, ModelInUse]],
        model_errors: Callable[[], dict[str, str]] = dict,
    ) -> None:
        self._store = store
        self.worker_id = worker_id
        self.device = device
        self._models = models
        self._model_errors = model_errors
        self.host = socket.gethostname()
        self.failures = 0

    def report(
        self,
        jobs_running: int,
        *,
        starting: bool = False,
        status: Literal["running", "stopped"] = "running",
    ) -> None:
        try:
            self._store.report(
                WorkerStatus(
                    worker_id=self.worker_id,
                    host=self.host,
                    pid=os.getpid(),
                    device=self.device,
                    models=self._models(),
                    jobs_running=jobs_running,
                    status=status,
                    model_errors=self._model_errors(),
                ),
                starting=starting,
            )
        except Exception as error:  # the database is away: the next beat tries again
            self.failures += 1
            log.warning("worker_report_failed", error=type(error).__name__)
