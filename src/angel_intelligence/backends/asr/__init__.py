"""Speech recognition backends: faster-whisper, and the mock of USE_MOCK_MODELS."""

from __future__ import annotations

from angel_intelligence.ports import Transcriber
from angel_intelligence.settings import Settings


def build_transcriber(settings: Settings) -> Transcriber:
    """The configured transcriber; Whisper loads here, once (raises ModelLoadError)."""
    if settings.use_mock_models:
        from angel_intelligence.backends.asr.mock import MockTranscriber

        return MockTranscriber()
    from angel_intelligence.backends.asr.faster_whisper import FasterWhisperTranscriber

    return FasterWhisperTranscriber.from_settings(settings)
