"""Training jobs: `POST /api/training/import` queues one, `angel train run` runs them, one at a
time across the cluster (docs/models.md "Training jobs").

A request is checked in full before anything is queued: the model type, every annotation it
names (ids, `annotation_<id>` strings, or full records from `GET /api/training-data`), the
options' ranges, and the dataset itself (the corrections must apply). While a job is queued or
running another is refused (409). The runner takes the database lock, marks any job a dead
runner left `running` as failed, then per job: builds the dataset, fine-tunes a LoRA adapter
on the train split with progress in the row's `metrics`, and publishes the adapter as a new
analysis version with its metadata. A run that fails (a diverging loss among them) is failed
with the reason and leaves no version.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from angel_intelligence.backends.training.lora import (
    ChatExample,
    LoraOptions,
    Progress,
    TrainingRun,
)
from angel_intelligence.db.training_jobs import TrainingJob, TrainingJobRepository, TrainingLock
from angel_intelligence.domain.model_version import ModelVersion
from angel_intelligence.logging import get_logger
from angel_intelligence.services.model_versions import ModelVersions, utc_now
from angel_intelligence.services.training_set import (
    DatasetError,
    TrainingExample,
    TrainingSetBuilder,
)

log = get_logger(__name__)

MODEL_TYPES = {"call_analysis": "analysis", "analysis": "analysis"}
"""The spec's `model_type` ("call_analysis") and ours; only the analysis model is trained."""

OPTION_RANGES: dict[str, tuple[type, float, float]] = {
    "epochs": (int, 1, 20),
    "learning_rate": (float, 1e-7, 1e-2),
    "lora_rank": (int, 1, 256),
    "lora_alpha": (int, 1, 1024),
    "max_steps": (int, 1, 100_000),
    "max_length": (int, 128, 32_768),
    "eval_max_new_tokens": (int, 64, 8192),
}
"""What `options` may hold, and the range of each."""

ABANDONED = "the training runner stopped (killed, or its database connection lost) during the job"

Trainer = Callable[[Path, list[ChatExample], Path, LoraOptions, Progress], TrainingRun]
Evaluator = Callable[[Path, list[TrainingExample], int], dict[str, Any]]
"""(candidate directory, held-out examples, max new tokens) → the evaluation report."""
EVAL_MAX_NEW_TOKENS = 1024
NO_HELD_OUT = "no held-out calls to evaluate on: two or more annotated calls are needed"


class TrainingRequestError(ValueError):
    """A training request refused: `status` is 422 (bad input) or 409 (a job already runs)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class TrainingBusyError(RuntimeError):
    """Another runner holds the training lock."""


@dataclass(frozen=True)
class TrainingBase:
    """What a run trains from: the base model's directory, its name, the current version."""

    directory: Path
    name: str
    version: str


def annotation_ids(training_data: list[Any]) -> list[int]:
    """The annotation ids a request names, in order; TrainingRequestError for anything else."""
    ids = []
    for position, item in enumerate(training_data):
        value = item.get("id") if isinstance(item, dict) else item
        if isinstance(value, str) and value.startswith("annotation_"):
            value = value.removeprefix("annotation_")
        try:
            if isinstance(value, bool):
                raise ValueError
            number = int(str(value))
            if not 1 <= number < 2**63:  # no stored id is outside this (SQLite's signed 64 bits)
                raise ValueError
            ids.append(number)
        except (TypeError, ValueError):
            raise TrainingRequestError(
                422,
                f"training_data[{position}] names no annotation: give annotation ids, "
                "'annotation_<id>' strings or records from GET /api/training-data",
            ) from None
    if not ids:
        raise TrainingRequestError(422, "training_data is empty: nothing to train on")
    return list(dict.fromkeys(ids))


def checked_options(options: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(OPTION_RANGES))
    if unknown:
        raise TrainingRequestError(
            422, f"unknown options {unknown}: use {', '.join(sorted(OPTION_RANGES))}"
        )
    checked: dict[str, Any] = {}
    for name, value in options.items():
        kind, low, high = OPTION_RANGES[name]
        ok = not isinstance(value, bool) and isinstance(value, int | float)
        if ok and kind is int and not float(value).is_integer():
            ok = False
        if not ok or not low <= value <= high or not math.isfinite(value):
            raise TrainingRequestError(
                422,
                f"options.{name} must be a{'n integer' if kind is int else ' number'} "
                f"from {low:g} to {high:g}, not {value!r}",
            )
        checked[name] = kind(value)
    return checked


class TrainingJobs:
    """Queues, reports and runs training jobs."""

    def __init__(
        self,
        jobs: TrainingJobRepository,
        dataset: TrainingSetBuilder,
        versions: ModelVersions,
        *,
        lock: Callable[[], TrainingLock],
        base: Callable[[], TrainingBase],
        trainer: Trainer,
        evaluator: Evaluator,
        runner_id: str,
    ) -> None:
        self._jobs = jobs
        self._dataset = dataset
        self._versions = versions
        self._lock = lock
        self._base = base
        self._trainer = trainer
        self._evaluator = evaluator
        self.runner_id = runner_id

    # --- The API's side -----------------------------------------------------------------------

    def submit(
        self, model_type: str, training_data: list[Any], options: dict[str, Any]
    ) -> TrainingJob:
        if model_type not in MODEL_TYPES:
            raise TrainingRequestError(
                422, f"model_type {model_type!r} cannot be trained: only call_analysis is"
            )
        ids = annotation_ids(training_data)
        checked = checked_options(options)
        busy = self._jobs.unfinished()
        if busy is not None:
            raise TrainingRequestError(
                409, f"training job {busy.job_id} is {busy.status}: one job at a time"
            )
        try:
            built = self._dataset.build(annotation_ids=ids)
        except DatasetError as error:
            raise TrainingRequestError(422, str(error)) from None
        return self._jobs.create(
            f"training_{uuid.uuid4().hex[:12]}",
            model_type=MODEL_TYPES[model_type],
            options=checked,
            training_data={"annotation_ids": ids, "dataset_hash": built.dataset_hash},
            example_count=len(built.examples),
            base_version=self._versions.current("analysis"),
        )

    def get(self, job_id: str) -> TrainingJob | None:
        return self._jobs.get(job_id)

    # --- The runner's side --------------------------------------------------------------------

    def run(
        self, *, once: bool, poll_s: float, echo: Callable[[str], None], stop: Callable[[], bool]
    ) -> int:
        """Run queued jobs until stopped (`once`: until none is queued); returns how many ran."""
        lock = self._lock()
        if not lock.acquire():
            raise TrainingBusyError("another `angel train run` holds the training lock")
        ran = 0
        try:
            for job_id in self._jobs.fail_abandoned(ABANDONED):
                echo(f"{job_id}: failed: {ABANDONED}")
                log.warning("training_job_abandoned", job_id=job_id)
            while not stop():
                job = self._jobs.claim_next(self.runner_id)
                if job is None:
                    if once:
                        break
                    stop_wait(poll_s, stop)
                    continue
                self.execute(job, echo)
                ran += 1
        finally:
            lock.release()
        return ran

    def execute(self, job: TrainingJob, echo: Callable[[str], None]) -> None:
        staging: Path | None = None
        try:
            ids = list(job.training_data.get("annotation_ids") or [])
            built = self._dataset.build(annotation_ids=ids)
            train = built.split("train") or list(built.examples)
            self._jobs.report(job, {"stage": "training", **built.summary()})
            base = self._base()
            given = dict(job.options)
            eval_tokens = int(given.pop("eval_max_new_tokens", EVAL_MAX_NEW_TOKENS))
            options = LoraOptions(**given)
            staging = self._versions.staging_dir("analysis")

            def progress(step: int, total: int, loss: float) -> None:
                self._jobs.report(
                    job, {"stage": "training", "step": step, "steps": total,
                          "progress": round(step / total, 4), "loss": round(loss, 4)}
                )  # fmt: skip
                echo(f"{job.job_id}: step {step}/{total} loss {loss:.4f}")

            examples = [ChatExample(e.messages, e.response, e.transcript) for e in train]
            run = self._trainer(base.directory, examples, staging, options, progress)
            held_out = built.split("eval")
            self._jobs.report(job, {"stage": "evaluating", "eval_examples": len(held_out)})
            echo(f"{job.job_id}: evaluating base and candidate on {len(held_out)} held-out call(s)")
            evaluation: dict[str, Any] = (
                self._evaluator(staging, held_out, eval_tokens)
                if held_out
                else {"passed": False, "reasons": [NO_HELD_OUT], "examples": 0}
            )
            version = self._versions.publish(
                staging,
                ModelVersion(
                    kind="analysis",
                    version=f"ft-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}-{job.job_id[-6:]}",
                    path="",
                    created_at=utc_now(),
                    base_model=base.name,
                    adapter=".",
                    parent_version=base.version,
                    dataset_hash=built.dataset_hash,
                    annotation_ids=built.annotation_ids,
                    parameters=asdict(options),
                    metrics=run.to_json(),
                    evaluation=evaluation,
                    training_job_id=job.id,
                ),
            )
            staging = None
            promoted = bool(evaluation["passed"])
            if promoted:
                self._versions.promote("analysis", version.version)
        except Exception as error:  # any failure fails the job, with no version
            reason = (
                str(error)
                if isinstance(error, DatasetError | ValueError)
                else (f"{type(error).__name__}: {error}")
            )
            self._jobs.finish(job, status="failed", metrics={"stage": "failed"}, error=reason)
            log.error("training_job_failed", job_id=job.job_id, error=reason)
            echo(f"{job.job_id}: failed: {reason}")
            return
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
        self._jobs.finish(
            job,
            status="completed",
            metrics={"stage": "completed", "progress": 1.0, **run.to_json(),
                     "evaluation": evaluation, "promoted": promoted},
            result_version=version.version,
        )  # fmt: skip
        log.info(
            "training_job_completed", job_id=job.job_id, version=version.version, promoted=promoted
        )
        gate = "promoted" if promoted else "not promoted: " + "; ".join(evaluation["reasons"])
        echo(f"{job.job_id}: completed: version {version.version} ({run.steps} steps, "
             f"loss {run.first_loss:.4f} → {run.final_loss:.4f}); {gate}")  # fmt: skip


def stop_wait(seconds: float, stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop():
        time.sleep(min(0.2, seconds))
