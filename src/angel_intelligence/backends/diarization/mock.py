"""USE_MOCK_MODELS: the speaker turns of the mock transcript (backends/asr/mock.py)."""

from __future__ import annotations

from pathlib import Path

from angel_intelligence.audio_io import SAMPLE_RATE_HZ, load_audio
from angel_intelligence.backends.asr.mock import layout
from angel_intelligence.domain.speakers import Diarization, SpeakerTurn

_DIMENSION = 256


class MockDiarizer:
    """`ports.Diarizer` for USE_MOCK_MODELS: the mock call's two speakers, fixed embeddings."""

    def diarize(self, audio_path: Path, *, min_speakers: int = 1) -> Diarization:
        duration_s = len(load_audio(audio_path)) / SAMPLE_RATE_HZ
        turns = tuple(
            SpeakerTurn(timed[0][1], timed[-1][2], speaker) for speaker, timed in layout(duration_s)
        )
        # Two orthogonal unit vectors: no real fingerprint can match either by accident.
        agent = tuple(1.0 if i == 0 else 0.0 for i in range(_DIMENSION))
        supporter = tuple(1.0 if i == 1 else 0.0 for i in range(_DIMENSION))
        return Diarization(turns=turns, embeddings={"S0": agent, "S1": supporter})
