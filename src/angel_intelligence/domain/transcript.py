"""Words, segments and transcripts: what transcription produces and every later stage reads.

`Transcript.to_segments_json()` is the spec's "Segments JSON Structure" exactly (the transcript
"karaoke" in Pulse reads it); `from_segments_json` reads it back. Times are seconds from the
start of the call, rounded to milliseconds when serialised.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from angel_intelligence.domain.speakers import SpeakerRole


def _r(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its time span and recognition confidence (0-1).

    `interpolated` is True when Whisper gave no usable time for the word and the span was
    derived from its neighbours (docs/transcription.md explains how).
    """

    text: str
    start_s: float
    end_s: float
    confidence: float
    interpolated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "word": self.text,
            "start": _r(self.start_s),
            "end": _r(self.end_s),
            "confidence": _r(self.confidence, 4),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Word:
        return cls(
            text=str(data["word"]),
            start_s=float(data["start"]),
            end_s=float(data["end"]),
            confidence=float(data.get("confidence", 0.0)),
        )


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of speech by one speaker (segments split where the speaker changes)."""

    text: str
    start_s: float
    end_s: float
    words: tuple[Word, ...] = ()
    confidence: float = 0.0
    speaker: SpeakerRole | None = None
    speaker_id: str | None = None
    speaker_confidence: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": _r(self.start_s),
            "end": _r(self.end_s),
            "speaker": self.speaker.value if self.speaker else None,
            "speaker_id": self.speaker_id,
            "speaker_confidence": (
                None if self.speaker_confidence is None else _r(self.speaker_confidence, 4)
            ),
            "confidence": _r(self.confidence, 4),
            "words": [w.to_json() for w in self.words],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segment:
        speaker = data.get("speaker")
        confidence = data.get("speaker_confidence")
        return cls(
            text=str(data.get("text", "")),
            start_s=float(data["start"]),
            end_s=float(data["end"]),
            words=tuple(Word.from_json(w) for w in data.get("words") or ()),
            confidence=float(data.get("confidence", 0.0)),
            speaker=SpeakerRole(speaker) if speaker else None,
            speaker_id=data.get("speaker_id"),
            speaker_confidence=None if confidence is None else float(confidence),
        )


@dataclass(frozen=True)
class Transcript:
    """A whole call's transcription, before or after speaker labelling and PII redaction."""

    segments: tuple[Segment, ...]
    language: str = "en"
    confidence: float = 0.0
    model: str = ""
    duration_s: float = 0.0
    processing_time_s: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)

    def full_text(self, *, with_speakers: bool = True) -> str:
        """`full_transcript`: one line per segment, prefixed with the speaker's label."""
        lines = []
        for segment in self.segments:
            text = segment.text.strip()
            if with_speakers and segment.speaker is not None:
                lines.append(f"{segment.speaker.label}: {text}")
            else:
                lines.append(text)
        return "\n".join(lines)

    @property
    def confidence_score(self) -> float:
        """`confidence_score`: the mean word confidence, clamped to 0-1, four decimals."""
        return round(min(max(self.confidence, 0.0), 1.0), 4)

    def timed_text(self) -> str:
        """Speaker-labelled lines with start times, the form the analysis model reads."""
        return "\n".join(
            f"[{s.start_s:.1f}s] {s.speaker.label if s.speaker else 'Speaker'}: {s.text.strip()}"
            for s in self.segments
        )

    def to_segments_json(self) -> list[dict[str, Any]]:
        return [s.to_json() for s in self.segments]

    @classmethod
    def from_segments_json(cls, segments: list[dict[str, Any]], **fields: Any) -> Transcript:
        parsed = tuple(Segment.from_json(s) for s in segments)
        if "duration_s" not in fields:
            fields["duration_s"] = max((s.end_s for s in parsed), default=0.0)
        return cls(segments=parsed, **fields)

    def with_segments(self, segments: tuple[Segment, ...]) -> Transcript:
        return replace(self, segments=segments)
