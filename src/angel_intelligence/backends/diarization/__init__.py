"""Who spoke when: diarizers and the voice embedder behind fingerprints.

`backends/registry.py` names them: `resemblyzer` (the default: voice windows clustered, see
`clustering.py`), `pyannote` (a local pyannote pipeline directory), `mock`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class DiarizationOptions:
    """The speech section's DIARIZATION_* and PYANNOTE_PIPELINE_PATH settings."""

    max_speakers: int = 4
    torch_threads: int = 1
    pyannote_pipeline_path: Path | None = None
