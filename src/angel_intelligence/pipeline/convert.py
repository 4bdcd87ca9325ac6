"""Convert a downloaded recording to the WAV the rest of the pipeline reads, with SoX.

The command is exactly the spec's (``sox input.gsm -r 8000 -b 32 -c 1 output.wav``), run with a
timeout. SoX's exit status is not enough: it exits 0 on an empty file, on an HTML page named
``.gsm`` and on a file with a corrupt frame, writing 0 seconds or a shortened call
(research/test_speech.md). So the input is checked before SoX runs and the output after:

* empty, an HTML/text page, not GSM 6.10, a corrupt frame → `InvalidAudioError` (permanent);
* ends part-way through a GSM frame, or SoX reports a premature end → `TruncatedAudioError`
  (code ``INVALID_AUDIO`` but retried: the file may still have been being written);
* SoX missing, failing, timing out, or writing something other than 8 kHz 32-bit mono with the
  expected number of samples → `ConversionFailedError` (retried).

The returned `AudioFile` describes the WAV (path, duration, rate, channels) and the recording as
downloaded: ``file_size_bytes`` is the size of the downloaded file and ``file_format`` its format
(``gsm``). The ``ai_call_recordings`` columns of those names get the WAV's size and ``wav``
(docs/decisions.md, decision 11).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

from angel_intelligence.domain.audio import AudioFile
from angel_intelligence.errors import (
    ConversionFailedError,
    InvalidAudioError,
    TruncatedAudioError,
)
from angel_intelligence.logging import get_logger

log = get_logger(__name__)

SAMPLE_RATE_HZ = 8000
SAMPLE_BITS = 32
CHANNELS = 1
SOX_OUTPUT_ARGS = ("-r", str(SAMPLE_RATE_HZ), "-b", str(SAMPLE_BITS), "-c", str(CHANNELS))
"""The spec's conversion: 8 kHz, 32-bit, mono."""

GSM_FRAME_BYTES = 33
GSM_FRAME_SAMPLES = 160  # 20 ms at 8 kHz
GSM_MAGIC = 0xD  # high nibble of the first byte of every GSM 6.10 frame
_SNIFF_BYTES = 512
_HTML_MARKERS = (b"<!doctype", b"<html", b"<head", b"<body", b"<?xml", b"<title")


def convert_recording(
    src: Path, out_dir: Path, *, timeout_s: float, sox_command: str = "sox"
) -> AudioFile:
    """Convert `src` to ``out_dir/<name>.wav`` (8 kHz, 32-bit, mono) and describe the result."""
    size = _check_source(src)
    is_gsm = src.suffix.lower() == ".gsm"
    expected_frames = (size // GSM_FRAME_BYTES) * GSM_FRAME_SAMPLES if is_gsm else None
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{src.stem}.wav"
    if out.resolve() == src.resolve():
        out = out_dir / f"{src.stem}.8k.wav"
    started = time.monotonic()
    try:
        stderr = _run_sox(sox_command, src, out, timeout_s)
        frames = _check_output(out, src, stderr, expected_frames)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    audio = AudioFile(
        path=out,
        duration_s=frames / SAMPLE_RATE_HZ,
        sample_rate_hz=SAMPLE_RATE_HZ,
        channels=CHANNELS,
        file_size_bytes=size,
        file_format=src.suffix.lower().lstrip(".") or "unknown",
    )
    log.info(
        "recording_converted",
        input_bytes=size,
        duration_s=round(audio.duration_s, 2),
        seconds=round(time.monotonic() - started, 3),
    )
    return audio


# --- before SoX ---------------------------------------------------------------------------


def _check_source(src: Path) -> int:
    try:
        size = src.stat().st_size
    except FileNotFoundError:
        raise ConversionFailedError(f"the recording {src.name} does not exist") from None
    if size == 0:
        raise InvalidAudioError("the recording is empty (0 bytes)")
    with src.open("rb") as file:
        head = file.read(_SNIFF_BYTES)
    sniffed = head.lstrip().lower()
    if sniffed.startswith(_HTML_MARKERS):
        raise InvalidAudioError(
            f"the recording is an HTML page ({size} bytes), not audio: the server answered "
            "with an error page"
        )
    if src.suffix.lower() == ".gsm":
        _check_gsm_frames(src, size, head)
    return size


def _check_gsm_frames(src: Path, size: int, head: bytes) -> None:
    whole = size // GSM_FRAME_BYTES
    if whole == 0 or head[0] >> 4 != GSM_MAGIC:
        kind = "text" if _looks_like_text(head) else "data"
        raise InvalidAudioError(
            f"the recording is not GSM 6.10 audio: its {size} bytes are {kind} that does not "
            "start with a GSM frame"
        )
    bad = _bad_gsm_frames(src, whole)
    if bad.size:
        first = int(bad[0])
        raise InvalidAudioError(
            f"the recording has {bad.size} corrupt GSM frame(s) of {whole}; the first at "
            f"{first * GSM_FRAME_SAMPLES / SAMPLE_RATE_HZ:.2f} s (frame {first})"
        )
    remainder = size % GSM_FRAME_BYTES
    if remainder:
        raise TruncatedAudioError(
            f"the recording is truncated: it ends {remainder} bytes into a GSM frame, after "
            f"{whole} whole frames ({whole * GSM_FRAME_SAMPLES / SAMPLE_RATE_HZ:.2f} s); it may "
            "still have been being written, or the download was cut short"
        )


def _bad_gsm_frames(src: Path, whole_frames: int) -> np.ndarray:
    """Indexes of frames whose first byte lacks the GSM 6.10 magic nibble (read in blocks)."""
    block_frames = 32768  # ~1 MiB per read
    bad: list[np.ndarray] = []
    with src.open("rb") as file:
        for first in range(0, whole_frames, block_frames):
            count = min(block_frames, whole_frames - first)
            data = np.frombuffer(file.read(count * GSM_FRAME_BYTES), dtype=np.uint8)
            heads = data.reshape(count, GSM_FRAME_BYTES)[:, 0]
            bad.append(np.flatnonzero((heads >> 4) != GSM_MAGIC) + first)
    return np.concatenate(bad) if bad else np.empty(0, dtype=np.int64)


def _looks_like_text(head: bytes) -> bool:
    printable = sum(32 <= byte < 127 or byte in b"\t\r\n" for byte in head)
    return printable >= 0.95 * len(head)


# --- SoX ----------------------------------------------------------------------------------


def _run_sox(sox_command: str, src: Path, out: Path, timeout_s: float) -> str:
    executable = shutil.which(sox_command)
    if executable is None:
        raise ConversionFailedError(
            f"SoX is not installed (no `{sox_command}` command); install the sox and "
            "libsox-fmt-all packages"
        )
    # Absolute paths, so a name can never be read as an option.
    command = [executable, str(src.absolute()), *SOX_OUTPUT_ARGS, str(out.absolute())]
    try:
        result = subprocess.run(
            command, capture_output=True, timeout=timeout_s, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise ConversionFailedError(
            f"SoX did not finish within {timeout_s:g} s (SOX_TIMEOUT_SECONDS)"
        ) from None
    stderr = result.stderr.decode("utf-8", "replace").strip()
    if result.returncode != 0:
        raise ConversionFailedError(f"SoX exited with status {result.returncode}: {_tail(stderr)}")
    return stderr


def _tail(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else "…" + text[-limit:]


# --- after SoX ----------------------------------------------------------------------------


def _check_output(out: Path, src: Path, stderr: str, expected_frames: int | None) -> int:
    import soundfile

    if "premature eof" in stderr.lower():
        raise TruncatedAudioError(f"the recording is truncated: SoX said {_tail(stderr)}")
    if stderr:
        log.warning("sox_warning", message=_tail(stderr))
    try:
        info = soundfile.info(str(out))
    except RuntimeError as error:  # soundfile.LibsndfileError
        raise ConversionFailedError(f"SoX wrote no readable WAV: {error}") from None
    if (info.samplerate, info.channels, info.subtype) != (SAMPLE_RATE_HZ, CHANNELS, "PCM_32"):
        raise ConversionFailedError(
            f"SoX wrote {info.samplerate} Hz, {info.channels} channel(s), {info.subtype}; "
            "expected 8000 Hz, 1 channel, PCM_32"
        )
    frames = int(info.frames)
    if frames == 0:
        raise InvalidAudioError(f"SoX read no audio from the recording ({src.name})")
    if expected_frames is not None and frames != expected_frames:
        raise ConversionFailedError(
            f"SoX wrote {frames / SAMPLE_RATE_HZ:.2f} s of audio but the recording holds "
            f"{expected_frames / SAMPLE_RATE_HZ:.2f} s"
        )
    return frames
