"""Audio files on local disk, as the pipeline passes them between stages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class AudioFile:
    """A decoded recording: WAV as the spec converts it (8 kHz, 32-bit, mono).

    `path`, `duration_s`, `sample_rate_hz` and `channels` describe the WAV at `path`;
    `file_size_bytes` and `file_format` describe the recording as it was downloaded (e.g. the
    PBX's ``.gsm``; for a file that needed no download, that file). The ``ai_call_recordings``
    columns of those names hold the WAV's size and ``wav`` (docs/decisions.md, decision 11).
    """

    path: Path
    duration_s: float
    sample_rate_hz: int
    channels: int
    file_size_bytes: int
    file_format: str = "wav"


@dataclass(frozen=True, slots=True)
class TimeInterval:
    """A span of the call in seconds (e.g. PII to bleep)."""

    start_s: float
    end_s: float


class RetainedAudio(NamedTuple):
    """Where the redacted audio went: the values for ``r2_bucket`` and ``r2_path``."""

    bucket: str
    key: str
