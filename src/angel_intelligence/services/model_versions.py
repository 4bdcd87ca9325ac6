"""The model registry: versions on shared storage, which one is current, and how to switch.

Layout (docs/models.md), the same for every kind (`analysis`, `chat`, `whisper`):

    MODELS_BASE_PATH/<kind>/versions/<version>/metadata.json   + the model's files
    MODELS_BASE_PATH/<kind>/current -> versions/<version>      (a relative symlink)
    MODELS_BASE_PATH/<kind>/history.jsonl                      (each promote and rollback)

The files are the truth workers load from; `ai_model_versions` mirrors them. A version is
written into a hidden staging directory and renamed into `versions/`, so no reader ever sees
half a version; `current` is switched by renaming a new symlink over the old one, so a reader
sees the old target or the new, never none. Switches take a lock file in the kind's directory,
so two operators promoting at once serialise, and the history stays a true record.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from angel_intelligence.db.model_versions import ModelVersionRepository, ModelVersionRow
from angel_intelligence.domain.model_version import (
    MODEL_KINDS,
    RESERVED_VERSIONS,
    VERSION_PATTERN,
    ModelKind,
    ModelKindStatus,
    ModelVersion,
    VersionSwitch,
)
from angel_intelligence.errors import ModelVersionError
from angel_intelligence.logging import get_logger

log = get_logger(__name__)

METADATA = "metadata.json"
HISTORY = "history.jsonl"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def check_kind(kind: str) -> ModelKind:
    if kind not in MODEL_KINDS:
        raise ModelVersionError(f"unknown model type {kind!r}: use one of {', '.join(MODEL_KINDS)}")
    return kind


def check_version_name(version: str) -> str:
    if not VERSION_PATTERN.match(version) or version in RESERVED_VERSIONS:
        raise ModelVersionError(
            f"{version!r} is not a usable version name: letters, digits, '.', '_' and '-' "
            f"(up to 64, starting with a letter or digit), not "
            + ", ".join(sorted(RESERVED_VERSIONS))
        )
    return version


def _version_from_metadata(kind: ModelKind, directory: Path, data: dict[str, Any]) -> ModelVersion:
    if data.get("model_type", kind) != kind or data.get("version", directory.name) != (
        directory.name
    ):
        raise ModelVersionError(
            f"{directory / METADATA} names {data.get('model_type')}/{data.get('version')}, "
            f"but lies in {kind}/versions/{directory.name}"
        )
    job = data.get("training_job_id")
    evaluation = data.get("evaluation")
    return ModelVersion(
        kind=kind,
        version=directory.name,
        path=str(directory),
        created_at=str(data.get("created_at") or ""),
        base_model=data.get("base_model"),
        adapter=data.get("adapter"),
        parent_version=data.get("parent_version"),
        dataset_hash=data.get("dataset_hash"),
        annotation_ids=tuple(int(i) for i in data.get("annotation_ids") or ()),
        parameters=dict(data.get("parameters") or {}),
        metrics=dict(data.get("metrics") or {}),
        evaluation=dict(evaluation) if isinstance(evaluation, dict) else None,
        training_job_id=int(job) if job is not None else None,
        notes=data.get("notes"),
    )


def gate_refusal(version: ModelVersion) -> str | None:
    """Why the evaluation gate refuses to promote `version`, or None when it may be promoted.

    A version without an evaluation (a hand-placed Whisper or chat model) passes: the gate
    judges trained versions against their base (docs/models.md)."""
    evaluation = version.evaluation
    if evaluation is None or evaluation.get("passed", True):
        return None
    reasons = evaluation.get("reasons") or ["the candidate did worse than the base"]
    return "; ".join(str(reason) for reason in reasons)


class ModelVersions:
    """The versions of each kind of model under `base_path`, mirrored to `store` when given."""

    def __init__(
        self,
        base_path: Path,
        store: ModelVersionRepository | None = None,
        *,
        clock: Callable[[], str] = utc_now,
    ) -> None:
        self.base_path = base_path
        self._store = store
        self._clock = clock

    # --- Paths ----------------------------------------------------------------------------

    def kind_dir(self, kind: ModelKind) -> Path:
        return self.base_path / kind

    def versions_dir(self, kind: ModelKind) -> Path:
        return self.kind_dir(kind) / "versions"

    def current_path(self, kind: ModelKind) -> Path:
        return self.kind_dir(kind) / "current"

    # --- Reading ----------------------------------------------------------------------------

    def current(self, kind: ModelKind) -> str | None:
        """The version `current` points at, or None (no `current`, or not a registry link)."""
        link = self.current_path(kind)
        if not link.is_symlink():
            return None
        target = Path(os.readlink(link))
        if target.parent.name != "versions":
            return None
        return target.name

    def get(self, kind: ModelKind, version: str) -> ModelVersion:
        """The version's metadata; ModelVersionError when it is missing or unreadable."""
        directory = self.versions_dir(kind) / version
        if not directory.is_dir() or version.startswith("."):
            known = ", ".join(v.version for v in self.versions(kind)) or "none"
            raise ModelVersionError(f"no {kind} version {version!r} (known: {known})")
        try:
            data = json.loads((directory / METADATA).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelVersionError(
                f"{directory} has no {METADATA}: add versions with `angel models add`"
            ) from None
        except (OSError, ValueError) as error:
            raise ModelVersionError(f"cannot read {directory / METADATA}: {error}") from None
        if not isinstance(data, dict):
            raise ModelVersionError(f"{directory / METADATA} is not a JSON object")
        return _version_from_metadata(kind, directory, data)

    def versions(self, kind: ModelKind) -> list[ModelVersion]:
        """The readable versions of `kind`, oldest first (unreadable ones: see `status`)."""
        found = []
        for directory in self._version_dirs(kind):
            try:
                found.append(self.get(kind, directory.name))
            except ModelVersionError:
                continue
        return sorted(found, key=lambda v: (v.created_at, v.version))

    def _version_dirs(self, kind: ModelKind) -> list[Path]:
        root = self.versions_dir(kind)
        if not root.is_dir():
            return []
        return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def status(self, kind: ModelKind) -> ModelKindStatus:
        """What `kind` holds and what is wrong with its layout."""
        problems = []
        link = self.current_path(kind)
        current = self.current(kind)
        if link.exists() and not link.is_symlink():
            problems.append(
                f"{link} is a plain {'directory' if link.is_dir() else 'file'}, not a link to a "
                "version: move it to versions/<version>/ with `angel models add`, then promote"
            )
        elif link.is_symlink() and current is None:
            problems.append(f"{link} points outside versions/ ({os.readlink(link)})")
        elif current is not None and not link.exists():
            problems.append(f"{link} points at versions/{current}, which does not exist")
        names = []
        for directory in self._version_dirs(kind):
            names.append(directory.name)
            try:
                self.get(kind, directory.name)
            except ModelVersionError as error:
                problems.append(str(error))
        return ModelKindStatus(
            kind=kind,
            current=current,
            current_path=str(link),
            versions=tuple(names),
            problems=tuple(problems),
        )

    def summary(self) -> list[ModelKindStatus]:
        """Every kind's status: for `angel doctor`, `angel models list` and `/health`."""
        return [self.status(kind) for kind in MODEL_KINDS]

    def mirrored(self, kind: ModelKind | None = None) -> list[ModelVersionRow]:
        """The `ai_model_versions` rows (empty without a database)."""
        return self._store.rows(kind) if self._store is not None else []

    def history(self, kind: ModelKind) -> list[VersionSwitch]:
        path = self.kind_dir(kind) / HISTORY
        if not path.is_file():
            return []
        switches = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            data = json.loads(line)
            switches.append(
                VersionSwitch(
                    action=data["action"],
                    version=data["version"],
                    previous=data.get("previous"),
                    at=data["at"],
                    forced=bool(data.get("forced")),
                )
            )
        return switches

    # --- Writing ----------------------------------------------------------------------------

    @contextmanager
    def _locked(self, kind: ModelKind) -> Iterator[None]:
        directory = self.kind_dir(kind)
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def staging_dir(self, kind: ModelKind) -> Path:
        """A new hidden directory beside the versions, for `publish` to rename into place."""
        root = self.versions_dir(kind)
        root.mkdir(parents=True, exist_ok=True)
        staging = root / f".staging-{uuid.uuid4().hex[:12]}"
        staging.mkdir()
        return staging

    def publish(self, staging: Path, version: ModelVersion) -> ModelVersion:
        """Write `version`'s metadata into `staging` and rename it to `versions/<version>`."""
        kind = check_kind(version.kind)
        check_version_name(version.version)
        target = self.versions_dir(kind) / version.version
        published = replace(version, path=str(target))
        (staging / METADATA).write_text(
            json.dumps(published.metadata(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        staging.chmod(0o755)  # worker pods read it under another user
        with self._locked(kind):
            if target.exists():
                shutil.rmtree(staging, ignore_errors=True)
                raise ModelVersionError(f"{kind} version {version.version!r} already exists")
            os.rename(staging, target)
        self._mirror(lambda store: store.save(published))
        log.info("model_version_added", model=kind, version=version.version)
        return published

    def add(
        self,
        kind: ModelKind,
        version: str,
        source: Path,
        *,
        base_model: str | None = None,
        notes: str | None = None,
    ) -> ModelVersion:
        """Copy a model (a directory, or one file such as a .gguf) in as a new version."""
        check_kind(kind)
        check_version_name(version)
        if (self.versions_dir(kind) / version).exists():
            raise ModelVersionError(f"{kind} version {version!r} already exists")
        if not source.exists():
            raise ModelVersionError(f"{source} does not exist")
        staging = self.staging_dir(kind)
        try:
            if source.is_dir():
                shutil.copytree(source, staging, dirs_exist_ok=True, symlinks=False)
                (staging / METADATA).unlink(missing_ok=True)  # ours replaces any old one
            else:
                shutil.copy2(source, staging / source.name)
        except OSError as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise ModelVersionError(f"cannot copy {source}: {error}") from None
        return self.publish(
            staging,
            ModelVersion(
                kind=kind,
                version=version,
                path="",
                created_at=self._clock(),
                base_model=base_model,
                notes=notes,
            ),
        )

    def promote(self, kind: ModelKind, version: str, *, force: bool = False) -> VersionSwitch:
        """Make `version` current; the evaluation gate refuses a worse one unless `force`."""
        candidate = self.get(kind, version)
        refusal = gate_refusal(candidate)
        if refusal and not force:
            raise ModelVersionError(
                f"the evaluation gate refuses {kind} {version}: {refusal} (--force overrides)"
            )
        return self._switch(kind, version, "promote", forced=bool(refusal))

    def rollback(self, kind: ModelKind, to: str | None = None) -> VersionSwitch:
        """Go back to the version current before this one (or to `to`)."""
        if to is None:
            current = self.current(kind)
            if current is None:
                raise ModelVersionError(f"{kind} has no current version to roll back from")
            stack = self.promotion_stack(kind)
            if current not in stack or stack.index(current) == 0:
                raise ModelVersionError(
                    f"no {kind} version was current before {current}: name one with --to"
                )
            position = len(stack) - 1 - stack[::-1].index(current)
            to = stack[position - 1]
        self.get(kind, to)
        return self._switch(kind, to, "rollback")

    def promotion_stack(self, kind: ModelKind) -> list[str]:
        """The versions a rollback would walk back through, oldest first (from the history)."""
        stack: list[str] = []
        for switch in self.history(kind):
            if switch.action == "promote":
                if not stack and switch.previous:
                    stack.append(switch.previous)
                if not stack or stack[-1] != switch.version:  # promoting current again: no step
                    stack.append(switch.version)
            elif switch.version in stack:
                del stack[len(stack) - stack[::-1].index(switch.version) :]
            else:
                stack = [switch.version]
        return stack

    def _switch(
        self, kind: ModelKind, version: str, action: str, *, forced: bool = False
    ) -> VersionSwitch:
        link = self.current_path(kind)
        with self._locked(kind):
            if link.exists() and not link.is_symlink():
                raise ModelVersionError(
                    f"{link} is a plain directory, not a link: move it to "
                    f"{self.versions_dir(kind)}/<version>/ (`angel models add`) first"
                )
            previous = self.current(kind)
            staged = link.with_name(f".current-{uuid.uuid4().hex[:12]}")
            os.symlink(f"versions/{version}", staged)
            os.replace(staged, link)  # atomic: readers see the old link or the new one
            switch = VersionSwitch(
                action="promote" if action == "promote" else "rollback",
                version=version,
                previous=previous,
                at=self._clock(),
                forced=forced,
            )
            with (self.kind_dir(kind) / HISTORY).open("a", encoding="utf-8") as history:
                history.write(json.dumps(switch.to_json(), sort_keys=True) + "\n")
        self._mirror(lambda store: store.set_current(kind, version))
        log.info(
            "model_version_switched",
            model=kind,
            action=action,
            version=version,
            previous=previous,
            forced=forced,
        )
        return switch

    def sync(self) -> int:
        """Mirror every readable version and each kind's current into the database."""
        count = 0
        for kind in MODEL_KINDS:
            for version in self.versions(kind):
                self._mirror(partial(ModelVersionRepository.save, version=version))
                count += 1
            current = self.current(kind)
            if current is not None:
                self._mirror(
                    partial(ModelVersionRepository.set_current, kind=kind, version=current)
                )
        return count

    def _mirror(self, write: Callable[[ModelVersionRepository], None]) -> None:
        """Write to the database mirror; the files are already switched, so a database that
        is down is logged (and `angel models sync` repairs it), never a failed switch."""
        if self._store is None:
            return
        try:
            write(self._store)
        except SQLAlchemyError as error:
            log.warning(
                "model_version_mirror_failed", error=type(error).__name__, detail=str(error)[:300]
            )
