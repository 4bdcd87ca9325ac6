"""`angel analyse`: one transcript (segments JSON) through the same analysis stage as the worker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import ClientConfigResolver
from angel_intelligence.domain.analysis import AnalysisMode, CallAnalysis
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.errors import AnalysisFailedError


def read_transcript(path: Path) -> Transcript:
    """The segments JSON in `path` (a list, or an object with "segments"); ANALYSIS_FAILED with
    the reason when it cannot be read."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AnalysisFailedError(f"cannot read {path} as JSON: {error}") from None
    segments = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(segments, list):
        raise AnalysisFailedError(
            f'{path} must hold the segments JSON: a list of segments, or an object with "segments"'
        )
    try:
        return Transcript.from_segments_json(segments)
    except (KeyError, TypeError, ValueError) as error:
        raise AnalysisFailedError(
            f"{path}: a segment is malformed ({type(error).__name__}: {error})"
        ) from None


class AnalysisService:
    """Analyses a transcript file with the client's resolved config and the analysis model."""

    def __init__(self, configs: ClientConfigResolver, analyser: CallAnalyser) -> None:
        self._configs = configs
        self._analyser = analyser

    def analyse_file(
        self,
        path: Path,
        *,
        client_ref: str | None = None,
        mode: AnalysisMode | None = None,
        audio: Path | None = None,
    ) -> CallAnalysis:
        transcript = read_transcript(path)
        config = self._configs.resolve(client_ref)
        if mode is not None:
            config = config.with_mode(mode)
        return self._analyser.analyse(transcript, config, audio_path=audio)
