"""`angel analyse`: one transcript (segments JSON) through the same analysis stage as the worker.

`analysis_facts` is what the analysis reads besides the transcript and the config: the speaker
metrics (talk time, interruptions, pace, silence per role) and the transfers, measured from
the labelled segments. `angel analyse` and a worker retry of a kept transcript compute them
here; the worker's first attempt has them from its speech stages, which compute the metrics
with the same function (`pipeline/speaker_metrics.py`), so for the same segments the model is
given the same input (tested).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import ClientConfigResolver
from angel_intelligence.domain.analysis import AnalysisMode, CallAnalysis
from angel_intelligence.domain.speakers import Handover
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.errors import AnalysisFailedError
from angel_intelligence.pipeline.speaker_metrics import speaker_metrics
from angel_intelligence.pipeline.speakers import find_handovers


@dataclass(frozen=True, slots=True)
class AnalysisFacts:
    """The measured input of the analysis (see the module docstring)."""

    speaker_metrics: Mapping[str, Any]
    handovers: tuple[Handover, ...]


def analysis_facts(transcript: Transcript, duration_s: float | None = None) -> AnalysisFacts:
    """Speaker metrics and transfers from `transcript`'s labelled segments; the call lasts
    `duration_s` (default: the transcript's, the end of its last segment when read from JSON).
    Transfers are found from the segments alone (the diarized turns are not stored)."""
    duration = transcript.duration_s if duration_s is None else duration_s
    return AnalysisFacts(
        speaker_metrics(transcript.segments, duration),
        tuple(find_handovers(transcript.segments)),
    )


def read_transcript(path: Path) -> Transcript:
    """The segments JSON in `path` (a list, or an object with "segments" and optionally
    "duration_seconds", as `angel transcribe --full` prints it); ANALYSIS_FAILED with the reason
    when it cannot be read. Without a duration the call ends where its last segment does."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AnalysisFailedError(f"cannot read {path} as JSON: {error}") from None
    segments = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(segments, list):
        raise AnalysisFailedError(
            f'{path} must hold the segments JSON: a list of segments, or an object with "segments"'
        )
    duration = data.get("duration_seconds") if isinstance(data, dict) else None
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int | float) or duration < 0
    ):
        raise AnalysisFailedError(f'{path}: "duration_seconds" must be a number of seconds')
    try:
        transcript = Transcript.from_segments_json(segments)
    except (KeyError, TypeError, ValueError) as error:
        raise AnalysisFailedError(
            f"{path}: a segment is malformed ({type(error).__name__}: {error})"
        ) from None
    if duration is None:
        return transcript
    return replace(transcript, duration_s=max(float(duration), transcript.duration_s))


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
        call_date: dt.date | None = None,
    ) -> CallAnalysis:
        transcript = read_transcript(path)
        config = self._configs.resolve(client_ref)
        if mode is not None:
            config = config.with_mode(mode)
        facts = analysis_facts(transcript)
        return self._analyser.analyse(
            transcript,
            config,
            audio_path=audio,
            speaker_metrics=facts.speaker_metrics,
            handovers=facts.handovers,
            call_date=call_date,
        )
