"""Health: whether the database answers, the models this process holds, and what the live
workers run (`ai_workers`), with each kind's current version in the registry (issue 18)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from angel_intelligence.db.engine import session_factory
from angel_intelligence.db.workers import WorkerRepository
from angel_intelligence.domain.model_version import MODEL_KINDS, WorkerStatus
from angel_intelligence.services.model_versions import ModelVersions
from angel_intelligence.services.models import ModelRegistry, ModelState

LIVE_AFTER_MIN_S = 30.0
"""A worker is live when it reported within 3 heartbeats, and never less than this."""


class HealthService:
    """What `/health` and `/readyz` report."""

    def __init__(
        self,
        engine: Engine,
        models: ModelRegistry,
        *,
        worker_id: str,
        versions: ModelVersions | None = None,
        heartbeat_s: float = 10.0,
    ) -> None:
        self._engine = engine
        self._models = models
        self._versions = versions
        self._workers = WorkerRepository(session_factory(engine))
        self.worker_id = worker_id
        self.live_after_s = max(3 * heartbeat_s, LIVE_AFTER_MIN_S)

    def database_ok(self) -> bool:
        """Whether the database answers a trivial query now."""
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def workers(self) -> list[WorkerStatus]:
        """Every worker that has reported (empty when the database does not answer)."""
        try:
            return self._workers.workers()
        except SQLAlchemyError:
            return []

    def live(self, workers: list[WorkerStatus]) -> list[WorkerStatus]:
        return [
            w
            for w in workers
            if w.status == "running"
            and w.seen_s_ago is not None
            and w.seen_s_ago <= self.live_after_s
        ]

    def models(self, workers: list[WorkerStatus] | None = None) -> dict[str, ModelState]:
        """The spec's `models_loaded`: analysis, chat and whisper (and any other model this
        process holds). A model this process holds reports its own version; otherwise the
        version most live workers run; otherwise the registry's current, not loaded. Each adds
        `current` (the registry's) and `workers` (version → live workers running it)."""
        live = self.live(self.workers() if workers is None else workers)
        local = self._models.status()
        states: dict[str, ModelState] = {}
        for kind in dict.fromkeys([*MODEL_KINDS, *local]):
            current = (
                self._versions.current(kind) if self._versions and kind in MODEL_KINDS else None
            )
            running = Counter(w.models[kind].version for w in live if kind in w.models)
            errors = [w.model_errors[kind] for w in live if kind in w.model_errors]
            state = local.get(kind)
            if state is None or (not state.loaded and running):
                state = ModelState(
                    version=running.most_common(1)[0][0] if running else current or "none",
                    loaded=bool(running),
                    error=(state.error if state else None) or ("; ".join(errors) or None),
                )
            states[kind] = replace(state, current=current, workers=dict(running) or None)
        return states
