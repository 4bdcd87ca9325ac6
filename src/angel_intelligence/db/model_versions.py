"""`ai_model_versions`: the database's mirror of the versions on shared storage.

The files (`MODELS_BASE_PATH/<kind>/versions/<version>/metadata.json` and the `current`
symlink) are the truth a worker loads from; these rows let Pulse and operators see the same
without mounting the volume (docs/models.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.db.models import AiModelVersion, AiTrainingJob
from angel_intelligence.domain.model_version import ModelKind, ModelVersion


@dataclass(frozen=True)
class ModelVersionRow:
    """One mirrored row, as `angel models list` compares it with the files."""

    kind: str
    version: str
    path: str
    is_current: bool


def _metrics(version: ModelVersion) -> dict[str, Any] | None:
    if not version.metrics and version.evaluation is None:
        return None
    return {**version.metrics, "evaluation": version.evaluation}


class ModelVersionRepository:
    """Writes and reads the `ai_model_versions` rows."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def save(self, version: ModelVersion) -> None:
        """Insert or update the row of `version` (its `is_current` is left as it is)."""
        with self._sessions.begin() as session:
            row = session.scalars(
                select(AiModelVersion).where(
                    AiModelVersion.model_type == version.kind,
                    AiModelVersion.version == version.version,
                )
            ).one_or_none()
            job_id = version.training_job_id
            if job_id is not None and session.get(AiTrainingJob, job_id) is None:
                job_id = None  # the job row was deleted; the metadata still names it
            if row is None:
                row = AiModelVersion(model_type=version.kind, version=version.version)
                session.add(row)
            row.path = version.path
            row.base_model = version.base_model
            row.training_job_id = job_id
            row.metrics = _metrics(version)
            row.notes = version.notes

    def set_current(self, kind: ModelKind, version: str) -> None:
        """Mark `version` current for `kind` and no other, in one transaction."""
        with self._sessions.begin() as session:
            session.execute(
                update(AiModelVersion)
                .where(AiModelVersion.model_type == kind, AiModelVersion.version != version)
                .values(is_current=False)
            )
            session.execute(
                update(AiModelVersion)
                .where(AiModelVersion.model_type == kind, AiModelVersion.version == version)
                .values(is_current=True, activated_at=func.now())
            )

    def rows(self, kind: ModelKind | None = None) -> list[ModelVersionRow]:
        query = select(AiModelVersion).order_by(AiModelVersion.model_type, AiModelVersion.id)
        if kind is not None:
            query = query.where(AiModelVersion.model_type == kind)
        with self._sessions() as session:
            return [
                ModelVersionRow(row.model_type, row.version, row.path, bool(row.is_current))
                for row in session.scalars(query)
            ]
