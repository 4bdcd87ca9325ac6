"""Every seam of the pipeline as a small protocol: read this file to see them all.

Implementations live in `backends/` (heavy libraries are imported lazily there) and are chosen by
name from settings in `bootstrap.py`. Stages depend on these protocols only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from angel_intelligence.domain.analysis import CallAnalysis
from angel_intelligence.domain.client_config import StoredClientConfig
from angel_intelligence.domain.job import JobOutcome
from angel_intelligence.domain.result import CallResult, KeptTranscript
from angel_intelligence.domain.speakers import Diarization, VoiceFingerprint
from angel_intelligence.domain.transcript import Transcript

# --- Recordings in (docs/recordings.md) ------------------------------------------------------


@runtime_checkable
class RecordingSource(Protocol):
    """Finds a call's recording and downloads it. Implementations: backends/recordings/."""

    def fetch(self, apex_id: str, call_date: dt.date | None, dest_dir: Path) -> Path:
        """Download the recording into `dest_dir` and return its path."""
        ...


# --- Storage of retained (redacted) audio -----------------------------------------------------


@runtime_checkable
class ObjectStorage(Protocol):
    """Where redacted audio is kept: R2, or a local directory. See backends/storage/."""

    @property
    def bucket(self) -> str:
        """The bucket name stored in `r2_bucket`."""
        ...

    def put_file(self, path: Path, key: str, *, content_type: str) -> str:
        """Upload `path` under `key` (overwriting); returns the key."""
        ...

    def get_file(self, key: str, dest: Path) -> Path:
        """Download `key` to `dest`."""
        ...


# --- Speech (docs/transcription.md, docs/speakers.md) -----------------------------------------


@runtime_checkable
class Transcriber(Protocol):
    """Speech to text with word timestamps. Implementations: backends/asr/."""

    @property
    def model_name(self) -> str:
        """Stored in `ai_call_transcriptions.model_used`."""
        ...

    def transcribe(self, audio_path: Path) -> Transcript:
        """Transcribe a whole call (speaker fields not yet set)."""
        ...


@runtime_checkable
class Diarizer(Protocol):
    """Who spoke when on a mono call, with a voice embedding per speaker."""

    def diarize(self, audio_path: Path, *, min_speakers: int = 1) -> Diarization:
        """Split the recording into speaker turns, finding at least `min_speakers` voices
        when there is speech enough (a call asks for 2: `domain.speakers.CALL_MIN_SPEAKERS`;
        an enrolment clip for 1)."""
        ...


@runtime_checkable
class SpeakerEmbedder(Protocol):
    """A voice embedding (L2-normalised) for a stretch of audio: fingerprints are built from it."""

    def embed(
        self, audio_path: Path, spans: list[tuple[float, float]] | None = None
    ) -> tuple[float, ...]:
        """Embed the whole file, or only the given (start_s, end_s) spans of it."""
        ...


# --- Language models (docs/analysis.md) -------------------------------------------------------


class TextEmbedder(Protocol):
    """Sentences to L2-normalised embeddings (the analysis evidence's topic and action matching).
    Implementation: `backends/text/minilm.MiniLmEmbedder`."""

    @property
    def model_name(self) -> str: ...

    def load(self) -> None:
        """Load the weights now (idempotent); `ModelLoadError` when they cannot be loaded."""
        ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One row per text, in order."""
        ...


@runtime_checkable
class LanguageModel(Protocol):
    """A chat model that can be asked for JSON matching a schema. Implementations: backends/llm/.

    `messages` are OpenAI-style `{"role": "system" | "user" | "assistant", "content": str}`.
    With `json_schema`, backends that can constrain decoding do (llguidance in-process,
    `response_format` on servers); callers validate the reply all the same. `audio_path` is
    given only to a model whose `supports_audio` is True; the backend attaches the recording
    to the last user message. Failures raise: `ModelLoadError` when the model cannot be
    loaded, anything else when generation fails (the analysis stage maps it to
    ANALYSIS_FAILED).
    """

    @property
    def model_name(self) -> str:
        """Stored in `model_used`."""
        ...

    @property
    def model_version(self) -> str:
        """Stored in `model_version` (e.g. the fine-tuned version, or "base")."""
        ...

    @property
    def supports_audio(self) -> bool:
        """Whether `generate` accepts `audio_path` (a multimodal model such as Qwen2.5-Omni)."""
        ...

    def load(self) -> None:
        """Load the weights now (idempotent), so a broken model fails at start with
        `ModelLoadError` rather than on the first call; a no-op where there is nothing to
        load (a served model, the mock)."""
        ...

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
        """The model's reply text; constrained to `json_schema` where the backend can.

        `temperature` 0 is greedy (deterministic); above 0 the reply is sampled, reproducibly
        for a given `seed`.
        """
        ...


@runtime_checkable
class ReplyScorer(Protocol):
    """A language model that can score a given reply to a prompt by teacher forcing, without
    generating: the evaluation gate's `reply_loss` (docs/models.md "Evaluation gate").
    `TransformersLanguageModel` is one; a served model is not (a server gives no loss)."""

    def reply_loss(self, messages: list[dict[str, Any]], reply: str) -> float:
        """The mean cross-entropy, in nats per token, of `reply`'s tokens as the assistant's
        answer to `messages` (the prompt's tokens are not scored)."""
        ...


# --- Client configs (docs/analysis.md) ----------------------------------------------------------


@runtime_checkable
class ClientConfigStore(Protocol):
    """Where client configs are stored (`ai_client_configs`). Implementation: db/client_configs."""

    def active(self, client_ref: str | None) -> list[StoredClientConfig]:
        """The active rows for `client_ref` and the active global rows, client rows first.

        Raises `DatabaseError` when the store cannot be read."""
        ...


# --- Results (docs/worker.md) -------------------------------------------------------------------


@runtime_checkable
class CallResultStore(Protocol):
    """Where a call's results go, and the agent fingerprints they are matched against.

    Implementation: `db/results.CallResultRepository`."""

    def fingerprints(self) -> list[VoiceFingerprint]:
        """Every enrolled agent's voice fingerprint."""
        ...

    def completion(self, result: CallResult) -> JobOutcome:
        """The fenced write that stores `result` (the queue runs it when the job completes, or
        with the failure when `result.analysis` is None)."""
        ...

    def kept_transcript(self, recording_id: int) -> KeptTranscript | None:
        """The transcript an earlier attempt stored when its analysis failed (a transcription
        row and no analysis row), or None."""
        ...

    def analysis_completion(self, analysis: CallAnalysis) -> JobOutcome:
        """The fenced write that stores only the analysis (a retry of a kept transcript)."""
        ...
