"""Diarization and voice embeddings with resemblyzer's d-vector model (shipped in its wheel).

Method (docs/speakers.md): Silero VAD finds the speech; each speech region is cut into 1.6 s
windows every 0.4 s (a region shorter than that is one window), volume-normalised per region
and embedded by resemblyzer's GE2E LSTM (256 floats, L2-normalised); ~3 s segments of each
region are clustered and windows labelled from them (`segmenting.py`, `clustering.py`); each
10 ms of speech takes its nearest window's speaker. A speaker's embedding is the normalised
mean of its windows, computed exactly as `ResemblyzerEmbedder` computes an enrolment clip's, so
fingerprints and calls are comparable.

resemblyzer is imported lazily (it pulls torch and librosa); its `webrtcvad` dependency is
provided by `webrtcvad-wheels` (research/ecosystem.md).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from angel_intelligence.audio_io import (
    SAMPLE_RATE_HZ,
    SpeechRegion,
    load_audio,
    speech_regions,
)
from angel_intelligence.backends.diarization.clustering import (
    LabelledSpan,
    centroids,
    turns_from_windows,
)
from angel_intelligence.backends.diarization.segmenting import (
    SegmentOptions,
    WindowSet,
    label_windows,
)
from angel_intelligence.domain.speakers import Diarization
from angel_intelligence.errors import ModelLoadError

WINDOW_S = 1.6  # resemblyzer's partial utterance (160 mel frames)
STEP_S = 0.4
MIN_WINDOW_S = 0.25  # shorter speech carries too little voice to embed at all
CLUSTER_MIN_WINDOW_S = 1.0  # shorter windows are too noisy to cluster: matched afterwards
_HOP = SAMPLE_RATE_HZ // 100  # 10 ms mel hop
_TARGET_DBFS = -30.0  # resemblyzer's training level (hparams.audio_norm_target_dBFS)


@dataclass(frozen=True)
class VoiceWindows:
    """Embedded windows of a recording's speech: row i spans [starts_s[i], ends_s[i])."""

    embeddings: npt.NDArray[np.float32]
    starts_s: npt.NDArray[np.float64]
    ends_s: npt.NDArray[np.float64]
    region_ids: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )  # the index of each window's speech region

    @property
    def lengths_s(self) -> npt.NDArray[np.float64]:
        return self.ends_s - self.starts_s

    @property
    def new_speech_s(self) -> npt.NDArray[np.float32]:
        """The speech each window adds to the ones before it (windows overlap)."""
        previous_ends = np.concatenate([[-np.inf], np.maximum.accumulate(self.ends_s)[:-1]])
        covered = self.ends_s - np.maximum(self.starts_s, previous_ends)
        return np.asarray(np.maximum(covered, 0.0), dtype=np.float32)

    def mean_embedding(self) -> npt.NDArray[np.float32]:
        if len(self.embeddings) == 0:
            raise ValueError("no speech long enough to embed")
        return centroids(self.embeddings, np.zeros(len(self.embeddings), dtype=np.int64))[0]


@dataclass(frozen=True)
class CallWindows:
    """A recording's speech regions (start, end in seconds) and their embedded windows."""

    regions_s: tuple[tuple[float, float], ...]
    windows: VoiceWindows


class ResemblyzerEmbedder:
    """`ports.SpeakerEmbedder`: the voice in a file (or in spans of it) as 256 floats."""

    name = "resemblyzer-ge2e"

    def __init__(self, device: str = "cpu", *, torch_threads: int = 1) -> None:
        self._device = device
        self._torch_threads = torch_threads
        self._encoder: Any = None
        self._lock = threading.Lock()

    def _model(self) -> Any:
        with self._lock:
            if self._encoder is None:
                try:
                    from resemblyzer import VoiceEncoder

                    self._encoder = VoiceEncoder(self._device, verbose=False)
                except Exception as error:
                    raise ModelLoadError(
                        f"cannot load resemblyzer's voice encoder: {type(error).__name__}: {error}"
                    ) from None
            return self._encoder

    def embed(
        self, audio_path: Path, spans: list[tuple[float, float]] | None = None
    ) -> tuple[float, ...]:
        """The mean window embedding of the file's speech (or of the given spans' speech)."""
        samples = load_audio(audio_path)
        regions = speech_regions(samples)
        if spans is not None:
            regions = _clip_regions(regions, spans)
        windows = self.windows(samples, regions)
        try:
            mean = windows.mean_embedding()
        except ValueError:
            raise ValueError(f"{audio_path.name}: no speech long enough to embed") from None
        return tuple(float(x) for x in mean)

    def windows(
        self,
        samples: npt.NDArray[np.float32],
        regions: list[SpeechRegion],
        *,
        min_window_s: float = CLUSTER_MIN_WINDOW_S,
    ) -> VoiceWindows:
        """Embed every window of every speech region at least `min_window_s` long."""
        from resemblyzer.audio import wav_to_mel_spectrogram

        window = int(WINDOW_S * SAMPLE_RATE_HZ)
        step = int(STEP_S * SAMPLE_RATE_HZ)
        mels: list[npt.NDArray[np.float32]] = []
        spans: list[tuple[int, int]] = []
        region_ids: list[int] = []
        for region_id, region in enumerate(regions):
            length = region.end - region.start
            if length < min_window_s * SAMPLE_RATE_HZ:
                continue
            audio = _normalise_volume(samples[region.start : region.end])
            mel = wav_to_mel_spectrogram(audio)
            offsets = list(range(0, max(length - window, 0) + 1, step))
            if length > window and offsets[-1] + window < length:
                offsets.append(length - window)  # the last window ends with the region
            for offset in offsets:
                size = min(window, length)
                mels.append(mel[offset // _HOP : (offset + size) // _HOP])
                spans.append((region.start + offset, region.start + offset + size))
                region_ids.append(region_id)
        embeddings = self._embed_mels(mels)
        starts = np.array([s for s, _ in spans], dtype=np.float64) / SAMPLE_RATE_HZ
        ends = np.array([e for _, e in spans], dtype=np.float64) / SAMPLE_RATE_HZ
        return VoiceWindows(embeddings, starts, ends, np.array(region_ids, dtype=np.int64))

    def _embed_mels(self, mels: list[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
        if not mels:
            return np.zeros((0, 256), dtype=np.float32)
        import torch

        encoder = self._model()
        result = np.zeros((len(mels), 256), dtype=np.float32)
        by_length: dict[int, list[int]] = {}
        for index, mel in enumerate(mels):
            by_length.setdefault(len(mel), []).append(index)
        with torch.inference_mode(), _torch_threads(torch, self._torch_threads):
            for indices in by_length.values():
                for chunk in range(0, len(indices), 256):
                    batch_ids = indices[chunk : chunk + 256]
                    batch = torch.from_numpy(np.stack([mels[i] for i in batch_ids]))
                    result[batch_ids] = encoder(batch.to(encoder.device)).cpu().numpy()
        return result


@contextmanager
def _torch_threads(torch: Any, threads: int) -> Iterator[None]:
    """torch's intra-op threads set to `threads` for the block (0: leave them alone).

    Measured on 2 shared cores: the window LSTM ran 3.6x faster on one thread than on two
    (benchmarks/transcription.py); OpenMP threads spin against other work. The setting is
    process-wide, so it is restored afterwards for other torch users (the LLM).
    """
    if threads <= 0 or torch.get_num_threads() == threads:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class ResemblyzerDiarizer:
    """`ports.Diarizer`: speech activity + d-vector windows + segment clustering (`segmenting`)."""

    def __init__(
        self,
        embedder: ResemblyzerEmbedder | None = None,
        options: SegmentOptions | None = None,
    ) -> None:
        self.embedder = embedder or ResemblyzerEmbedder()
        self.options = options or SegmentOptions()

    def diarize(self, audio_path: Path, *, min_speakers: int = 1) -> Diarization:
        samples = load_audio(audio_path)
        return self.diarize_samples(samples, min_speakers=min_speakers)

    def diarize_samples(
        self, samples: npt.NDArray[np.float32], *, min_speakers: int = 1
    ) -> Diarization:
        return self.diarize_windows(self.embed_speech(samples), min_speakers=min_speakers)

    def embed_speech(self, samples: npt.NDArray[np.float32]) -> CallWindows:
        """The expensive half: speech regions and their embedded windows (a benchmark caches
        them, so clustering and roles can be re-run in seconds)."""
        regions = speech_regions(samples)
        windows = self.embedder.windows(samples, regions, min_window_s=MIN_WINDOW_S)
        return CallWindows(tuple((r.start_s, r.end_s) for r in regions), windows)

    def diarize_windows(self, call: CallWindows, *, min_speakers: int = 1) -> Diarization:
        """The cheap half: speakers from the embedded windows."""
        windows = call.windows
        labels = label_windows(
            WindowSet(
                windows.embeddings,
                windows.starts_s,
                windows.ends_s,
                windows.region_ids,
                windows.new_speech_s,
            ),
            self.options,
            min_speakers=min_speakers,
        )
        spans = [
            LabelledSpan(float(s), float(e), int(label))
            for s, e, label in zip(windows.starts_s, windows.ends_s, labels, strict=True)
        ]
        turns = turns_from_windows(list(call.regions_s), spans)
        core = windows.lengths_s >= CLUSTER_MIN_WINDOW_S
        if not core.any():
            core = np.ones(len(labels), dtype=bool)
        means = centroids(windows.embeddings[core], labels[core]) if len(labels) else {}
        embeddings = {f"S{k}": tuple(float(x) for x in v) for k, v in means.items()}
        present = {t.speaker for t in turns}
        return Diarization(
            turns=tuple(turns),
            embeddings={k: v for k, v in embeddings.items() if k in present},
        )


def _normalise_volume(audio: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    rms = float(np.sqrt(np.mean(np.square(audio))))
    if rms <= 1e-6:
        return audio
    gain = 10 ** (_TARGET_DBFS / 20) / rms
    return (audio * gain).astype(np.float32)


def _clip_regions(
    regions: list[SpeechRegion], spans: list[tuple[float, float]]
) -> list[SpeechRegion]:
    clipped: list[SpeechRegion] = []
    for region in regions:
        for start_s, end_s in spans:
            start = max(region.start, int(start_s * SAMPLE_RATE_HZ))
            end = min(region.end, int(end_s * SAMPLE_RATE_HZ))
            if end > start:
                clipped.append(SpeechRegion(start, end))
    return sorted(clipped, key=lambda r: r.start)
