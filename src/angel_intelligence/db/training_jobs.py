"""`ai_training_jobs`: fine-tuning runs queued by the API and run by `angel train run`, and the
cluster-wide lock that lets one run at a time (docs/models.md "Training jobs").

The lock is the database's: MariaDB's `GET_LOCK('angel_training')`, held by the runner's own
connection, so a runner that is killed loses it with its connection; SQLite's is an `flock` on
a file beside the database (one box). Whoever holds the lock knows no other runner is alive,
so any job still `running` was left by a dead one and is marked failed.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.db.models import AiTrainingJob

LOCK_NAME = "angel_training"


class TrainingLock:
    """The one-runner-at-a-time lock; `acquire` does not wait."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self._engine.dialect.name == "sqlite":
            path = Path(str(self._engine.url.database) + ".training-lock")
            handle = path.open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
            self._file = handle
            return True
        connection = self._engine.connect()
        got = connection.execute(text("SELECT GET_LOCK(:name, 0)"), {"name": LOCK_NAME}).scalar()
        connection.commit()
        if got != 1:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            self._connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": LOCK_NAME})
            self._connection.close()
            self._connection = None


@dataclass(frozen=True)
class TrainingJob:
    """One row, as the API and the runner see it."""

    id: int
    job_id: str
    model_type: str
    status: str
    options: dict[str, Any]
    training_data: dict[str, Any]
    example_count: int | None
    base_version: str | None
    result_version: str | None
    metrics: dict[str, Any]
    error: str | None
    created_at: dt.datetime | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None


def _job(row: AiTrainingJob) -> TrainingJob:
    return TrainingJob(
        id=row.id,
        job_id=row.job_id,
        model_type=row.model_type,
        status=row.status,
        options=dict(row.options or {}),
        training_data=dict(row.training_data or {}),
        example_count=row.example_count,
        base_version=row.base_version,
        result_version=row.result_version,
        metrics=dict(row.metrics or {}),
        error=row.error,
        created_at=row.created_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
    )


class TrainingJobRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(
        self,
        job_id: str,
        *,
        model_type: str,
        options: dict[str, Any],
        training_data: dict[str, Any],
        example_count: int,
        base_version: str | None,
    ) -> TrainingJob:
        with self._sessions.begin() as session:
            row = AiTrainingJob(
                job_id=job_id,
                model_type=model_type,
                status="queued",
                options=options,
                training_data=training_data,
                example_count=example_count,
                base_version=base_version,
                metrics={"stage": "queued", "progress": 0.0},
            )
            session.add(row)
            session.flush()
            return _job(row)

    def unfinished(self) -> TrainingJob | None:
        """A job queued or running, if any (the oldest)."""
        with self._sessions() as session:
            row = session.scalars(
                select(AiTrainingJob)
                .where(AiTrainingJob.status.in_(("queued", "running")))
                .order_by(AiTrainingJob.id)
                .limit(1)
            ).one_or_none()
            return _job(row) if row is not None else None

    def get(self, job_id: str) -> TrainingJob | None:
        with self._sessions() as session:
            row = session.scalars(
                select(AiTrainingJob).where(AiTrainingJob.job_id == job_id)
            ).one_or_none()
            return _job(row) if row is not None else None

    def claim_next(self, runner: str) -> TrainingJob | None:
        """The oldest queued job, now `running` under `runner` (call holding the lock)."""
        with self._sessions.begin() as session:
            row = session.scalars(
                select(AiTrainingJob)
                .where(AiTrainingJob.status == "queued")
                .order_by(AiTrainingJob.id)
                .limit(1)
            ).one_or_none()
            if row is None:
                return None
            row.status = "running"
            row.claimed_by = runner
            row.started_at = func.now()
            row.metrics = {**(row.metrics or {}), "stage": "starting", "progress": 0.0}
            session.flush()
            session.refresh(row)
            return _job(row)

    def report(self, job: TrainingJob, metrics: dict[str, Any]) -> None:
        """Progress of a running job: merged into its `metrics`."""
        with self._sessions.begin() as session:
            row = session.get(AiTrainingJob, job.id)
            if row is not None:
                row.metrics = {**(row.metrics or {}), **metrics}

    def finish(
        self,
        job: TrainingJob,
        *,
        status: str,
        metrics: dict[str, Any],
        result_version: str | None = None,
        error: str | None = None,
    ) -> None:
        with self._sessions.begin() as session:
            row = session.get(AiTrainingJob, job.id)
            if row is None:
                return
            row.status = status
            row.metrics = {**(row.metrics or {}), **metrics}
            row.result_version = result_version
            row.error = error
            row.completed_at = func.now()

    def fail_abandoned(self, reason: str) -> list[str]:
        """Mark every `running` job failed (call holding the lock: its runner is gone)."""
        with self._sessions.begin() as session:
            ids = list(
                session.scalars(
                    select(AiTrainingJob.job_id).where(AiTrainingJob.status == "running")
                )
            )
            if ids:
                session.execute(
                    update(AiTrainingJob)
                    .where(AiTrainingJob.job_id.in_(ids))
                    .values(status="failed", error=reason, completed_at=func.now())
                )
            return ids
