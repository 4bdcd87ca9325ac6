"""Audio redaction: PII intervals become a tone or silence, the rest of the call is untouched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.pipeline.redact_audio import (
    BLOCK_FRAMES,
    DEFAULT_FADE_S,
    TONE_LEVEL,
    SampleSpan,
    is_redacted,
    plan_redaction,
    redact_audio,
)

RATE = 8000
FADE = round(DEFAULT_FADE_S * RATE)  # 80 samples
INT32_MAX = 2**31 - 1


def speech_like(seconds: float, *, rate: int = RATE, channels: int = 1) -> np.ndarray:
    """A loud 200 Hz + 630 Hz mixture: every sample differs from silence and from the tone."""
    t = np.arange(round(seconds * rate)) / rate
    signal = 0.5 * np.sin(2 * np.pi * 200 * t + 0.3) + 0.3 * np.sin(2 * np.pi * 630 * t)
    return np.repeat(signal[:, None], channels, axis=1) if channels > 1 else signal


def write_wav(path: Path, signal: np.ndarray, subtype: str = "PCM_32", rate: int = RATE) -> Path:
    soundfile.write(str(path), signal, rate, subtype=subtype)
    return path


def read_int32(path: Path) -> np.ndarray:
    samples, _ = soundfile.read(str(path), dtype="int32")
    return samples


def expected_tone(start: int, end: int, full_scale: float = INT32_MAX) -> np.ndarray:
    n = np.arange(start, end)
    tone = TONE_LEVEL * full_scale * np.sin(2 * np.pi * 1000 * n / RATE)
    return np.rint(tone) if full_scale > 1 else tone


@pytest.fixture
def call(tmp_path: Path) -> Path:
    """Three seconds of 32-bit, 8 kHz mono: the spec's WAV format."""
    return write_wav(tmp_path / "call.wav", speech_like(3.0))


def test_samples_inside_each_padded_interval_are_the_tone_and_outside_untouched(
    call: Path, tmp_path: Path
) -> None:
    intervals = [TimeInterval(0.5, 0.75), TimeInterval(2.0, 2.25)]

    out = redact_audio(call, intervals, tmp_path / "redacted.wav", padding_s=0.125)

    before, after = read_int32(call), read_int32(out)
    assert len(after) == len(before)
    spans = [(3000, 7000), (15000, 19000)]  # (start - 0.125 s, end + 0.125 s) in samples
    for start, end in spans:
        assert np.array_equal(after[start:end], expected_tone(start, end))
    untouched = np.ones(len(before), dtype=bool)
    for start, end in spans:
        untouched[start - FADE : end + FADE] = False
    assert np.array_equal(after[untouched], before[untouched])
    # The fades differ from the original (they are crossfades) but never exceed either side.
    fade = slice(3000 - FADE, 3000)
    assert not np.array_equal(after[fade], before[fade])
    bound = np.maximum(np.abs(before[fade].astype(float)), TONE_LEVEL * INT32_MAX) + 1
    assert np.all(np.abs(after[fade].astype(float)) <= bound)


def test_silence_mode_writes_digital_silence(call: Path, tmp_path: Path) -> None:
    out = redact_audio(
        call, [TimeInterval(1.0, 1.5)], tmp_path / "r.wav", mode="silence", padding_s=0.0
    )

    after, before = read_int32(out), read_int32(call)
    assert np.all(after[8000:12000] == 0)
    assert np.array_equal(after[: 8000 - FADE], before[: 8000 - FADE])
    assert np.array_equal(after[12000 + FADE :], before[12000 + FADE :])


def test_the_tone_is_1_khz(call: Path, tmp_path: Path) -> None:
    out = redact_audio(call, [TimeInterval(1.0, 2.0)], tmp_path / "r.wav", padding_s=0.0)

    core = read_int32(out)[8000:16000].astype(float)
    peak_hz = np.fft.rfftfreq(len(core), 1 / RATE)[int(np.argmax(np.abs(np.fft.rfft(core))))]
    assert peak_hz == pytest.approx(1000, abs=1)


def test_output_has_the_input_length_rate_channels_and_format(call: Path, tmp_path: Path) -> None:
    out = redact_audio(call, [TimeInterval(0.1, 0.2)], tmp_path / "r.wav")

    before, after = soundfile.info(str(call)), soundfile.info(str(out))
    assert (after.frames, after.samplerate, after.channels) == (
        before.frames,
        before.samplerate,
        before.channels,
    )
    assert (after.format, after.subtype, after.endian) == (
        before.format,
        before.subtype,
        before.endian,
    )
    assert is_redacted(out) and not is_redacted(call)


@pytest.mark.parametrize(
    ("subtype", "dtype", "full_scale"),
    [
        ("PCM_16", "int16", 32767),
        ("PCM_24", "int32", INT32_MAX),
        ("PCM_32", "int32", INT32_MAX),
        ("FLOAT", "float32", 1.0),
    ],
)
def test_every_wav_sample_format_is_kept(
    tmp_path: Path, subtype: str, dtype: str, full_scale: float
) -> None:
    wav = write_wav(tmp_path / "in.wav", speech_like(1.0, channels=2), subtype=subtype)

    out = redact_audio(wav, [TimeInterval(0.25, 0.5)], tmp_path / "out.wav", padding_s=0.0)

    assert soundfile.info(str(out)).subtype == subtype
    before, _ = soundfile.read(str(wav), dtype=dtype)
    after, _ = soundfile.read(str(out), dtype=dtype)
    assert after.shape == before.shape == (8000, 2)
    tone = TONE_LEVEL * full_scale * np.sin(2 * np.pi * 1000 * np.arange(2000, 4000) / RATE)
    tolerance = 2**8 if subtype == "PCM_24" else (1e-6 if subtype == "FLOAT" else 0.5)
    for channel in range(2):
        assert np.allclose(after[2000:4000, channel], tone, atol=tolerance)
    assert np.array_equal(after[: 2000 - FADE], before[: 2000 - FADE])
    assert np.array_equal(after[4000 + FADE :], before[4000 + FADE :])


def test_no_intervals_gives_an_identical_call_marked_as_redacted(
    call: Path, tmp_path: Path
) -> None:
    out = redact_audio(call, [], tmp_path / "r.wav")

    assert np.array_equal(read_int32(out), read_int32(call))
    assert is_redacted(out)


def test_an_interval_across_a_block_boundary_is_redacted_exactly(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "long.wav", speech_like(10.0))
    boundary_s = BLOCK_FRAMES / RATE  # 8.192 s

    out = redact_audio(
        wav, [TimeInterval(boundary_s - 0.5, boundary_s + 0.5)], tmp_path / "r.wav", padding_s=0
    )

    after, before = read_int32(out), read_int32(wav)
    start, end = BLOCK_FRAMES - 4000, BLOCK_FRAMES + 4000
    assert np.array_equal(after[start:end], expected_tone(start, end))
    assert np.array_equal(after[: start - FADE], before[: start - FADE])
    assert np.array_equal(after[end + FADE :], before[end + FADE :])


@pytest.mark.parametrize("mode", ["tone", "silence"])
def test_the_edges_are_click_free_unlike_a_hard_cut(tmp_path: Path, mode: str) -> None:
    # A loud 50 Hz wave at its crest where the interval starts: the worst case for a click.
    t = np.arange(3 * RATE) / RATE
    before = 0.9 * np.sin(2 * np.pi * 50 * t + np.pi / 2)
    wav = write_wav(tmp_path / "hum.wav", before)
    out = redact_audio(wav, [TimeInterval(1.0, 1.5)], tmp_path / "r.wav", padding_s=0, mode=mode)  # type: ignore[arg-type]

    after, _ = soundfile.read(str(out), dtype="float64")
    replacement = expected_tone(0, len(t), full_scale=1.0) if mode == "tone" else np.zeros(len(t))
    hard_cut = before.copy()
    hard_cut[8000:12000] = replacement[8000:12000]

    def clicks(signal: np.ndarray, edge: int) -> float:
        """Energy above 2 kHz in 100 ms around an edge (neither the hum nor the tone has any)."""
        window = signal[edge - 400 : edge + 400] * np.hanning(800)
        spectrum = np.abs(np.fft.rfft(window)) ** 2
        return float(spectrum[np.fft.rfftfreq(800, 1 / RATE) > 2000].sum())

    for edge in (8000, 12000):
        assert clicks(after, edge) < clicks(hard_cut, edge) * 1e-6  # 60 dB quieter
    # No sample-to-sample step larger than the hum or the tone already make.
    natural = max(np.abs(np.diff(before)).max(), np.abs(np.diff(replacement)).max())
    assert np.abs(np.diff(after)).max() <= natural * 1.05
    assert np.abs(np.diff(hard_cut)).max() > 0.8


def test_intervals_are_clamped_to_the_call_and_reversed_ones_still_redacted(
    call: Path, tmp_path: Path
) -> None:
    intervals = [TimeInterval(-1.0, 0.25), TimeInterval(2.9, 5.0), TimeInterval(1.5, 1.25)]

    out = redact_audio(call, intervals, tmp_path / "r.wav", padding_s=0.0)

    after = read_int32(out)
    assert len(after) == 24000
    assert np.array_equal(after[:2000], expected_tone(0, 2000))
    assert np.array_equal(after[23200:], expected_tone(23200, 24000))
    assert np.array_equal(after[10000:12000], expected_tone(10000, 12000))


def test_intervals_closer_than_two_fades_are_merged_so_the_gap_is_redacted_too() -> None:
    spans = plan_redaction(
        [TimeInterval(1.0, 1.1), TimeInterval(1.115, 1.2), TimeInterval(2.0, 2.1)],
        sample_rate_hz=RATE,
        total_frames=3 * RATE,
        padding_s=0.0,
    )

    assert spans == [SampleSpan(8000, 9600), SampleSpan(16000, 16800)]


def test_padding_rounds_outwards_to_whole_samples() -> None:
    spans = plan_redaction(
        [TimeInterval(1.00001, 1.99999)], sample_rate_hz=RATE, total_frames=3 * RATE, padding_s=0
    )

    assert spans == [SampleSpan(8000, 16000)]


@pytest.mark.parametrize(
    "interval", [TimeInterval(float("nan"), 1.0), TimeInterval(0.0, float("inf"))]
)
def test_a_non_finite_interval_is_an_error_not_a_silent_skip(
    call: Path, tmp_path: Path, interval: TimeInterval
) -> None:
    with pytest.raises(ValueError, match="not a finite time"):
        redact_audio(call, [interval], tmp_path / "r.wav")
    assert not (tmp_path / "r.wav").exists()


def test_an_unknown_mode_is_rejected(call: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tone' or 'silence"):
        redact_audio(call, [], tmp_path / "r.wav", mode="bleep")  # type: ignore[arg-type]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    intervals=st.lists(
        st.tuples(st.floats(-0.2, 1.2), st.floats(0.0, 0.3)).map(
            lambda pair: TimeInterval(pair[0], pair[0] + pair[1])
        ),
        max_size=5,
    ),
    padding_s=st.sampled_from([0.0, 0.05, 0.25]),
    mode=st.sampled_from(["tone", "silence"]),
)
def test_property_no_original_sample_survives_inside_any_padded_interval(
    tmp_path: Path, intervals: list[TimeInterval], padding_s: float, mode: str
) -> None:
    wav = tmp_path / "p.wav"
    if not wav.exists():
        write_wav(wav, speech_like(1.0))
    out = redact_audio(wav, intervals, tmp_path / "p_out.wav", padding_s=padding_s, mode=mode)  # type: ignore[arg-type]

    before, after = read_int32(wav), read_int32(out)
    assert len(after) == len(before)
    replacement = expected_tone(0, len(before)) if mode == "tone" else np.zeros(len(before))
    near = np.zeros(len(before), dtype=bool)
    for interval in intervals:
        start = max(0, int(np.floor((interval.start_s - padding_s) * RATE)))
        end = min(len(before), int(np.ceil((interval.end_s + padding_s) * RATE)))
        if start < end:
            assert np.array_equal(after[start:end], replacement[start:end])
            near[max(0, start - 3 * FADE) : end + 3 * FADE] = True
    assert np.array_equal(after[~near], before[~near])
