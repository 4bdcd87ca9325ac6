"""`ai_workers`: each worker's report of itself, written by its heartbeat (docs/models.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.db.models import AiWorker
from angel_intelligence.domain.model_version import ModelInUse, WorkerStatus


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _models(data: Any) -> dict[str, ModelInUse]:
    if not isinstance(data, dict):
        return {}
    return {
        str(kind): ModelInUse(str(value.get("name", "")), str(value.get("version", "")))
        for kind, value in data.items()
        if isinstance(value, dict)
    }


class WorkerRepository:
    """Upserts a worker's row and reads every worker's (times by the database's clock)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def report(self, status: WorkerStatus, *, starting: bool = False) -> None:
        """Write `status` as the worker's row now (`starting`: also reset `started_at`)."""
        with self._sessions.begin() as session:
            row = session.scalars(
                select(AiWorker).where(AiWorker.worker_id == status.worker_id)
            ).one_or_none()
            if row is None:
                row = AiWorker(worker_id=status.worker_id)
                session.add(row)
                starting = True
            row.host = status.host
            row.pid = status.pid
            row.device = status.device
            row.models = {kind: model.to_json() for kind, model in status.models.items()}
            row.model_errors = status.model_errors or None
            row.jobs_running = status.jobs_running
            row.status = status.status
            row.last_seen_at = func.now()
            if starting:
                row.started_at = func.now()

    def workers(self) -> list[WorkerStatus]:
        """Every worker that has reported, most recently seen first."""
        with self._sessions() as session:
            now = session.scalar(select(func.now()))
            rows = session.scalars(
                select(AiWorker).order_by(AiWorker.last_seen_at.desc(), AiWorker.worker_id)
            ).all()
            return [
                WorkerStatus(
                    worker_id=row.worker_id,
                    host=row.host or "",
                    pid=row.pid or 0,
                    device=row.device or "",
                    models=_models(row.models),
                    jobs_running=row.jobs_running,
                    status="stopped" if row.status == "stopped" else "running",
                    model_errors=dict(row.model_errors or {}),
                    started_at=_iso(row.started_at),
                    last_seen_at=_iso(row.last_seen_at),
                    seen_s_ago=_age_s(now, row.last_seen_at),
                )
                for row in rows
            ]


def _age_s(now: Any, seen: dt.datetime | None) -> float | None:
    if seen is None or now is None:
        return None
    if isinstance(now, str):  # SQLite answers CURRENT_TIMESTAMP as text
        now = dt.datetime.fromisoformat(now)
    current: dt.datetime = now
    age = current.replace(tzinfo=None) - seen.replace(tzinfo=None)
    return round(max(0.0, age.total_seconds()), 1)
