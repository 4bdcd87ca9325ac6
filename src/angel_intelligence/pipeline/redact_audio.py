"""Audio PII redaction: replace each PII interval of a call with a 1 kHz tone or with silence.

Used only for retained audio (spec, "Audio PII Redaction"). The method, and why it is safe and
click-free (docs/recordings.md, "Redaction"):

* Each interval is widened by ``padding_s`` on both sides (word timestamps are approximate; when
  in doubt more audio is bleeped, not less), clamped to the call, and turned into sample
  indexes rounding *outwards*. Intervals closer than two fades apart are merged, so the gap
  between two bleeps is bleeped too rather than left as a few milliseconds of speech.
* Inside a padded interval every sample is the replacement (tone or digital silence): no trace
  of the original remains there.
* A hard cut would put a step of up to full scale between two samples, which is heard as a
  click. So the original fades out over ``fade_s`` (default 10 ms) *just before* the interval
  while the tone fades in, and the reverse just after it: an equal-gain raised-cosine crossfade
  placed outside the redacted span, so it never lets PII through. 10 ms is the usual tone-burst
  rise time in audiometry; it keeps the splatter of the transition well below the tone.
* The output has the input's length, sample rate, channels and sample format (32-bit PCM for
  the spec's WAV); samples away from the intervals and their fades are copied bit for bit. The
  file is processed in blocks, so memory does not grow with the call's length.

The output carries a marker in its WAV comment (`REDACTED_MARKER`); `pipeline.retain` refuses
to upload a file without it, so unredacted audio cannot be retained by mistake.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NewType

import numpy as np

from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.logging import get_logger

log = get_logger(__name__)

RedactedWav = NewType("RedactedWav", Path)
"""A WAV written by `redact_audio`; the only kind of file `retain_redacted_audio` accepts."""

RedactionMode = Literal["tone", "silence"]

REDACTED_MARKER = "angel-intelligence: PII redacted"
DEFAULT_FADE_S = 0.010
TONE_LEVEL = 0.25  # of full scale (-12 dBFS): clearly audible, never clipping
BLOCK_FRAMES = 1 << 16

# soundfile's read dtype per subtype; 24-bit PCM is read left-justified in int32 and written back
# without loss. Other subtypes (8-bit, A-law, GSM in WAV…) are not what SoX gives us.
_DTYPES = {
    "PCM_16": "int16",
    "PCM_24": "int32",
    "PCM_32": "int32",
    "FLOAT": "float32",
    "DOUBLE": "float64",
}


@dataclass(frozen=True, slots=True)
class SampleSpan:
    """Samples [start, end) replaced entirely; the crossfades lie outside it."""

    start: int
    end: int


def plan_redaction(
    intervals: Sequence[TimeInterval],
    *,
    sample_rate_hz: int,
    total_frames: int,
    padding_s: float,
    fade_s: float = DEFAULT_FADE_S,
) -> list[SampleSpan]:
    """Padded, clamped, merged sample spans for `intervals` (sorted, non-overlapping)."""
    if padding_s < 0 or fade_s < 0:
        raise ValueError("padding_s and fade_s must not be negative")
    fade = _fade_frames(fade_s, sample_rate_hz)
    spans: list[SampleSpan] = []
    for interval in intervals:
        start_s, end_s = interval.start_s, interval.end_s
        if not (math.isfinite(start_s) and math.isfinite(end_s)):
            raise ValueError(f"PII interval {start_s!r}–{end_s!r} is not a finite time")
        start_s, end_s = min(start_s, end_s), max(start_s, end_s)  # a reversed one is still PII
        start = max(0, math.floor((start_s - padding_s) * sample_rate_hz))
        end = min(total_frames, math.ceil((end_s + padding_s) * sample_rate_hz))
        if start < end:
            spans.append(SampleSpan(start, end))
    spans.sort(key=lambda span: span.start)
    merged: list[SampleSpan] = []
    for span in spans:
        if merged and span.start <= merged[-1].end + 2 * fade:
            last = merged[-1]
            merged[-1] = SampleSpan(last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return merged


def redact_audio(
    wav: Path,
    intervals: Sequence[TimeInterval],
    out: Path,
    *,
    mode: RedactionMode = "tone",
    padding_s: float = 0.25,
    tone_hz: float = 1000.0,
    fade_s: float = DEFAULT_FADE_S,
) -> RedactedWav:
    """Write `wav` to `out` with every (padded) interval replaced by a tone or silence."""
    import soundfile

    if mode not in ("tone", "silence"):
        raise ValueError(f"redaction mode must be 'tone' or 'silence', not {mode!r}")
    info = soundfile.info(str(wav))
    dtype = _DTYPES.get(info.subtype)
    if dtype is None:
        raise ValueError(f"cannot redact {info.subtype} audio; expected PCM or float WAV")
    rate = int(info.samplerate)
    if tone_hz <= 0 or tone_hz >= rate / 2:
        raise ValueError(f"tone_hz must be between 0 and {rate / 2:g} Hz")
    spans = plan_redaction(
        intervals,
        sample_rate_hz=rate,
        total_frames=int(info.frames),
        padding_s=padding_s,
        fade_s=fade_s,
    )
    shaper = _Shaper(spans, _fade_frames(fade_s, rate), rate, tone_hz if mode == "tone" else None)
    try:
        with (
            soundfile.SoundFile(str(wav)) as source,
            soundfile.SoundFile(
                str(out),
                "w",
                samplerate=rate,
                channels=info.channels,
                subtype=info.subtype,
                endian=info.endian,
                format=info.format,
            ) as sink,
        ):
            # Metadata goes in before the samples so libsndfile writes it with the header.
            sink.comment = f"{REDACTED_MARKER} ({mode}, {len(spans)} span(s))"
            sink.software = "angel-intelligence"
            offset = 0
            for block in source.blocks(BLOCK_FRAMES, dtype=dtype, always_2d=True):
                sink.write(shaper.apply(block, offset))
                offset += len(block)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    log.info(
        "audio_redacted",
        mode=mode,
        spans=len(spans),
        redacted_s=round(sum(span.end - span.start for span in spans) / rate, 2),
    )
    return RedactedWav(out)


def is_redacted(wav: Path) -> bool:
    """Whether `wav` was written by `redact_audio` (it carries `REDACTED_MARKER`)."""
    import soundfile

    try:
        with soundfile.SoundFile(str(wav)) as file:
            return (file.comment or "").startswith(REDACTED_MARKER)
    except RuntimeError:
        return False


def _fade_frames(fade_s: float, rate: int) -> int:
    return max(0, round(fade_s * rate))


class _Shaper:
    """Applies the spans to consecutive blocks: y = x·(1 − w) + r·w, w the replacement weight."""

    def __init__(
        self, spans: list[SampleSpan], fade: int, rate: int, tone_hz: float | None
    ) -> None:
        self.spans = spans
        self.fade = fade
        self.rate = rate
        self.tone_hz = tone_hz
        # Raised-cosine ramp 0 → 1 over `fade` samples, excluding both ends (0 and 1 are the
        # untouched original and the pure replacement).
        steps = np.arange(1, fade + 1, dtype=np.float64) / (fade + 1)
        self.ramp = 0.5 - 0.5 * np.cos(np.pi * steps)

    def apply(self, block: np.ndarray, offset: int) -> np.ndarray:
        end = offset + len(block)
        out: np.ndarray | None = None
        for lo, hi, weights in self._weights(offset, end):
            if out is None:
                out = block.copy()
            out[lo - offset : hi - offset] = self._mix(
                block[lo - offset : hi - offset], lo, weights
            )
        return block if out is None else out

    def _weights(self, start: int, end: int) -> Iterator[tuple[int, int, np.ndarray]]:
        """(lo, hi, w) for every stretch of [start, end) that a span or its fades touches."""
        fade = self.fade
        for span in self.spans:
            lo, hi = max(start, span.start - fade), min(end, span.end + fade)
            if lo >= hi:
                continue
            index = np.arange(lo, hi)
            weights = np.ones(hi - lo, dtype=np.float64)
            before = index < span.start
            weights[before] = self.ramp[index[before] - (span.start - fade)]
            after = index >= span.end
            weights[after] = self.ramp[::-1][index[after] - span.end]
            yield lo, hi, weights

    def _mix(self, original: np.ndarray, first: int, weights: np.ndarray) -> np.ndarray:
        full_scale = _full_scale(original.dtype)
        if self.tone_hz is None:
            replacement = np.zeros(len(weights))
        else:
            phase = 2 * np.pi * self.tone_hz * np.arange(first, first + len(weights)) / self.rate
            replacement = TONE_LEVEL * full_scale * np.sin(phase)
        w = weights[:, None]
        mixed = original.astype(np.float64) * (1.0 - w) + replacement[:, None] * w
        if np.issubdtype(original.dtype, np.integer):
            info = np.iinfo(original.dtype)
            mixed = np.clip(np.rint(mixed), info.min, info.max)
        result: np.ndarray = mixed.astype(original.dtype)
        return result


def _full_scale(dtype: np.dtype) -> float:
    if np.issubdtype(dtype, np.integer):
        return float(np.iinfo(dtype).max)
    return 1.0
