"""The call as one stream: the segments' texts joined, and every token with its time and speaker.

Detection reads the segments of a whole call as one text (`Layout`), so a number read over two
segments is one finding and the agent's question in one segment is the context for the answer
in the next. The audio rules (question windows, read-backs, digit runs) also need to know when
each token was said and by whom: `CallStream` gives every token of that text the time of the
Whisper word it belongs to (tokens of no word get the time between their neighbours) and the
speaker of its segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from angel_intelligence.domain.pii import PiiSpan
from angel_intelligence.domain.transcript import Segment, Transcript
from angel_intelligence.pii.lexer import TOKEN_RE
from angel_intelligence.pii.timing import Piece, align_words


@dataclass(frozen=True)
class Layout:
    """The segments' texts joined by newlines, as the detector reads them."""

    text: str
    offsets: tuple[int, ...]  # where each segment's stripped text starts in `text`
    lengths: tuple[int, ...]  # length of each segment's stripped text
    leads: tuple[int, ...]  # leading whitespace stripped from each segment's text

    @classmethod
    def of(cls, segments: Sequence[Segment]) -> Layout:
        parts, offsets, lengths, leads, cursor = [], [], [], [], 0
        for segment in segments:
            stripped = segment.text.strip()
            offsets.append(cursor)
            lengths.append(len(stripped))
            leads.append(len(segment.text) - len(segment.text.lstrip()))
            parts.append(stripped)
            cursor += len(stripped) + 1
        return cls("\n".join(parts), tuple(offsets), tuple(lengths), tuple(leads))

    def pieces(self, span: PiiSpan) -> list[Piece]:
        """The parts of a finding in each segment, in segment-text characters."""
        found = []
        for index, offset in enumerate(self.offsets):
            start = max(span.start_char, offset)
            end = min(span.end_char, offset + self.lengths[index])
            if start < end:
                lead = self.leads[index]
                found.append(Piece(index, start - offset + lead, end - offset + lead))
        return found

    def segment_at(self, char: int) -> int:
        """The segment whose line holds character `char` of `text` (the newline after it too)."""
        low, high = 0, len(self.offsets) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.offsets[middle] <= char:
                low = middle
            else:
                high = middle - 1
        return low


@dataclass(frozen=True, slots=True)
class TimedToken:
    """A token of the layout text: letters/digits (with an apostrophe suffix) or one symbol."""

    text: str
    start: int  # characters [start, end) of the layout text
    end: int
    segment: int
    start_s: float
    end_s: float

    @property
    def norm(self) -> str:
        """Lower-case letters and digits only ("" for punctuation): what cues are matched on."""
        return "".join(ch for ch in self.text.lower() if ch.isalnum())


@dataclass(frozen=True)
class CallStream:
    """A transcript's layout and its tokens in order, each with a time and a segment."""

    transcript: Transcript
    layout: Layout
    tokens: tuple[TimedToken, ...]
    by_segment: tuple[tuple[int, ...], ...]  # indices into `tokens` of each segment

    @classmethod
    def of(cls, transcript: Transcript, layout: Layout | None = None) -> CallStream:
        layout = layout or Layout.of(transcript.segments)
        tokens: list[TimedToken] = []
        by_segment: list[list[int]] = [[] for _ in transcript.segments]
        for match in TOKEN_RE.finditer(layout.text):
            index = layout.segment_at(match.start())
            by_segment[index].append(len(tokens))
            tokens.append(TimedToken(match.group(), match.start(), match.end(), index, -1.0, -1.0))
        for index, segment in enumerate(transcript.segments):
            _time_tokens(tokens, by_segment[index], segment, layout, index)
        return cls(transcript, layout, tuple(tokens), tuple(tuple(t) for t in by_segment))

    @property
    def segments(self) -> tuple[Segment, ...]:
        return self.transcript.segments

    @cached_property
    def duration_s(self) -> float:
        segments = self.transcript.segments
        return self.transcript.duration_s or max((s.end_s for s in segments), default=0.0)

    @cached_property
    def uncertain_spans(self) -> tuple[tuple[float, float], ...]:
        """Where the recogniser said it was unsure (loops it re-decoded or cut; its
        `uncertain_spans` metadata), as (start_s, end_s)."""
        spans = self.transcript.metadata.get("uncertain_spans") or ()
        return tuple((float(s), float(e)) for s, e in spans if float(e) > float(s))

    def speaker(self, segment: int) -> str | None:
        """Which side said a segment: "agent" (any agent: one agent's voice split in two, or a
        transfer, is still the side that asks), "supporter", else the speaker id, else None
        (not diarized)."""
        seg = self.transcript.segments[segment]
        if seg.speaker is not None:
            return "agent" if seg.speaker.is_agent else "supporter"
        return seg.speaker_id

    def words_of(self, segment: int) -> list[str]:
        """The normalised words of a segment (punctuation left out)."""
        return [n for k in self.by_segment[segment] if (n := self.tokens[k].norm)]

    def start_of(self, segment: int) -> float:
        """When a segment's speech starts: its first token, else the segment's start."""
        indices = self.by_segment[segment]
        return self.tokens[indices[0]].start_s if indices else self.segments[segment].start_s

    def end_of(self, segment: int) -> float:
        indices = self.by_segment[segment]
        if not indices:
            return self.segments[segment].end_s
        return max(self.tokens[k].end_s for k in indices)


def _time_tokens(
    tokens: list[TimedToken], indices: Sequence[int], segment: Segment, layout: Layout, index: int
) -> None:
    """Give each token of a segment the time of the word over its characters; tokens of no
    word get the gap between the timed tokens around them (the segment's edges at its ends)."""
    base = layout.offsets[index] - layout.leads[index]
    spans = [
        (base + span[0], base + span[1], word)
        for span, word in zip(align_words(segment.text, segment.words), segment.words, strict=True)
        if span is not None
    ]
    times: list[tuple[float, float] | None] = []
    cursor = 0
    for k in indices:
        token = tokens[k]
        while cursor < len(spans) and spans[cursor][1] <= token.start:
            cursor += 1
        hit = spans[cursor] if cursor < len(spans) and spans[cursor][0] < token.end else None
        times.append(None if hit is None else (hit[2].start_s, hit[2].end_s))
    for position, k in enumerate(indices):
        time = times[position]
        if time is None:
            before = [t[1] for t in times[:position] if t is not None]
            after = [t[0] for t in times[position + 1 :] if t is not None]
            start_s = before[-1] if before else segment.start_s
            end_s = after[0] if after else segment.end_s
            time = (min(start_s, end_s), max(start_s, end_s))
        token = tokens[k]
        tokens[k] = TimedToken(token.text, token.start, token.end, index, time[0], time[1])
