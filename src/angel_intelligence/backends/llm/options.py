"""How a language model is reached: the analysis and chat sections' model settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from angel_intelligence.backends.llm.quantization import Quantization

Purpose = Literal["analysis", "chat"]


@dataclass(frozen=True, slots=True)
class LanguageModelOptions:
    """One model's settings (ANALYSIS_* or CHAT_*, and the shared LLM_* ones).

    `backend` names an entry of `backends/registry.py`: `transformers` loads `model_path`
    in-process (the bundled model when it is missing and `allow_bundled`), `openai` talks to
    the server at `url`, `mock` is the spec's USE_MOCK_MODELS mode. `quantization` is what
    `backends/llm/quantization.py` says each backend does with it.
    """

    purpose: Purpose
    backend: str = "transformers"
    model_path: Path = Path("./models/analysis/current")
    base_model: str | None = None
    allow_bundled: bool = True
    cache_dir: Path | None = None
    cpu_threads: int = 0
    quantization: Quantization = "none"
    url: str | None = None
    served_model: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 300.0
