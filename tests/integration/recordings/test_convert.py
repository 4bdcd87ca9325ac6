"""GSM → WAV with the real SoX, and what happens when the "recording" is not one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from angel_intelligence.errors import (
    AngelError,
    ConversionFailedError,
    InvalidAudioError,
    TruncatedAudioError,
)
from angel_intelligence.pipeline.convert import convert_recording
from angel_intelligence.testing.gsm import speech_gsm, tone_gsm
from angel_intelligence.testing.pbx_stub import HTML_ERROR_PAGE

WriteGsm = Callable[..., Path]


def test_gsm_becomes_8_khz_32_bit_mono_wav_of_the_same_length(tmp_path: Path) -> None:
    gsm = tone_gsm(tmp_path / "1737123456.12345.gsm", 1.5, frequency_hz=440)

    audio = convert_recording(gsm, tmp_path / "out", timeout_s=30)

    assert audio.path == tmp_path / "out" / "1737123456.12345.wav"
    info = soundfile.info(str(audio.path))
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_32")
    assert info.frames == 12_000
    assert (audio.sample_rate_hz, audio.channels, audio.duration_s) == (8000, 1, 1.5)
    # The columns describe the recording as downloaded (docs/recordings.md).
    assert (audio.file_size_bytes, audio.file_format) == (gsm.stat().st_size, "gsm")
    assert audio.file_size_bytes == 75 * 33  # 75 frames of 20 ms

    samples, rate = soundfile.read(str(audio.path), dtype="float64")
    spectrum = np.abs(np.fft.rfft(samples))
    peak_hz = np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))]
    assert abs(peak_hz - 440) < 5  # it is still the tone, not noise or silence


def test_speech_keeps_its_duration(tmp_path: Path) -> None:
    gsm = speech_gsm(tmp_path / "speech.gsm", "Thank you for calling, how can I help you today?")
    frames = gsm.stat().st_size // 33

    audio = convert_recording(gsm, tmp_path, timeout_s=30)

    assert audio.duration_s == pytest.approx(frames * 0.02)
    assert audio.duration_s > 1.0
    samples, _ = soundfile.read(str(audio.path), dtype="float64")
    assert np.sqrt(np.mean(samples**2)) > 0.01  # there is sound in it


def _random_bytes(size: int) -> bytes:
    return np.random.default_rng(4).integers(0, 256, size, dtype=np.uint8).tobytes()


def _corrupt_frame(data: bytes, frame: int) -> bytes:
    corrupted = bytearray(data)
    corrupted[frame * 33] = 0x00  # no 0xD magic nibble
    return bytes(corrupted)


@pytest.mark.parametrize(
    ("case", "make", "error", "permanent", "words"),
    [
        ("empty", lambda gsm: b"", InvalidAudioError, True, "empty (0 bytes)"),
        ("html page", lambda gsm: HTML_ERROR_PAGE, InvalidAudioError, True, "HTML page"),
        (
            "short html page",
            lambda gsm: b"<html>404</html>",
            InvalidAudioError,
            True,
            "HTML page",
        ),
        ("plain text", lambda gsm: b"File not found.\n" * 10, InvalidAudioError, True, "text"),
        ("random bytes", lambda gsm: _random_bytes(3300), InvalidAudioError, True, "not GSM"),
        (
            "less than a frame",
            lambda gsm: gsm[:20],
            InvalidAudioError,
            True,
            "does not start with a GSM frame",
        ),
        (
            "corrupt frame",
            lambda gsm: _corrupt_frame(gsm, 50),
            InvalidAudioError,
            True,
            "first at 1.00 s (frame 50)",
        ),
        (
            "truncated mid-frame",
            lambda gsm: gsm[:3000],
            TruncatedAudioError,
            False,
            "ends 30 bytes into a GSM frame",
        ),
    ],
)
def test_when_the_recording_is_not_whole_gsm_audio_then_a_clear_error(
    write_gsm: WriteGsm,
    gsm_bytes: bytes,
    tmp_path: Path,
    case: str,
    make: Callable[[bytes], bytes],
    error: type[AngelError],
    permanent: bool,
    words: str,
) -> None:
    source = write_gsm("1.2.gsm", make(gsm_bytes))
    out = tmp_path / "out"

    with pytest.raises(error) as caught:
        convert_recording(source, out, timeout_s=30)

    assert caught.value.code == "INVALID_AUDIO"
    assert caught.value.permanent is permanent
    assert words in str(caught.value)
    assert not out.exists() or not any(out.iterdir())


def test_sox_itself_would_have_accepted_these_inputs(
    write_gsm: WriteGsm, gsm_bytes: bytes, tmp_path: Path
) -> None:
    """Why the checks exist: SoX exits 0 and writes short or empty audio (test_speech.md)."""
    import subprocess

    for name, data in [
        ("empty.gsm", b""),
        ("page.gsm", HTML_ERROR_PAGE),
        ("corrupt.gsm", _corrupt_frame(gsm_bytes, 50)),
    ]:
        source = write_gsm(name, data)
        wav = tmp_path / f"{name}.wav"
        result = subprocess.run(
            ["sox", str(source), "-r", "8000", "-b", "32", "-c", "1", str(wav)], check=False
        )
        assert result.returncode == 0
        assert soundfile.info(str(wav)).frames < 100 * 160


def test_a_truncated_wav_is_reported_as_truncated(tmp_path: Path) -> None:
    wav = tmp_path / "call.wav"
    soundfile.write(str(wav), np.zeros(16_000, dtype=np.int16), 8000, subtype="PCM_16")
    cut = tmp_path / "cut" / "call.wav"
    cut.parent.mkdir()
    cut.write_bytes(wav.read_bytes()[:20_000])

    with pytest.raises(TruncatedAudioError, match="Premature EOF"):
        convert_recording(cut, tmp_path / "out", timeout_s=30)


def test_a_wav_input_is_converted_too(tmp_path: Path) -> None:
    wav = tmp_path / "call.wav"
    soundfile.write(str(wav), np.zeros((16_000, 2), dtype=np.int16), 16_000, subtype="PCM_16")

    audio = convert_recording(wav, tmp_path, timeout_s=30)

    assert audio.path == tmp_path / "call.8k.wav"  # never overwrites its input
    assert (audio.duration_s, audio.sample_rate_hz, audio.channels) == (1.0, 8000, 1)
    assert audio.file_format == "wav"


def test_when_sox_runs_past_its_timeout_then_conversion_failed(tmp_path: Path) -> None:
    long_call = tone_gsm(tmp_path / "long.gsm", 60.0)  # SoX alone takes longer than 1 ms

    with pytest.raises(ConversionFailedError, match=r"did not finish within 0\.001 s") as caught:
        convert_recording(long_call, tmp_path / "out", timeout_s=0.001)

    assert not caught.value.permanent
    assert not (tmp_path / "out" / "long.wav").exists()


def test_when_sox_is_missing_then_conversion_failed_says_how_to_install_it(
    write_gsm: WriteGsm, tmp_path: Path
) -> None:
    with pytest.raises(ConversionFailedError, match="SoX is not installed"):
        convert_recording(write_gsm("1.2.gsm"), tmp_path, timeout_s=30, sox_command="no-such-sox")


def test_when_the_file_is_missing_then_conversion_failed(tmp_path: Path) -> None:
    with pytest.raises(ConversionFailedError, match="does not exist"):
        convert_recording(tmp_path / "gone.gsm", tmp_path, timeout_s=30)
