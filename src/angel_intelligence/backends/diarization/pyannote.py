"""Optional diarization with a local pyannote.audio pipeline (DIARIZATION_BACKEND=pyannote).

pyannote.audio is not a dependency of Angel (it pulls its own torch stack, and its pretrained
pipelines come from a model hub that production cannot reach), so this backend is for sites that
install it and copy a pipeline directory (with its `config.yaml` and the checkpoints it names) to
PYANNOTE_PIPELINE_PATH. Without either, building it raises MODEL_LOAD_ERROR saying which is
missing. Speaker embeddings still come from resemblyzer over each speaker's turns, so voice
fingerprints stay comparable whichever diarizer found the turns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from angel_intelligence.audio_io import SAMPLE_RATE_HZ, SpeechRegion, load_audio
from angel_intelligence.backends.diarization.clustering import centroids
from angel_intelligence.backends.diarization.resemblyzer import ResemblyzerEmbedder
from angel_intelligence.domain.speakers import Diarization, SpeakerTurn
from angel_intelligence.errors import ModelLoadError


class PyannoteDiarizer:
    """`ports.Diarizer` on a local pyannote pipeline; embeddings from `ResemblyzerEmbedder`."""

    def __init__(
        self,
        pipeline_path: Path | None,
        *,
        embedder: ResemblyzerEmbedder | None = None,
        max_speakers: int = 4,
    ) -> None:
        if pipeline_path is None:
            raise ModelLoadError(
                "DIARIZATION_BACKEND=pyannote needs PYANNOTE_PIPELINE_PATH (a local pyannote "
                "pipeline directory with config.yaml); see docs/speakers.md"
            )
        config = pipeline_path / "config.yaml" if pipeline_path.is_dir() else pipeline_path
        if not config.is_file():
            raise ModelLoadError(f"PYANNOTE_PIPELINE_PATH={pipeline_path}: no config.yaml there")
        try:
            from pyannote.audio import Pipeline
        except ImportError:
            raise ModelLoadError(
                "DIARIZATION_BACKEND=pyannote but pyannote.audio is not installed; install it "
                "(pip install pyannote.audio) or use DIARIZATION_BACKEND=resemblyzer"
            ) from None
        try:
            self._pipeline: Any = Pipeline.from_pretrained(config)
        except Exception as error:
            raise ModelLoadError(
                f"cannot load the pyannote pipeline at {pipeline_path}: {error}"
            ) from None
        self.embedder = embedder or ResemblyzerEmbedder()
        self.max_speakers = max_speakers

    def diarize(self, audio_path: Path, *, min_speakers: int = 1) -> Diarization:
        import torch

        samples = load_audio(audio_path)
        waveform = torch.from_numpy(samples)[None, :]
        annotation = self._pipeline(
            {"waveform": waveform, "sample_rate": SAMPLE_RATE_HZ},
            min_speakers=min(min_speakers, self.max_speakers),
            max_speakers=self.max_speakers,
        )
        names: dict[str, str] = {}
        turns: list[SpeakerTurn] = []
        for segment, _, label in annotation.itertracks(yield_label=True):
            speaker = names.setdefault(str(label), f"S{len(names)}")
            turns.append(SpeakerTurn(float(segment.start), float(segment.end), speaker))
        embeddings: dict[str, tuple[float, ...]] = {}
        for speaker in names.values():
            regions = [
                SpeechRegion(int(t.start_s * SAMPLE_RATE_HZ), int(t.end_s * SAMPLE_RATE_HZ))
                for t in turns
                if t.speaker == speaker
            ]
            windows = self.embedder.windows(samples, regions)
            if len(windows.embeddings):
                mean = centroids(
                    windows.embeddings, np.zeros(len(windows.embeddings), dtype=np.int64)
                )[0]
                embeddings[speaker] = tuple(float(x) for x in mean)
        return Diarization(
            turns=tuple(sorted(turns, key=lambda t: t.start_s)), embeddings=embeddings
        )
