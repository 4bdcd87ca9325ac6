"""A language model behind an OpenAI-compatible chat server: vLLM, or llama.cpp's llama-server.

The schema goes in `response_format` (`{"type": "json_schema", ...}`), which both servers
accept. Both also fail open: vLLM ignores schema options it does not know, and llama-server
answers unconstrained when it cannot turn the schema into a grammar (research/ecosystem.md).
So the reply is validated by the caller all the same; `check_schema_support()` tells whether a
server really constrains its output.

Audio mode sends the recording as an `input_audio` content part (base64 WAV or MP3), which vLLM
and llama-server (with `--mmproj` for Qwen2.5-Omni) read.

The version stored with each analysis is asked of the server (`GET /v1/models`, issue 18): the
served model's id, or the registry version behind it when the id is a path into
`…/versions/<version>` or to a `current` link (docs/models.md). Until the server answers, it
is "server".

Requests time out after `LLM_TIMEOUT_SECONDS`; 429, 5xx and connection errors are retried
three times with backoff; other errors fail at once with the server's own message (cut short:
it may quote the request).
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx2
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from angel_intelligence.backends.llm.model_files import version_of as model_version_of
from angel_intelligence.backends.llm.options import LanguageModelOptions
from angel_intelligence.logging import get_logger

log = get_logger(__name__)
ATTEMPTS = 3
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
ASK_SERVED_EVERY_S = 60.0
"""How often to ask again which model a server serves, when it did not answer."""
_AUDIO_FORMATS = {".wav": "wav", ".mp3": "mp3"}


class LanguageModelServerError(RuntimeError):
    """The server answered with an error, or could not be reached."""


def _retryable(error: BaseException) -> bool:
    if isinstance(error, httpx2.HTTPStatusError):
        return error.response.status_code in _RETRY_STATUS
    return isinstance(error, httpx2.TransportError)


def chat_completions_url(base_url: str) -> str:
    """`http://h:8000`, `http://h:8000/v1` and the full endpoint URL all work."""
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return f"{base}/chat/completions"
    return f"{base}/v1/chat/completions"


class OpenAICompatibleLanguageModel:
    """`ports.LanguageModel` over HTTP."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 300.0,
        supports_audio: bool = True,
        version: str = "server",
        transport: httpx2.BaseTransport | None = None,
        retry_wait_s: float = 1.0,
    ) -> None:
        self._url = chat_completions_url(base_url)
        self._model = model
        self._supports_audio = supports_audio
        self._version = version
        self._served: str | None = None
        self._asked_at = -ASK_SERVED_EVERY_S
        """The id the server answered `/v1/models` with (None until it has)."""
        self._retry_wait_s = retry_wait_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx2.Client(
            timeout=httpx2.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            headers=headers,
            transport=transport,
        )

    @classmethod
    def from_options(cls, options: LanguageModelOptions) -> OpenAICompatibleLanguageModel:
        if not options.url:
            name = "ANALYSIS_LLM_URL" if options.purpose == "analysis" else "CHAT_LLM_URL"
            raise ValueError(f"{name} must be set for the openai backend")
        # The server holds the weights at its own precision: the setting is reported only.
        log.info(
            "language_model_quantization_not_applied",
            purpose=options.purpose,
            quantization=options.quantization,
            reason="a served model runs at the precision the server loaded it with",
        )
        return cls(
            options.url,
            model=options.served_model,
            api_key=options.api_key,
            timeout_s=options.timeout_s,
        )

    @property
    def model_name(self) -> str:
        return self._model or self.served_model() or "openai-compatible"

    @property
    def model_version(self) -> str:
        served = self._served or self.served_model()
        return self._version if served is None else served_version(served)

    def served_model(self) -> str | None:
        """The id of the model the server serves (the configured one when it serves several);
        None when it does not answer `/v1/models` (asked again a minute later)."""
        if self._served is not None:
            return self._served
        if time.monotonic() - self._asked_at < ASK_SERVED_EVERY_S:
            return None
        self._asked_at = time.monotonic()
        url = self._url.removesuffix("/chat/completions") + "/models"
        try:
            response = self._client.get(url, timeout=10.0)
            response.raise_for_status()
            ids = [str(m["id"]) for m in response.json()["data"] if isinstance(m, dict)]
        except (httpx2.HTTPError, ValueError, KeyError, TypeError) as error:
            log.warning("served_model_unknown", url=url, error=type(error).__name__)
            return None
        if self._model and self._model in ids:
            self._served = self._model
        elif ids:
            self._served = ids[0]
        return self._served

    @property
    def supports_audio(self) -> bool:
        return self._supports_audio

    def load(self) -> None:
        """Nothing to load (the server holds the weights): ask which model it serves."""
        self.served_model()

    def close(self) -> None:
        self._client.close()

    def generate(
        self,
        messages: list[dict[str, Any]],
        *,
        json_schema: dict[str, Any] | None = None,
        max_new_tokens: int = 512,
        audio_path: Path | None = None,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> str:
        body: dict[str, Any] = {
            "messages": _with_audio(messages, audio_path) if audio_path else messages,
            "max_tokens": max_new_tokens,
            "temperature": temperature,
        }
        if seed is not None:
            body["seed"] = seed
        if self._model:
            body["model"] = self._model
        if json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": str(json_schema.get("title") or "reply"),
                    "schema": json_schema,
                    "strict": True,
                },
            }
        data = self._post(body)
        try:
            choice = data["choices"][0]
            content = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise LanguageModelServerError(
                f"{self._url} answered without choices[0].message.content"
            ) from None
        if choice.get("finish_reason") == "length":
            log.info("language_model_reply_cut_off", max_tokens=max_new_tokens)
        return content if isinstance(content, str) else ""

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        @retry(
            retry=retry_if_exception(_retryable),
            stop=stop_after_attempt(ATTEMPTS),
            wait=wait_exponential_jitter(
                multiplier=self._retry_wait_s,
                max=30 * self._retry_wait_s,
                jitter=self._retry_wait_s,
            ),
            reraise=True,
        )
        def send() -> dict[str, Any]:
            response = self._client.post(self._url, json=body)
            response.raise_for_status()
            parsed = response.json()
            if not isinstance(parsed, dict):
                raise LanguageModelServerError(
                    f"{self._url} answered with JSON that is not an object"
                )
            return parsed

        try:
            return send()
        except httpx2.HTTPStatusError as error:
            status, text = error.response.status_code, _error_text(error.response)
            raise LanguageModelServerError(f"{self._url} answered HTTP {status}: {text}") from None
        except httpx2.TransportError as error:
            reason = f"{type(error).__name__}: {error}"
            raise LanguageModelServerError(
                f"cannot reach {self._url} after {ATTEMPTS} attempts: {reason}"
            ) from None
        except ValueError:
            raise LanguageModelServerError(
                f"{self._url} answered with something that is not JSON"
            ) from None

    def check_schema_support(self) -> bool:
        """Whether the server really constrains output to a schema (it may silently not).

        Asks for a reply that an unconstrained model would hardly give: an object whose only
        key is an odd enum value.
        """
        marker = "angel-schema-probe-7c3f"
        schema = {
            "title": "probe",
            "type": "object",
            "properties": {"probe": {"type": "string", "enum": [marker]}},
            "required": ["probe"],
            "additionalProperties": False,
        }
        reply = self.generate(
            [{"role": "user", "content": "Say hello."}], json_schema=schema, max_new_tokens=32
        )
        try:
            return bool(json.loads(reply) == {"probe": marker})
        except ValueError:
            return False


def served_version(served: str) -> str:
    """The registry version behind a served model id, else the id itself.

    A server started on a registry path names the model by it: `…/versions/<version>` gives
    the version, and `…/current` the version it links to now (the volume is mounted here too).
    """
    parts = Path(served).parts
    if "versions" in parts[:-1]:
        return parts[parts.index("versions") + 1]
    if Path(served).is_absolute() and Path(served).is_symlink():
        version = model_version_of(Path(served))
        if version != "base":
            return version
    return served


def _error_text(response: httpx2.Response, limit: int = 200) -> str:
    try:
        data = response.json()
        message = data.get("error", data) if isinstance(data, dict) else data
        if isinstance(message, dict):
            message = message.get("message", message)
        text = str(message)
    except ValueError:
        text = response.text
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _with_audio(messages: list[dict[str, Any]], audio_path: Path) -> list[dict[str, Any]]:
    """The last user message as content parts: the recording first, then its text."""
    audio_format = _AUDIO_FORMATS.get(audio_path.suffix.lower())
    if audio_format is None:
        raise ValueError(f"audio must be WAV or MP3 for the server, not {audio_path.suffix}")
    data = base64.b64encode(audio_path.read_bytes()).decode("ascii")
    last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
    converted = [dict(m) for m in messages]
    converted[last_user]["content"] = [
        {"type": "input_audio", "input_audio": {"data": data, "format": audio_format}},
        {"type": "text", "text": str(messages[last_user]["content"])},
    ]
    return converted
