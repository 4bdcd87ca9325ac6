"""Language model backends, chosen by `ANALYSIS_LLM_BACKEND` / `CHAT_LLM_BACKEND`.

- `transformers`: in-process, JSON-schema-constrained with llguidance (`transformers_lm.py`);
- `openai`: an OpenAI-compatible server such as vLLM or llama-server (`openai_compatible.py`);
- `mock`: the spec's `USE_MOCK_MODELS` mode (`mock.py`).

Analysis and chat always get separate instances (the analysis model is fine-tuned, the chat
model never is), even when both point at the same files.
"""

from __future__ import annotations

from typing import Literal

from angel_intelligence.ports import LanguageModel
from angel_intelligence.settings import Settings

Purpose = Literal["analysis", "chat"]


def build_language_model(settings: Settings, purpose: Purpose = "analysis") -> LanguageModel:
    """A new language model for `purpose`; in-process models load on first use (or `load()`)."""
    backend = settings.analysis_llm_backend if purpose == "analysis" else settings.chat_llm_backend
    if backend == "mock":
        from angel_intelligence.backends.llm.mock import MockLanguageModel

        return MockLanguageModel(purpose)
    if backend == "openai":
        from angel_intelligence.backends.llm.openai_compatible import OpenAICompatibleLanguageModel

        return OpenAICompatibleLanguageModel.from_settings(settings, purpose)
    from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel

    return TransformersLanguageModel.from_settings(settings, purpose)
