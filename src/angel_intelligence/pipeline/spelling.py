"""Transcripts in British spelling (the spec: "all outputs including transcripts").

Whisper writes American spellings ("color", "organize", "program"); the contact centre reads
British ones. Each segment's words are converted together, so the context rules of
`language/british.py` (a meter after a number, practice as a verb, a capitalised name kept)
see their neighbours, and each word keeps its own time and confidence: only the letters
change, never the timing the transcript "karaoke" plays from. The segment's text is converted
the same way, so the two agree.
"""

from __future__ import annotations

from dataclasses import replace

from angel_intelligence.domain.transcript import Segment, Transcript, Word
from angel_intelligence.language.british import british_spelling


def british_transcript(transcript: Transcript) -> Transcript:
    """`transcript` with every segment's text and words in British spelling."""
    return transcript.with_segments(tuple(_segment(s) for s in transcript.segments))


def _segment(segment: Segment) -> Segment:
    text = british_spelling(segment.text)
    words = _words(segment.words)
    if text == segment.text and words == segment.words:
        return segment
    return replace(segment, text=text, words=words)


def _words(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """The words converted in context; one at a time if the spelling table ever changed the
    number of tokens (it maps one word to one word, so it should not)."""
    if not words:
        return words
    tokens = [w.text.strip() for w in words]
    converted = british_spelling(" ".join(tokens)).split(" ")
    if len(converted) != len(tokens):
        converted = [british_spelling(token) for token in tokens]
    return tuple(
        w if new == old else replace(w, text=w.text.replace(old, new, 1))
        for w, old, new in zip(words, tokens, converted, strict=True)
    )
