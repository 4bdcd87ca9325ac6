"""The models a process holds: loaded once, on first use, and kept (ARCHITECTURE.md §5).

`ModelRegistry` is shared by the worker (Whisper, the analysis model) and the API (the chat
model, and the analysis model for prompt checks). It records for `/health` which models are
loaded, their versions, and why a model failed to load.
"""

from __future__ import annotations

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

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": self.version, "loaded": self.loaded}
        if self.error:
            data["error"] = self.error
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
        self._lock = threading.Lock()

    def register(self, name: str, version: str, loader: Callable[[], Any]) -> None:
        self._loaders[name] = (version, loader)

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
