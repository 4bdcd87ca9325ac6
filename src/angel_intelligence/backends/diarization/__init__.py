"""Who spoke when: diarizers and speaker embedders, chosen by DIARIZATION_BACKEND.

`build_diarizer(settings)` and `build_embedder(settings)` are what the composition root calls;
the heavy libraries load inside the backends, on first use.
"""

from __future__ import annotations

from angel_intelligence.ports import Diarizer, SpeakerEmbedder
from angel_intelligence.settings import Settings


def build_embedder(settings: Settings) -> SpeakerEmbedder:
    """The voice embedder behind fingerprints (resemblyzer, whatever the diarizer)."""
    from angel_intelligence.backends.diarization.resemblyzer import ResemblyzerEmbedder

    return ResemblyzerEmbedder(torch_threads=settings.diarization_torch_threads)


def build_diarizer(settings: Settings, embedder: SpeakerEmbedder | None = None) -> Diarizer:
    """The configured diarizer (mock under USE_MOCK_MODELS)."""
    from angel_intelligence.backends.diarization.clustering import ClusteringOptions
    from angel_intelligence.backends.diarization.resemblyzer import (
        ResemblyzerDiarizer,
        ResemblyzerEmbedder,
    )

    if settings.use_mock_models:
        from angel_intelligence.backends.diarization.mock import MockDiarizer

        return MockDiarizer()
    voice = (
        embedder
        if isinstance(embedder, ResemblyzerEmbedder)
        else ResemblyzerEmbedder(torch_threads=settings.diarization_torch_threads)
    )
    if settings.diarization_backend == "pyannote":
        from angel_intelligence.backends.diarization.pyannote import PyannoteDiarizer

        return PyannoteDiarizer(
            settings.pyannote_pipeline_path,
            embedder=voice,
            max_speakers=settings.diarization_max_speakers,
        )
    options = ClusteringOptions(max_speakers=settings.diarization_max_speakers)
    return ResemblyzerDiarizer(voice, options)
