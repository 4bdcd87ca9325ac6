"""Hold music for synthetic calls: a looping tune of plucked chords, as a PBX plays on hold.

Made of decaying harmonic tones (a melody over a chord, a new note every 0.3-0.6 s) with a soft
pulse, so it has the steady pitch, the harmonics and the rhythm that make voice activity
detectors mistake music for speech. Deterministic for a seed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_SCALE = (0, 2, 4, 5, 7, 9, 11, 12)  # major scale, semitones above the key
_CHORDS = ((0, 4, 7), (5, 9, 12), (7, 11, 14), (9, 12, 16))  # I, IV, V, vi


def hold_music(
    duration_s: float, sample_rate_hz: int, *, seed: int = 0, level_rms: float = 0.08
) -> npt.NDArray[np.float32]:
    """`duration_s` of hold music at `sample_rate_hz`, scaled to `level_rms`."""
    rng = np.random.default_rng(seed)
    total = int(duration_s * sample_rate_hz)
    out = np.zeros(total, dtype=np.float64)
    key_hz = 220.0 * 2 ** (rng.integers(0, 7) / 12)
    time_s = 0.0
    bar = 0
    while time_s < duration_s:
        chord = _CHORDS[bar % len(_CHORDS)]
        bar_s = 1.6 + 0.4 * float(rng.random())
        _add_note(out, sample_rate_hz, time_s, bar_s, [key_hz / 2 * 2 ** (c / 12) for c in chord],
                  0.35)  # fmt: skip
        note_s = time_s
        while note_s < time_s + bar_s:
            length_s = float(rng.choice([0.3, 0.4, 0.6]))
            step = _SCALE[int(rng.integers(0, len(_SCALE)))]
            _add_note(out, sample_rate_hz, note_s, length_s, [key_hz * 2 ** (step / 12)], 0.6)
            note_s += length_s
        time_s += bar_s
        bar += 1
    rms = float(np.sqrt(np.mean(np.square(out)))) or 1.0
    return (out * (level_rms / rms)).astype(np.float32)


def _add_note(
    out: npt.NDArray[np.float64], rate: int, start_s: float, length_s: float,
    freqs_hz: list[float], gain: float,
) -> None:  # fmt: skip
    start = int(start_s * rate)
    count = min(int(length_s * rate), len(out) - start)
    if count <= 0:
        return
    t = np.arange(count) / rate
    envelope = np.exp(-3.0 * t / length_s) * np.minimum(1.0, t / 0.01)
    tone = np.zeros(count)
    for freq in freqs_hz:
        for harmonic, weight in ((1, 1.0), (2, 0.5), (3, 0.3), (4, 0.15)):
            tone += weight * np.sin(2 * np.pi * freq * harmonic * t)
    out[start : start + count] += gain * envelope * tone
