"""Loops and re-decoding with the real Whisper tiny.en, on a synthesised call dense in digits.

tiny.en loops on digits read out over a noisy line (docs/transcription.md, "Loops and
re-decoding"). Two checks that can fail:

- on the same audio, our pipeline's WER is no worse than plain faster-whisper's (beam 5, word
  timestamps, no VAD, the library's defaults) by more than a small tolerance;
- a window whose first, batched decode looped is decoded again (sequentially, with Whisper's
  temperature fallback), and the loop is gone from the result.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from angel_intelligence.audio_io import load_audio
from angel_intelligence.backends.asr.decoding import WindowedDecoder
from angel_intelligence.backends.asr.faster_whisper import FasterWhisperTranscriber
from angel_intelligence.backends.asr.loops import find_loop
from angel_intelligence.testing.call_scripts import ORGANISATION
from angel_intelligence.testing.scoring import word_errors
from angel_intelligence.testing.speech import Line, SyntheticCall, synthesise_call

pytestmark = [pytest.mark.models, pytest.mark.slow]

# Measured on this call: plain 0.27-0.30, the pipeline 0.25-0.27 (AVX2 and AVX512 kernels).
WER_TOLERANCE = 0.05


def digits_call() -> list[Line]:
    """A supporter reads a card number, an account number and a phone number, in groups."""
    return [
        Line("agent_a", f"Good afternoon, thank you for calling the {ORGANISATION}. "
                        "My name is Sam. How can I help?"),
        Line("supporter_b", "Hello, I would like to make a donation please.", 0.6),
        Line("agent_a", "Of course. Could I take the long number on the front of the card?", 0.5),
        Line("supporter_b", "Yes, it is four five three nine, one four eight eight, eight eight "
                            "eight three, six four six seven.", 0.7),
        Line("agent_a", "Thank you. And your account number please?", 0.5),
        Line("supporter_b", "Seven seven seven one, two two oh eight.", 0.6),
        Line("agent_a", "And a phone number we can reach you on?", 0.5),
        Line("supporter_b", "Oh seven nine one one, double four, five six, nine nine nine.", 0.6),
        Line("agent_a", "Thank you so much for your support. Goodbye.", 0.6),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def call(speech_dir: Path) -> SyntheticCall:
    return synthesise_call(digits_call(), speech_dir, name="digits", noise_snr_db=15, seed=7)


def test_the_pipeline_is_not_worse_than_plain_faster_whisper(
    call: SyntheticCall, transcriber: FasterWhisperTranscriber
) -> None:
    samples = load_audio(call.gsm_path)
    found, _info = transcriber._model.transcribe(
        samples, beam_size=5, word_timestamps=True, vad_filter=False, language="en"
    )
    plain = word_errors(call.script_text, " ".join(s.text for s in found))
    transcript = transcriber.transcribe(call.gsm_path)
    ours = word_errors(call.script_text, " ".join(s.text for s in transcript.segments))
    assert ours.rate <= plain.rate + WER_TOLERANCE, (ours, plain)
    assert find_loop([w.text for w in transcript.words]) is None


class LoopingFirstPass:
    """The batched pipeline's interface, answering every window with a loop of eights."""

    def transcribe(self, samples: Any, *, clip_timestamps: list[dict[str, float]], **_: Any) -> Any:
        return [_looping_segment(clip["start"], clip["end"]) for clip in clip_timestamps], None


def _looping_segment(start_s: float, end_s: float) -> SimpleNamespace:
    words = [
        SimpleNamespace(
            word=" 8,", probability=0.3, start=start_s + 0.2 * k, end=start_s + 0.2 * k + 0.2
        )
        for k in range(40)
    ]
    return SimpleNamespace(
        seek=int(start_s * 100), text=" 8," * 40, start=start_s, end=end_s, words=words,
        avg_logprob=-0.2, no_speech_prob=0.01,
    )  # fmt: skip


def test_a_looping_window_is_decoded_again_without_the_loop(
    call: SyntheticCall, transcriber: FasterWhisperTranscriber
) -> None:
    decoder = WindowedDecoder(transcriber._model, LoopingFirstPass(), transcriber.options, "en")
    segments, report = decoder.decode(load_audio(call.gsm_path))
    assert report.redecoded["loop"] == report.windows >= 1
    assert report.redecode_kept == report.windows
    words = [w.text for s in segments for w in s.words]
    assert find_loop(words) is None
    text = " ".join(s.text for s in segments)
    assert word_errors(call.script_text, text).rate <= 0.6  # real words, not the fake loop
