"""Loops and re-decoding with the real Whisper tiny.en, on a synthesised call dense in digits.

tiny.en loops on digits read out over a noisy line (docs/transcription.md, "Loops and
re-decoding"). Three checks that can fail:

- on the same calls (four: digits, the demo's card and phone numbers at 15 dB SNR, and the two
  25 dB calls of conftest), our pipeline's WER is no worse than plain faster-whisper's (beam 5,
  word timestamps, no VAD, the library's defaults) by more than a small tolerance, and no
  transcript keeps a loop;
- a window whose first, batched decode looped is decoded again (sequentially, with Whisper's
  temperature fallback), and the loop is gone from the result;
- with the cheaper re-decode settings (no fallback, a no-repeat n-gram limit), the pieces of
  every bad window go through the real batched pipeline in one call and replace the loops.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from angel_intelligence.audio_io import load_audio
from angel_intelligence.backends.asr.decoding import WindowedDecoder
from angel_intelligence.backends.asr.faster_whisper import FasterWhisperTranscriber
from angel_intelligence.backends.asr.loops import find_loop
from angel_intelligence.testing import call_scripts
from angel_intelligence.testing.call_scripts import ORGANISATION
from angel_intelligence.testing.scoring import WordErrors, word_errors
from angel_intelligence.testing.speech import Line, SyntheticCall, synthesise_call

pytestmark = [pytest.mark.models, pytest.mark.slow]

# WER summed over the four calls, plain / pipeline (docs/transcription.md): AVX2 0.291 / 0.296,
# AVX512 0.289 / 0.289. Alone, the digits call is worse with the pipeline (plain 0.18-0.23,
# ours 0.34-0.35): see "Left to do" there.
WER_TOLERANCE = 0.03


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


@pytest.fixture(scope="module")
def calls(
    call: SyntheticCall,
    two_party_call: SyntheticCall,
    transfer_call: SyntheticCall,
    speech_dir: Path,
) -> list[SyntheticCall]:
    """The digits call, the demo's call at 15 dB SNR, and the two 25 dB calls of conftest."""
    demo = synthesise_call(
        call_scripts.demo_call(), speech_dir, name="demo15", noise_snr_db=15, seed=5
    )
    return [call, demo, two_party_call, transfer_call]


def test_the_pipeline_is_not_worse_than_plain_faster_whisper(
    calls: list[SyntheticCall], transcriber: FasterWhisperTranscriber
) -> None:
    plain = ours = WordErrors(0, 0, 0, 0)
    for said in calls:
        found, _info = transcriber._model.transcribe(
            load_audio(said.gsm_path),
            beam_size=5, word_timestamps=True, vad_filter=False, language="en",
        )  # fmt: skip
        plain += word_errors(said.script_text, " ".join(s.text for s in found))
        transcript = transcriber.transcribe(said.gsm_path)
        ours += word_errors(said.script_text, " ".join(s.text for s in transcript.segments))
        assert find_loop([w.text for w in transcript.words]) is None, said.gsm_path.name
    assert ours.rate <= plain.rate + WER_TOLERANCE, (ours, plain)


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
    # where Whisper looped is reported, for audio redaction to treat as lost (times only)
    spans = report.as_metadata()["uncertain_spans"]
    assert isinstance(spans, list) and len(spans) >= report.windows
    assert all(start < end for start, end in spans)
    words = [w.text for s in segments for w in s.words]
    assert find_loop(words) is None
    text = " ".join(s.text for s in segments)
    assert word_errors(call.script_text, text).rate <= 0.6  # real words, not the fake loop


class LoopingFirstPassOnly:
    """The first pass loops in every window (as `LoopingFirstPass`); every later call (the
    re-decode) goes to the real batched pipeline, and is counted."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: list[int] = []

    def transcribe(
        self, samples: Any, *, clip_timestamps: list[dict[str, float]], **kw: Any
    ) -> Any:
        self.calls.append(len(clip_timestamps))
        if len(self.calls) == 1:
            return LoopingFirstPass().transcribe(samples, clip_timestamps=clip_timestamps)
        return self.real.transcribe(samples, clip_timestamps=clip_timestamps, **kw)


def test_the_pieces_of_every_bad_window_are_decoded_again_in_one_batch(
    call: SyntheticCall, transcriber: FasterWhisperTranscriber
) -> None:
    # without the temperature fallback, only the batched re-decode (real tiny.en) replaces
    # the loop; the cheaper settings of docs/transcription.md's trade-off table
    options = dataclasses.replace(
        transcriber.options,
        redecode_fallback=False,
        redecode_no_repeat_ngram=6,
        redecode_piece_s=20.0,
    )
    batched = LoopingFirstPassOnly(transcriber._batched)
    decoder = WindowedDecoder(transcriber._model, batched, options, "en")
    segments, report = decoder.decode(load_audio(call.gsm_path))
    assert report.windows >= 2
    assert report.redecoded["loop"] == report.redecode_kept == report.windows
    # one batched call for the first pass, one for the pieces of every bad window together
    assert len(batched.calls) == 2 and batched.calls[1] >= report.windows
    words = [w.text for s in segments for w in s.words]
    assert find_loop(words) is None
    text = " ".join(s.text for s in segments)
    assert word_errors(call.script_text, text).rate <= 0.6
