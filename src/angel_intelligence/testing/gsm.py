"""GSM 6.10 recordings made on the spot with SoX (and espeak-ng), like the PBX's ``.gsm`` files.

Raw GSM holds whole 20 ms frames (160 samples, 33 bytes each), so every helper here pads the
audio to a whole number of frames (research/test_speech.md, "GSM").
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from pathlib import Path

SAMPLE_RATE_HZ = 8000
FRAME_SAMPLES = 160
FRAME_BYTES = 33


def whole_frames(duration_s: float) -> int:
    """Samples in `duration_s`, rounded up to whole GSM frames."""
    return math.ceil(round(duration_s * SAMPLE_RATE_HZ, 6) / FRAME_SAMPLES) * FRAME_SAMPLES


def tone_gsm(path: Path, duration_s: float, *, frequency_hz: float = 440.0) -> Path:
    """A sine tone at half scale, `duration_s` long (rounded up to whole frames)."""
    rate = str(SAMPLE_RATE_HZ)
    _run(
        "sox",
        ["-r", rate, "-c", "1", "-n", "-r", rate, "-c", "1", str(path)],
        ["synth", f"{whole_frames(duration_s)}s", "sine", f"{frequency_hz:g}", "vol", "0.5"],
    )
    return path


def speech_gsm(path: Path, text: str, *, voice: str = "en-gb", words_per_minute: int = 150) -> Path:
    """`text` spoken by espeak-ng, on the telephone band, as GSM padded to whole frames."""
    with tempfile.TemporaryDirectory() as scratch:
        spoken = Path(scratch) / "speech.wav"
        _run("espeak-ng", ["-v", voice, "-s", str(words_per_minute), "-w", str(spoken), text])
        narrow = Path(scratch) / "narrow.wav"
        rate = str(SAMPLE_RATE_HZ)
        _run(
            "sox",
            [str(spoken), "-r", rate, "-c", "1", "-b", "16", str(narrow)],
            ["highpass", "250", "lowpass", "3500"],
        )
        samples = int(_run("soxi", ["-s", str(narrow)]))
        padding = -samples % FRAME_SAMPLES
        _run("sox", [str(narrow), "-r", rate, "-c", "1", str(path)], ["pad", "0", f"{padding}s"])
    return path


def _run(tool: str, arguments: list[str], effects: list[str] | None = None) -> str:
    executable = shutil.which(tool)
    if executable is None:
        raise RuntimeError(f"{tool} is not installed (Debian packages sox, espeak-ng)")
    result = subprocess.run(
        [executable, *arguments, *(effects or [])], check=True, capture_output=True, text=True
    )
    return result.stdout
