"""A language model wrapper that keeps every request's reply, schema and timing.

For tests and benchmarks that run the real analyser over a real model and then inspect what
the model was asked and answered.
"""

from __future__ import annotations

import time
from typing import Any

from angel_intelligence.ports import LanguageModel


class RecordingLanguageModel:
    """`ports.LanguageModel` around another one; `calls` holds one dict per `generate`:
    `reply`, `schema` (the JSON schema asked for), `seconds`, and `decoded` (the backend's
    `last_decoded` statistics where it keeps them, else None)."""

    def __init__(self, model: LanguageModel) -> None:
        self.model = model
        self.calls: list[dict[str, Any]] = []

    @property
    def model_name(self) -> str:
        return self.model.model_name

    @property
    def model_version(self) -> str:
        return self.model.model_version

    @property
    def supports_audio(self) -> bool:
        return self.model.supports_audio

    @property
    def replies(self) -> list[str]:
        return [call["reply"] for call in self.calls]

    @property
    def schemas(self) -> list[Any]:
        return [call["schema"] for call in self.calls]

    def generate(self, messages: list[dict[str, Any]], **options: Any) -> str:
        started = time.monotonic()
        reply = self.model.generate(messages, **options)
        self.calls.append(
            {
                "reply": reply,
                "schema": options.get("json_schema"),
                "seconds": time.monotonic() - started,
                "decoded": getattr(self.model, "last_decoded", None),
            }
        )
        return reply
