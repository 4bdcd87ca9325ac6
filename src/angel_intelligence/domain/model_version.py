"""Model versions on shared storage: what one version is, and what a kind of model runs now.

A version is a directory `MODELS_BASE_PATH/<kind>/versions/<version>/` holding the model files
and `metadata.json`; `MODELS_BASE_PATH/<kind>/current` is a symlink to the one in use
(docs/models.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

ModelKind = Literal["analysis", "chat", "whisper"]
MODEL_KINDS: tuple[ModelKind, ...] = ("analysis", "chat", "whisper")
"""The spec's model types (`ai_model_versions.model_type`); only `analysis` is ever trained."""

VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""A version name: a directory name any filesystem and URL takes (`v1.2.0`, `2026-01-15-a`)."""

RESERVED_VERSIONS = frozenset({"current", "base", "bundled", "server"})
"""Names the loaders already use for "not a registry version" (backends/llm/model_files.py)."""


@dataclass(frozen=True)
class ModelVersion:
    """One version of one kind of model, as its `metadata.json` describes it."""

    kind: ModelKind
    version: str
    path: str
    """The version directory (absolute)."""
    created_at: str
    """ISO 8601, UTC."""
    base_model: str | None = None
    adapter: str | None = None
    """The LoRA adapter's directory, relative to the version directory (trained versions)."""
    parent_version: str | None = None
    """The version this one was trained from (`base` when from the base model)."""
    dataset_hash: str | None = None
    annotation_ids: tuple[int, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    evaluation: dict[str, Any] | None = None
    training_job_id: int | None = None
    notes: str | None = None

    def metadata(self) -> dict[str, Any]:
        """The `metadata.json` document (the path is where it lies, so it is not stored)."""
        return {
            "model_type": self.kind,
            "version": self.version,
            "created_at": self.created_at,
            "base_model": self.base_model,
            "adapter": self.adapter,
            "parent_version": self.parent_version,
            "dataset_hash": self.dataset_hash,
            "annotation_ids": list(self.annotation_ids),
            "parameters": self.parameters,
            "metrics": self.metrics,
            "evaluation": self.evaluation,
            "training_job_id": self.training_job_id,
            "notes": self.notes,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.metadata(), "path": self.path}


@dataclass(frozen=True)
class ModelKindStatus:
    """What the registry holds for one kind: `angel models list`, `/health`, `angel doctor`."""

    kind: ModelKind
    current: str | None
    """The version `current` points at; None when there is no `current`."""
    current_path: str
    versions: tuple[str, ...]
    problems: tuple[str, ...] = ()
    """Why the layout is not as it should be (a `current` that is a plain directory…)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "model_type": self.kind,
            "current": self.current,
            "current_path": self.current_path,
            "versions": list(self.versions),
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class VersionSwitch:
    """One change of `current`, appended to `<kind>/history.jsonl`."""

    action: Literal["promote", "rollback"]
    version: str
    previous: str | None
    at: str
    forced: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "version": self.version,
            "previous": self.previous,
            "at": self.at,
            "forced": self.forced,
        }


@dataclass(frozen=True)
class ModelInUse:
    """A model a process holds now: its name (`model_used`) and version (`model_version`)."""

    name: str
    version: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version}


@dataclass(frozen=True)
class WorkerStatus:
    """What a worker reports of itself (`ai_workers`), and how long ago it last did."""

    worker_id: str
    host: str
    pid: int
    device: str
    models: dict[str, ModelInUse]
    jobs_running: int
    status: Literal["running", "stopped"] = "running"
    model_errors: dict[str, str] = field(default_factory=dict)
    """Kind → why a new version could not be loaded (the old one is still in use)."""
    started_at: str | None = None
    last_seen_at: str | None = None
    seen_s_ago: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "worker_id": self.worker_id,
            "host": self.host,
            "pid": self.pid,
            "device": self.device,
            "models": {kind: model.to_json() for kind, model in self.models.items()},
            "model_errors": self.model_errors,
            "jobs_running": self.jobs_running,
            "status": self.status,
            "started_at": self.started_at,
            "last_seen_at": self.last_seen_at,
            "seen_s_ago": self.seen_s_ago,
        }
