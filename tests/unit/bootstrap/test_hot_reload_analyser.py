"""A hot-reloaded analysis model is analysed with as the first one was: grounded, with the
worker's loaded sentence embedder (it was once rebuilt ungrounded, so a promotion silently
turned the evidence, the checks and the fallback off)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from angel_intelligence import bootstrap
from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.backends.llm.mock import MockLanguageModel
from angel_intelligence.settings import Settings


class _Embedder:
    model_name = "test-embedder"

    def load(self) -> None:
        return None

    def embed(self, texts: Any) -> Any:
        return np.zeros((len(texts), 3), dtype=np.float32)


class _Holder:
    def __init__(self, analyser: CallAnalyser) -> None:
        self.analyser: CallAnalyser | None = analyser

    def models_in_use(self) -> dict[str, Any]:
        return {}

    @property
    def device(self) -> str:
        return "cpu"


class _Backend:
    def build(self, options: Any) -> MockLanguageModel:
        return MockLanguageModel()


def test_the_reloaded_analyser_is_grounded_with_the_same_embedder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    embedder = _Embedder()
    first = CallAnalyser(MockLanguageModel(), grounded=True, embedder=embedder)
    monkeypatch.setattr(bootstrap, "backend", lambda role, name: _Backend())
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, enable_model_hot_reload=True, models_base_path=tmp_path
    )
    reloaders = bootstrap.build_model_reloader(settings, _Holder(first))
    assert reloaders is not None
    (reloader,) = reloaders.reloaders  # the holder holds no transcriber: the analysis one only
    reloaded = reloader._make(tmp_path / "analysis" / "versions" / "v2")
    assert reloaded.grounded and reloaded.embedder is embedder
