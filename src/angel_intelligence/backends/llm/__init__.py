"""Language model backends (`backends/registry.py` names them):

- `transformers`: in-process, JSON-schema-constrained with llguidance (`transformers_lm.py`);
- `openai`: an OpenAI-compatible server such as vLLM or llama-server (`openai_compatible.py`);
- `mock`: the spec's `USE_MOCK_MODELS` mode (`mock.py`).

Analysis and chat always get separate instances (the analysis model is fine-tuned, the chat
model never is), even when both point at the same files.
"""

from angel_intelligence.backends.llm.options import LanguageModelOptions, Purpose

__all__ = ["LanguageModelOptions", "Purpose"]
