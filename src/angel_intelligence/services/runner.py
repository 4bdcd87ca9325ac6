"""One runner for every stage: the lease check, the model lock, the timing, the log context and
the progress report live here, once.

A `Stage` is a name, a callable with a typed input and output, and the model it needs (if
any). `StageRunner(job, locks)(stage, value)` runs it for one job:

1. checks the job still holds its lease (`JobControl.check_lease`), so a job whose claim was
   lost stops at the next stage instead of running on to a result the fence would discard;
2. binds `stage=<name>` to every log line inside, and logs the duration when it ends;
3. takes the stage's model lock: the models are shared by the jobs of one worker, so with
   MAX_CONCURRENT_JOBS > 1 one job's download overlaps another's inference, but two jobs never
   run the same model at once (on a GPU: one copy in memory, one inference in flight);
4. tells the job how long the stage took and whether it failed (`JobControl.stage_ended`: the
   worker's metrics and the error code of a failure come from there), and the optional
   listener that shows progress (`angel demo`).

`JobControl` is what the worker's `JobContext` implements; `UnleasedRun` serves callers with
no queue behind them (`angel transcribe`, tests).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import structlog

from angel_intelligence.domain.call import CallInput
from angel_intelligence.logging import get_logger

log = get_logger(__name__)

In = TypeVar("In")
Out = TypeVar("Out")

StageListener = Callable[[str, str], None]
"""Told `(stage, "started" | "finished" | "failed")`: the demo's progress display."""

MODELS = ("whisper", "voices", "llm")
"""The models a worker shares between its jobs, one lock each."""


class JobControl(Protocol):
    """What the runner needs from whoever runs the job (the worker's `JobContext`)."""

    @property
    def call(self) -> CallInput:
        """The call being processed."""
        ...

    @property
    def workdir(self) -> Path:
        """A directory of the job's own, removed when the job ends on every path."""
        ...

    def check_lease(self) -> None:
        """Raise `LeaseLostError` if the job may no longer write its result."""
        ...

    def stage_ended(self, name: str, duration_s: float, error: BaseException | None) -> None:
        """A stage finished (`error` None) or failed, after `duration_s` seconds."""
        ...


@dataclass(frozen=True)  # no slots: `Stage[A, B](...)` sets __orig_class__ on the instance
class Stage(Generic[In, Out]):
    """One step of the pipeline: a name, what it does, and the model lock it takes."""

    name: str
    run: Callable[[In], Out]
    model: str | None = None
    """One of `MODELS`, or None for a stage that runs no shared model."""


class ModelLocks:
    """One lock per shared model (see the module docstring)."""

    def __init__(self, names: tuple[str, ...] = MODELS) -> None:
        self._locks = {name: threading.Lock() for name in names}

    def hold(self, model: str | None) -> threading.Lock | nullcontext[None]:
        return nullcontext() if model is None else self._locks[model]


@contextmanager
def stage_scope(
    job: JobControl,
    name: str,
    listener: StageListener | None = None,
    timings_s: dict[str, float] | None = None,
) -> Iterator[None]:
    """Everything the runner does around a stage except the model lock (see the module
    docstring); `JobContext.stage` uses it too, for steps that are not `Stage`s."""
    job.check_lease()
    if listener:
        listener(name, "started")
    started = time.perf_counter()
    with structlog.contextvars.bound_contextvars(stage=name):
        log.debug("Stage started")
        try:
            yield
        except BaseException as error:
            duration_s = time.perf_counter() - started
            job.stage_ended(name, duration_s, error)
            log.info("Stage finished", duration_s=round(duration_s, 3))
            if listener:
                listener(name, "failed")
            raise
        duration_s = time.perf_counter() - started
        if timings_s is not None:
            timings_s[name] = timings_s.get(name, 0.0) + duration_s
        job.stage_ended(name, duration_s, None)
        log.info("Stage finished", duration_s=round(duration_s, 3))
    if listener:
        listener(name, "finished")


class StageRunner:
    """Runs stages for one job (see the module docstring)."""

    def __init__(
        self,
        job: JobControl,
        locks: ModelLocks | None = None,
        listener: StageListener | None = None,
    ) -> None:
        self.job = job
        self._locks = locks or ModelLocks()
        self._listener = listener
        self.timings_s: dict[str, float] = {}
        """Seconds in each stage that finished, in the order they ran."""

    def __call__(self, stage: Stage[In, Out], given: In) -> Out:
        scope = stage_scope(self.job, stage.name, self._listener, self.timings_s)
        with scope, self._locks.hold(stage.model):
            return stage.run(given)


@dataclass(frozen=True)
class UnleasedRun:
    """`JobControl` for work with no queue behind it: there is no lease to lose."""

    workdir: Path = Path(".")
    call: CallInput = field(default_factory=lambda: CallInput(0, "0.0", None))

    def check_lease(self) -> None:
        return None

    def stage_ended(self, name: str, duration_s: float, error: BaseException | None) -> None:
        return None
