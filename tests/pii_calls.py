"""Builders for the PII tests' scripted calls: segments with words at known times, as
faster-whisper writes them, so a test can say exactly which seconds must be bleeped."""

from __future__ import annotations

from angel_intelligence.domain.pii import PiiRedaction, PiiType
from angel_intelligence.domain.speakers import SpeakerRole
from angel_intelligence.domain.transcript import Segment, Transcript, Word
from angel_intelligence.pii import PiiDetector, PiiPolicy

AGENT, SUPPORTER = SpeakerRole.AGENT, SpeakerRole.SUPPORTER
NO_PADDING = PiiPolicy(audio_padding_s=0.0, question_window_padding_s=0.0)

Case = tuple[str, PiiType, str, str]  # text, type, the exact characters found, the value


def found(detector: PiiDetector, text: str) -> list[tuple[PiiType, str, str]]:
    """What the detector finds in `text`: each finding's type, exact characters and value."""
    return [(s.type, text[s.start_char : s.end_char], s.value) for s in detector.detect(text)]


def ids(cases: list[Case]) -> list[str]:
    """Test ids for a list of cases: the type and the start of the characters found."""
    return [f"{kind.value}:{said[:30]}" for _, kind, said, _ in cases]


def said(text: str, start_s: float, speaker: SpeakerRole | None, step_s: float = 0.4) -> Segment:
    """A segment of `text`, one word every `step_s`, as faster-whisper writes it."""
    words = tuple(
        Word(f" {w}", round(start_s + k * step_s, 3), round(start_s + (k + 1) * step_s, 3), 0.9)
        for k, w in enumerate(text.split())
    )
    speaker_id = None if speaker is None else ("agent_1" if speaker.is_agent else "supporter")
    return Segment("".join(w.text for w in words), words[0].start_s, words[-1].end_s, words,
                   0.9, speaker, speaker_id)  # fmt: skip


def call(*segments: Segment, duration_s: float | None = None) -> Transcript:
    """The call of `segments`, ending two seconds after the last unless `duration_s` says."""
    end = max(s.end_s for s in segments) + 2.0
    return Transcript(segments=segments, duration_s=duration_s or end)


def bleeped(result: PiiRedaction, start_s: float, end_s: float) -> bool:
    """Whether one audio interval covers the whole of `start_s`–`end_s`."""
    return any(i.start_s <= start_s and end_s <= i.end_s for i in result.audio_intervals)
