"""What processing one call produced: the typed result the runner returns.

`db/results.py` is the only place that turns it into rows, inside the queue's fenced
completion transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from angel_intelligence.domain.analysis import CallAnalysis
from angel_intelligence.domain.audio import AudioFile, RetainedAudio
from angel_intelligence.domain.pii import PiiRedaction
from angel_intelligence.domain.speech import SpeechResult
from angel_intelligence.domain.transcript import Transcript


@dataclass(frozen=True)
class CallResult:
    """One call, processed: the audio, the speech, the redaction, the analysis, the retention."""

    audio: AudioFile
    """The converted WAV (its duration is stored on the recording row)."""
    wav_size_bytes: int
    """The WAV's size: with `file_format` 'wav', the recording row describes the converted
    (and, if retained, stored) file (docs/decisions.md, decision 11)."""
    speech: SpeechResult
    redaction: PiiRedaction
    analysis: CallAnalysis | None
    """None when the analysis failed: the rest is still stored (decision 47)."""
    retained: RetainedAudio | None = None
    """Where the redacted audio went, when the call asked for it to be kept."""


@dataclass(frozen=True)
class KeptTranscript:
    """A transcript stored by an earlier attempt whose analysis failed: a retry analyses it
    instead of downloading and transcribing the call again (docs/worker.md)."""

    transcript: Transcript
    """The redacted, speaker-labelled transcript (`redacted_segments`), as the analysis reads it."""
    duration_s: float
    """The call's duration as stored on the recording row (whole seconds)."""
