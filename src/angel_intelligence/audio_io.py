"""Audio as the speech models read it: decoded with PyAV to 16 kHz mono float32, and its speech.

PyAV decodes every format we meet (raw GSM 6.10, WAV, WAV-GSM, MP3) without a CLI
(research/ecosystem.md, "Audio decode"). Speech activity comes from the Silero VAD model that
faster-whisper bundles as ONNX (no torch, no download).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from angel_intelligence.errors import InvalidAudioError

SAMPLE_RATE_HZ = 16000
MIN_DURATION_S = 0.1


@dataclass(frozen=True, slots=True)
class SpeechRegion:
    """A stretch of speech, in samples at SAMPLE_RATE_HZ."""

    start: int
    end: int

    @property
    def start_s(self) -> float:
        return self.start / SAMPLE_RATE_HZ

    @property
    def end_s(self) -> float:
        return self.end / SAMPLE_RATE_HZ


def load_audio(audio_path: Path) -> npt.NDArray[np.float32]:
    """The whole file as 16 kHz mono float32, or InvalidAudioError saying what is wrong."""
    from faster_whisper.audio import decode_audio

    if not audio_path.is_file():
        raise InvalidAudioError(f"{audio_path.name}: no such file")
    if audio_path.stat().st_size == 0:
        raise InvalidAudioError(f"{audio_path.name}: the file is empty")
    _check_not_text(audio_path)
    if audio_path.suffix.lower() == ".gsm":
        _check_raw_gsm(audio_path)
    try:
        samples = decode_audio(str(audio_path), sampling_rate=SAMPLE_RATE_HZ)
    except Exception as error:  # PyAV raises many types (InvalidDataError, ValueError, …)
        raise InvalidAudioError(
            f"{audio_path.name}: cannot be decoded as audio ({type(error).__name__}: {error})"
        ) from None
    if len(samples) < MIN_DURATION_S * SAMPLE_RATE_HZ:
        raise InvalidAudioError(
            f"{audio_path.name}: {len(samples) / SAMPLE_RATE_HZ:.2f} s of audio; "
            f"at least {MIN_DURATION_S} s is needed"
        )
    return np.asarray(samples, dtype=np.float32)


GSM_FRAME_BYTES = 33
_GSM_MAGIC = 0xD0  # every GSM 6.10 frame starts with the signature nibble 0xD
_TEXT_STARTS = (b"<", b"{", b"[", b"\xef\xbb\xbf<")


def _check_not_text(audio_path: Path) -> None:
    with audio_path.open("rb") as handle:
        head = handle.read(512).lstrip()
    if head.startswith(_TEXT_STARTS) or head[:15].lower().startswith(b"<!doctype"):
        raise InvalidAudioError(
            f"{audio_path.name}: the file is text (an HTML or JSON page?), not audio"
        )


def _check_raw_gsm(audio_path: Path) -> None:
    """Raw GSM has no header, so any bytes "decode": check the frame signatures instead."""
    data = audio_path.read_bytes()
    frames = data[: len(data) // GSM_FRAME_BYTES * GSM_FRAME_BYTES : GSM_FRAME_BYTES]
    if not frames:
        raise InvalidAudioError(f"{audio_path.name}: shorter than one GSM frame")
    valid = sum(1 for byte in frames if byte & 0xF0 == _GSM_MAGIC)
    if valid < 0.95 * len(frames):
        raise InvalidAudioError(
            f"{audio_path.name}: not raw GSM 6.10 ({valid} of {len(frames)} frames carry the "
            "GSM signature)"
        )


def speech_regions(
    samples: npt.NDArray[np.float32],
    *,
    min_silence_ms: int = 300,
    speech_pad_ms: int = 60,
    min_speech_ms: int = 150,
) -> list[SpeechRegion]:
    """Where there is speech (Silero VAD); pauses shorter than `min_silence_ms` are bridged."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        min_silence_duration_ms=min_silence_ms,
        speech_pad_ms=speech_pad_ms,
        min_speech_duration_ms=min_speech_ms,
    )
    found = get_speech_timestamps(samples, options, sampling_rate=SAMPLE_RATE_HZ)
    return [
        SpeechRegion(int(r["start"]), min(int(r["end"]), len(samples)))
        for r in found
        if int(r["end"]) > int(r["start"])
    ]
