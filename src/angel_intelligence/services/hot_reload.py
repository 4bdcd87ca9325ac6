"""Hot reload: a worker switches to the model version `current` points at, between jobs.

With `ENABLE_MODEL_HOT_RELOAD`, the worker's loop calls `poll` before it claims. Every
`MODEL_RELOAD_CHECK_INTERVAL` seconds each reloader (the analysis model's,
`AnalysisModelReloader`, and Whisper's, `WhisperReloader`) resolves its model path
(`ANALYSIS_MODEL_PATH` / `WHISPER_MODEL_PATH`, by default `MODELS_BASE_PATH/<kind>/current`);
when it leads to a new version directory (docs/models.md):

- **beside**: when the memory available holds the new version as well (its size on disk, a
  GGUF file counted at its dequantised size, with a margin), it is loaded in a thread while
  jobs go on with the old one. The next poll installs it: analyses that start from then on use
  it, and one already running finishes on the model it started with, so no job fails or
  changes model half-way. The old model is freed when its last analysis ends (the pipeline
  holds the only other reference).
- **between jobs**: otherwise the worker stops claiming until its running jobs end, the old
  model is dropped, the new one loaded, and claiming resumes.

A version that fails to load is logged (`model_reload_failed`), reported in the worker's
`ai_workers.model_errors` (so `/health` shows it) and not tried again until `current` moves;
the old model stays in use (between jobs, it is loaded again from its own directory).
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.domain.model_version import ModelInUse
from angel_intelligence.logging import get_logger
from angel_intelligence.ports import Transcriber

log = get_logger(__name__)

GGUF_EXPANSION = 8.0
"""A quantised GGUF file is dequantised on load (research/ecosystem.md): ~8× a Q4 file."""
MEMORY_MARGIN = 1.5
"""Load beside the old model only when this much of its estimated size is free."""


@runtime_checkable
class ModelHolder(Protocol):
    """A pipeline whose analysis model can be swapped and reported (`CallProcessor`)."""

    analyser: CallAnalyser | None

    def models_in_use(self) -> dict[str, ModelInUse]: ...

    @property
    def device(self) -> str: ...


@runtime_checkable
class TranscriberHolder(Protocol):
    """A pipeline whose speech model can be swapped (`CallProcessor`)."""

    def swap_transcriber(self, transcriber: Transcriber | None, version: str | None) -> None:
        """Use `transcriber` (of `version`) for calls that start from now (None: none)."""

    def current_transcriber(self) -> Transcriber | None: ...


@dataclass(frozen=True, slots=True)
class ReloadOptions:
    """ENABLE_MODEL_HOT_RELOAD and MODEL_RELOAD_CHECK_INTERVAL."""

    enabled: bool = False
    interval_s: float = 60.0


def available_memory_bytes() -> int:
    """MemAvailable from /proc/meminfo (0 when unknown: then reloads wait for a quiet moment)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def estimated_bytes(target: Path) -> int:
    """What a model directory (or file) will take in memory, from its files' sizes."""
    files = [target] if target.is_file() else [p for p in target.rglob("*") if p.is_file()]
    total = 0.0
    for path in files:
        size = path.stat().st_size
        total += size * GGUF_EXPANSION if path.suffix == ".gguf" else size
    return int(total)


def resolved(path: Path) -> Path:
    return Path(os.path.realpath(path))


Model = TypeVar("Model")


class ModelReloader(Generic[Model]):
    """Swaps the model of one kind for one loaded from the version `path` leads to.

    `install(model, version)` puts a model in use (None: drop the old one), `in_use()` reads
    the one in use, `make(target)` loads one from a directory (raising when it cannot)."""

    kind = "model"

    def __init__(
        self,
        path: Path,
        make: Callable[[Path], Model],
        install: Callable[[Model | None, Path | None], None],
        in_use: Callable[[], Model | None],
        *,
        interval_s: float,
        available_bytes: Callable[[], int] = available_memory_bytes,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._path = path
        self._make = make
        self._put = install
        self._in_use = in_use
        self._interval_s = interval_s
        self._available = available_bytes
        self._clock = clock
        self.loaded_target = resolved(path)
        self._failed_target: Path | None = None
        self._next_check = clock() + interval_s
        self._pending: Path | None = None  # a target waiting for a quiet moment
        self._loading: threading.Thread | None = None
        self._loaded: tuple[Path, Model, float] | None = None
        self._error: str | None = None
        self.switches = 0
        self.last_switch_ms: float | None = None
        """How long the last swap took (what a job about to start could have waited for)."""

    def errors(self) -> dict[str, str]:
        """Kind → why the newest version could not be loaded (for `ai_workers`)."""
        return {self.kind: self._error} if self._error else {}

    def poll(self, *, idle: bool) -> bool:
        """Check `current` when due, install a version loaded beside the old one, or reload
        while idle. True when the worker should claim nothing now (waiting to be idle)."""
        if self._loaded is not None:
            self._install(*self._loaded)
            self._loaded = None
        if self._loading is not None:
            if self._loading.is_alive():
                return False
            self._loading = None
        if self._pending is None and self._clock() >= self._next_check:
            self._next_check = self._clock() + self._interval_s
            target = resolved(self._path)
            if target not in (self.loaded_target, self._failed_target):
                if not target.exists():
                    self._fail(target, f"{self._path} leads to {target}, which does not exist")
                elif self._available() >= MEMORY_MARGIN * estimated_bytes(target):
                    self._start_loading(target)
                else:
                    log.info("model_reload_waits_for_idle", model=self.kind, target=str(target))
                    self._pending = target
        if self._pending is not None:
            if not idle:
                return True
            target, self._pending = self._pending, None
            self._reload_in_place(target)
        return False

    def wait(self, timeout_s: float) -> None:
        """Wait for a load in progress (tests, benchmarks)."""
        if self._loading is not None:
            self._loading.join(timeout_s)

    def _start_loading(self, target: Path) -> None:
        log.info("model_reload_loading", model=self.kind, target=str(target), beside=True)

        def load() -> None:
            started = time.perf_counter()
            try:
                model = self._make(target)
            except Exception as error:  # any failure keeps the old model
                self._fail(target, str(error))
                return
            self._loaded = (target, model, time.perf_counter() - started)

        self._loading = threading.Thread(target=load, name=f"angel-{self.kind}-reload", daemon=True)
        self._loading.start()

    def _reload_in_place(self, target: Path) -> None:
        """No job is running and none will be claimed: drop the old model, load the new."""
        old_target = self.loaded_target
        self._put(None, None)
        gc.collect()
        started = time.perf_counter()
        try:
            model = self._make(target)
        except Exception as error:
            self._fail(target, str(error))
            try:  # the old one again, from its own directory
                self._put(self._make(old_target), old_target)
            except Exception as again:  # jobs now fail with MODEL_LOAD_ERROR and are retried
                log.critical("model_reload_lost_the_old_model", model=self.kind, error=str(again))
            return
        self._install(target, model, time.perf_counter() - started)

    def _install(self, target: Path, model: Model, load_s: float) -> None:
        previous = self.version_of(self._in_use())
        started = time.perf_counter()
        self._put(model, target)  # jobs starting from now use it
        switch_ms = (time.perf_counter() - started) * 1000
        gc.collect()  # the old model goes when the last job holding it ends
        self.loaded_target = target
        self._error = None
        self.switches += 1
        self.last_switch_ms = switch_ms
        log.info(
            "model_switched",
            model=self.kind,
            version=self.version_of(model),
            previous=previous,
            load_s=round(load_s, 2),
            switch_ms=round(switch_ms, 3),
        )

    def version_of(self, model: Model | None) -> str | None:
        """The version a model reports, for the log."""
        return None

    def _fail(self, target: Path, reason: str) -> None:
        self._failed_target = target
        self._error = f"could not load {target.name}: {reason}"
        log.error("model_reload_failed", model=self.kind, target=str(target), error=reason)


class AnalysisModelReloader(ModelReloader[CallAnalyser]):
    """Swaps `processor.analyser` for one built on the version `path` leads to."""

    kind = "analysis"

    def __init__(
        self,
        processor: ModelHolder,
        path: Path,
        make_analyser: Callable[[Path], CallAnalyser],
        *,
        interval_s: float,
        available_bytes: Callable[[], int] = available_memory_bytes,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        def install(analyser: CallAnalyser | None, _target: Path | None) -> None:
            processor.analyser = analyser

        super().__init__(
            path,
            make_analyser,
            install,
            lambda: processor.analyser,
            interval_s=interval_s,
            available_bytes=available_bytes,
            clock=clock,
        )

    def version_of(self, model: CallAnalyser | None) -> str | None:
        return model.model.model_version if model is not None else None


class WhisperReloader(ModelReloader[Transcriber]):
    """Swaps the pipeline's transcriber for one loaded from the Whisper version `path` leads
    to (`WHISPER_MODEL_PATH`); a call transcribes with the model it started with."""

    kind = "whisper"

    def __init__(
        self,
        processor: TranscriberHolder,
        path: Path,
        make_transcriber: Callable[[Path], Transcriber],
        *,
        interval_s: float,
        available_bytes: Callable[[], int] = available_memory_bytes,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        def install(transcriber: Transcriber | None, target: Path | None) -> None:
            processor.swap_transcriber(transcriber, registry_version(target))

        super().__init__(
            path,
            make_transcriber,
            install,
            processor.current_transcriber,
            interval_s=interval_s,
            available_bytes=available_bytes,
            clock=clock,
        )

    def version_of(self, model: Transcriber | None) -> str | None:
        return registry_version(self.loaded_target) if model is not None else None


def registry_version(target: Path | None) -> str | None:
    """`…/versions/<v>` → "<v>"; None for a directory outside a registry."""
    if target is None or target.parent.name != "versions":
        return None
    return target.name


class Reloaders:
    """The worker's reloaders polled as one: claim nothing while any waits to be idle."""

    def __init__(self, reloaders: list[ModelReloader[Any]]) -> None:
        self.reloaders = reloaders

    def poll(self, *, idle: bool) -> bool:
        waits = [r.poll(idle=idle) for r in self.reloaders]  # each polled, every time
        return any(waits)

    def errors(self) -> dict[str, str]:
        return {kind: e for r in self.reloaders for kind, e in r.errors().items()}

    def wait(self, timeout_s: float) -> None:
        for reloader in self.reloaders:
            reloader.wait(timeout_s)
