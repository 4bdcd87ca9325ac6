"""The spec's USE_MOCK_MODELS mode: a deterministic, realistic transcript instead of Whisper.

For API and load tests without models. The audio is still decoded for real (so a bad file still
fails as it would), and the fixed call below is stretched or squeezed to the audio's duration,
so word times stay inside the audio. `diarization.mock.MockDiarizer` gives the matching
speaker turns. Stage
tests never use these; they run the real models.
"""

from __future__ import annotations

import time
from pathlib import Path

from angel_intelligence.audio_io import SAMPLE_RATE_HZ, load_audio
from angel_intelligence.backends.asr.words import spoken_units
from angel_intelligence.domain.transcript import Segment, Transcript, Word

MOCK_MODEL_NAME = "mock-whisper"

# (speaker, text): agent S0, supporter S1. A typical inbound donation call.
MOCK_CALL: tuple[tuple[str, str], ...] = (
    ("S0", "Good morning, thank you for calling. My name is Alex, how can I help you today?"),
    ("S1", "Hello, I would like to set up a monthly donation please."),
    ("S0", "That is wonderful, thank you. Could I take your full name and postcode please?"),
    ("S1", "Yes, it is Sam Taylor, and the postcode is SW1A 1AA."),
    ("S0", "Thank you Sam. How much would you like to give each month?"),
    ("S1", "Ten pounds a month, please."),
    ("S0", "Lovely. I have set that up for you. Is there anything else I can help with?"),
    ("S1", "No, that is everything, thank you. Goodbye."),
)
_GAP_UNITS = 2.0  # the pause between turns, in the same units as words


def layout(duration_s: float) -> list[tuple[str, list[tuple[str, float, float]]]]:
    """Each turn's words with times, spread over the whole call."""
    turns = [(speaker, text.split()) for speaker, text in MOCK_CALL]
    total = sum(spoken_units(w) for _, words in turns for w in words) + _GAP_UNITS * len(turns)
    unit_s = duration_s / total
    cursor = _GAP_UNITS * unit_s / 2
    laid_out = []
    for speaker, words in turns:
        timed = []
        for word in words:
            length = spoken_units(word) * unit_s
            timed.append((word, cursor, cursor + length * 0.9))
            cursor += length
        laid_out.append((speaker, timed))
        cursor += _GAP_UNITS * unit_s
    return laid_out


class MockTranscriber:
    """`ports.Transcriber` for USE_MOCK_MODELS: the fixed call, scaled to the audio."""

    model_name = MOCK_MODEL_NAME

    def transcribe(self, audio_path: Path) -> Transcript:
        started = time.perf_counter()
        duration_s = len(load_audio(audio_path)) / SAMPLE_RATE_HZ
        segments = []
        for _, timed in layout(duration_s):
            words = tuple(Word(text, start, end, 0.9) for text, start, end in timed)
            segments.append(
                Segment(
                    text=" ".join(w.text for w in words),
                    start_s=words[0].start_s,
                    end_s=words[-1].end_s,
                    words=words,
                    confidence=0.9,
                )
            )
        return Transcript(
            segments=tuple(segments),
            language="en",
            confidence=0.9,
            model=MOCK_MODEL_NAME,
            duration_s=duration_s,
            processing_time_s=time.perf_counter() - started,
            metadata={"mock": True},
        )
