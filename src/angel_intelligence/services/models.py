"""The models a process holds: loaded once, on first use, and kept (ARCHITECTURE.md §5).

`ModelRegistry` is shared by the worker (Whisper, the analysis model) and the API (the chat
model, and the analysis model for prompt checks). It records for `/health` which models are
loaded, their versions, and why a model failed to load.

A model registered with its `path` (`…/<kind>/current`) follows that link with
ENABLE_MODEL_HOT_RELOAD (`watch`): when it leads to a new version, a loaded model is loaded
again beside the old one and swapped in (callers holding the old finish with it); one not
loaded yet just takes the new version on first use. A version that fails to load is logged,
reported as the model's error and not tried again until the link moves; the old one stays.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from angel_intelligence.errors import ModelLoadError
from angel_intelligence.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class ModelState:
    """What `/health` reports for one model."""

    version: str
    loaded: bool
    error: str | None = None
    current: str | None = None
    """The registry's current version of this kind (docs/models.md)."""
    workers: dict[str, int] | None = None
    """Version → how many live workers run it."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": self.version, "loaded": self.loaded}
        if self.error:
            data["error"] = self.error
        if self.current is not None:
            data["current"] = self.current
        if self.workers:
            data["workers"] = self.workers
        return data


def version_of(path: Path, default: str) -> str:
    """The version a model path points at: `current` → `versions/<version>`, else `default`."""
    if path.is_symlink():
        return Path(path.readlink()).name or default
    marker = path / "VERSION"
    if marker.is_file():
        return marker.read_text().strip() or default
    return default


class ModelRegistry:
    """Named model loaders; each model is loaded at most once per process (thread-safe)."""

    def __init__(self) -> None:
        self._loaders: dict[str, tuple[str, Callable[[], Any]]] = {}
        self._models: dict[str, Any] = {}
        self._errors: dict[str, str] = {}
        self._paths: dict[str, tuple[Path, str]] = {}  # name → (path, the target it led to)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def register(
        self, name: str, version: str, loader: Callable[[], Any], *, path: Path | None = None
    ) -> None:
        """`loader` builds the model; `path`: the `current` link it loads from (hot reload)."""
        self._loaders[name] = (version, loader)
        if path is not None:
            self._paths[name] = (path, os.path.realpath(path))

    def refresh(self) -> list[str]:
        """Follow each registered path once; returns the names switched to a new version."""
        switched = []
        for name, (path, seen) in list(self._paths.items()):
            target = os.path.realpath(path)
            if target == seen:
                continue
            self._paths[name] = (path, target)
            _old_version, loader = self._loaders[name]
            version = version_of(path, Path(target).name)
            with self._lock:
                loaded = name in self._models
            if not loaded:
                self._loaders[name] = (version, loader)
                self._errors.pop(name, None)
                switched.append(name)
                continue
            try:
                model = loader()  # beside the old one, outside the lock: callers go on
            except Exception as error:  # keep the old one
                self._errors[name] = f"could not load {name} {version}: {error}"
                log.error("model_reload_failed", model=name, version=version, error=str(error))
                continue
            with self._lock:
                self._models[name] = model
                self._loaders[name] = (version, loader)
                self._errors.pop(name, None)
            log.info("model_switched", model=name, version=version)
            switched.append(name)
        return switched

    def watch(self, interval_s: float) -> None:
        """Call `refresh` every `interval_s` in a daemon thread until `close`."""
        if self._watcher is not None or not self._paths:
            return

        def run() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.refresh()
                except Exception as error:  # never let the watcher die
                    log.error("model_reload_failed", error=str(error))

        self._watcher = threading.Thread(target=run, name="angel-model-watch", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
            self._watcher = None

    def __contains__(self, name: object) -> bool:
        """Whether a model of this name is registered (loaded or not)."""
        return name in self._loaders

    def get(self, name: str) -> Any:
        """The loaded model, loading it now if needed; raises ModelLoadError on failure."""
        with self._lock:
            if name in self._models:
                return self._models[name]
            if name not in self._loaders:
                raise ModelLoadError(f"no {name} model is configured")
            version, loader = self._loaders[name]
            try:
                model = loader()
            except ModelLoadError as error:
                self._errors[name] = error.message
                raise
            except Exception as error:  # any loader failure is a model-load failure
                message = f"could not load the {name} model ({version}): {error}"
                self._errors[name] = message
                log.error("model_load_failed", model=name, version=version, error=str(error))
                raise ModelLoadError(message) from error
            self._models[name] = model
            self._errors.pop(name, None)
            loaded_version = getattr(model, "model_version", None)
            if isinstance(loaded_version, str) and loaded_version:
                version = loaded_version  # what was loaded, not what was expected
                self._loaders[name] = (version, loader)
            log.info("model_loaded", model=name, version=version)
            return model

    def status(self) -> dict[str, ModelState]:
        return {
            name: ModelState(
                version=version, loaded=name in self._models, error=self._errors.get(name)
            )
            for name, (version, _loader) in self._loaders.items()
        }
