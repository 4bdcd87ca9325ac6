"""Redaction of text and of whole transcripts.

`redact_transcript` detects PII across the segments of a call (a number read over two segments
is one finding, read through fillers and the other party's "mm-hm": `joining.py`; the agent's
question in one segment is context for the answer in the next). With
`PiiPolicy.question_windows` on, the audio rules (`audio_rules.py`) then add windows on the
answers to sensitive questions and read-backs, and digit runs near them as findings of their
own. It writes:

- the stored transcript: payment card data masked in segment text and words (PCI policy),
  and digits said where card data was asked for;
- the redacted transcript: every finding replaced by its placeholder; the words that carried a
  finding become one word with the placeholder as text and their combined time;
- `pii_detected` items with padded timestamps; every interval to bleep with its reason
  (`audio_redactions`), and their union (`audio_intervals`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.domain.pii import (
    AudioReason,
    AudioRedaction,
    DetectedPii,
    PiiRedaction,
    PiiSpan,
)
from angel_intelligence.domain.transcript import Segment, Transcript, Word
from angel_intelligence.pii.audio_rules import audio_rules
from angel_intelligence.pii.detector import PiiDetector
from angel_intelligence.pii.joining import detection_view
from angel_intelligence.pii.policy import PiiPolicy
from angel_intelligence.pii.stream import CallStream, Layout
from angel_intelligence.pii.timing import (
    CharSpan,
    Piece,
    align_words,
    carrying_words,
    is_reliable,
    merge,
    padded,
    piece_interval,
    reach_neighbours,
)

Replacement = tuple[int, int, str]  # characters [start, end) of a text → new text


def redact_text(text: str, spans: Sequence[PiiSpan]) -> str:
    """`text` with every span replaced by its placeholder."""
    return rewrite(text, [(s.start_char, s.end_char, s.redacted) for s in spans])


def rewrite(text: str, replacements: Sequence[Replacement]) -> str:
    """`text` with non-overlapping character ranges replaced."""
    out, cursor = [], 0
    for start, end, new in sorted(replacements):
        out.append(text[cursor:start])
        out.append(new)
        cursor = max(cursor, end)
    out.append(text[cursor:])
    return "".join(out)


def redact_transcript(
    transcript: Transcript, detector: PiiDetector, policy: PiiPolicy | None = None
) -> PiiRedaction:
    """Detect PII in a transcript and produce what is stored, shown and bleeped."""
    policy = policy or PiiPolicy()
    stream = CallStream.of(transcript)
    layout = stream.layout
    # Fillers and back-channels inside a value are blanked, so it is read as one (joining.py).
    view = detection_view(layout.text)
    spans = [s for s in detector.detect(view) if s.confidence >= policy.min_confidence]
    found = [_Found(span, AudioReason.FINDING, "detector") for span in spans]
    rules = audio_rules(stream, spans, policy) if policy.question_windows else None
    if rules is not None:
        found += [_Found(r.span, AudioReason.DIGIT_RUN, f"digit_run:{r.rule}") for r in rules.runs]
        found.sort(key=lambda f: f.span.start_char)
    alignments = [align_words(s.text, s.words) for s in transcript.segments]
    duration_s = stream.duration_s
    timed_words = [
        ((index, k), word)
        for index, segment in enumerate(transcript.segments)
        for k, word in enumerate(segment.words)
        if is_reliable(word, segment)
    ]

    stored: dict[int, list[_Change]] = defaultdict(list)
    shown: dict[int, list[_Change]] = defaultdict(list)
    detected, redactions = [], []
    for item in found:
        span = item.span
        pieces = layout.pieces(span)
        if not pieces:
            continue
        times = [
            piece_interval(transcript.segments[p.segment], alignments[p.segment], p) for p in pieces
        ]
        carriers = {
            (p.segment, k) for p in pieces for k in carrying_words(alignments[p.segment], p)
        }
        others = [w for key, w in timed_words if key not in carriers]
        said_during = TimeInterval(min(t.start_s for t in times), max(t.end_s for t in times))
        interval = padded(reach_neighbours(said_during, others), policy.audio_padding_s, duration_s)
        redactions.append(
            AudioRedaction(interval.start_s, interval.end_s, item.reason, span.type, item.rule)
        )
        said = " ".join(layout.text[span.start_char : span.end_char].split())
        detected.append(
            DetectedPii(
                type=span.type,
                original=policy.original(span, said),
                start_s=interval.start_s,
                end_s=interval.end_s,
                confidence=span.confidence,
            )
        )
        masked = policy.stored_replacement(span)
        for piece, time in zip(pieces, times, strict=True):
            if not _spoken(view, layout, piece):
                continue  # only blanked words there (the other party's "mm-hm"): left as said
            shown[piece.segment].append(_Change(piece, span.redacted, time))
            if masked is not None:
                stored[piece.segment].append(_Change(piece, masked, time))

    if rules is not None:
        redactions += rules.redactions(policy, duration_s)
    redactions.sort(key=lambda r: (r.start_s, r.end_s))
    return PiiRedaction(
        stored=_apply(transcript, alignments, stored),
        redacted=_apply(transcript, alignments, shown),
        detected=tuple(detected),
        audio_intervals=merge([r.interval for r in redactions]),
        audio_redactions=tuple(redactions),
    )


@dataclass(frozen=True, slots=True)
class _Found:
    span: PiiSpan
    reason: AudioReason
    rule: str


def _spoken(view: str, layout: Layout, piece: Piece) -> bool:
    """Whether the piece has characters of the value in it (not only blanked fillers)."""
    offset = layout.offsets[piece.segment] - layout.leads[piece.segment]
    return any(ch.isalnum() for ch in view[offset + piece.start : offset + piece.end])


@dataclass(frozen=True, slots=True)
class _Change:
    piece: Piece
    new: str
    time: TimeInterval  # when the piece was said (unpadded)

    @property
    def replacement(self) -> Replacement:
        return (self.piece.start, self.piece.end, self.new)


def _apply(
    transcript: Transcript,
    alignments: list[list[CharSpan | None]],
    changes: dict[int, list[_Change]],
) -> Transcript:
    segments = []
    for index, segment in enumerate(transcript.segments):
        mine = sorted(changes.get(index, ()), key=lambda c: c.piece.start)
        if not mine:
            segments.append(segment)
            continue
        segments.append(
            replace(
                segment,
                text=rewrite(segment.text, [c.replacement for c in mine]),
                words=_rewrite_words(segment, alignments[index], mine),
            )
        )
    return transcript.with_segments(tuple(segments))


def _rewrite_words(
    segment: Segment, alignment: Sequence[CharSpan | None], changes: list[_Change]
) -> tuple[Word, ...]:
    """Words of a segment with each finding's words merged into one carrying the new text.

    Words matched to a finding's characters (and any unmatched word between them) become one
    word. A word that cannot be matched to the text but was said during a finding is replaced
    too, since it may be the finding written differently: failing closed.
    """
    words = segment.words
    group_of: dict[int, int] = {}  # word index → group id
    groups: dict[int, set[int]] = {}
    for number, change in enumerate(changes):
        start, end = change.piece.start, change.piece.end
        hits = [
            k
            for k, span in enumerate(alignment)
            if span is not None and span[0] < end and span[1] > start
        ]
        if not hits:
            continue
        members = set(range(min(hits), max(hits) + 1))
        for other in {group_of[k] for k in members if k in group_of}:
            members |= groups.pop(other)
        groups[number] = members
        for k in members:
            group_of[k] = number

    out: list[Word] = []
    for k, word in enumerate(words):
        if k in group_of:
            ordered = sorted(groups[group_of[k]])
            if k == ordered[0]:
                out.append(_merged(segment.text, words, alignment, ordered, changes))
            continue
        if alignment[k] is None:
            during = next((c for c in changes if _overlaps(word, c.time)), None)
            if during is not None:
                out.append(replace(word, text=_lead(word.text) + during.new))
                continue
        out.append(word)
    return tuple(out)


def _merged(
    text: str,
    words: Sequence[Word],
    alignment: Sequence[CharSpan | None],
    members: list[int],
    changes: list[_Change],
) -> Word:
    spans = [span for k in members if (span := alignment[k]) is not None]
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    inner = [
        (max(c.piece.start, start) - start, min(c.piece.end, end) - start, c.new)
        for c in changes
        if c.piece.start < end and c.piece.end > start
    ]
    return Word(
        text=_lead(words[members[0]].text) + rewrite(text[start:end], inner),
        start_s=min(words[k].start_s for k in members),
        end_s=max(words[k].end_s for k in members),
        confidence=min(words[k].confidence for k in members),
        interpolated=any(words[k].interpolated for k in members),
    )


def _overlaps(word: Word, interval: TimeInterval) -> bool:
    return word.start_s <= interval.end_s and word.end_s >= interval.start_s


def _lead(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]
