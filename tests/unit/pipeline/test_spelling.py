"""Transcripts in British spelling, word timings untouched."""

from __future__ import annotations

from angel_intelligence.domain.transcript import Segment, Transcript, Word
from angel_intelligence.pipeline.spelling import british_transcript


def transcript(*texts: str) -> Transcript:
    words = tuple(Word(f" {t}", i * 0.5, i * 0.5 + 0.4, 0.9) for i, t in enumerate(texts))
    return Transcript((Segment(" " + " ".join(texts), 0.0, len(texts) * 0.5, words),))


def test_when_whisper_writes_us_spellings_then_text_and_words_are_british() -> None:
    out = british_transcript(transcript("I", "love", "the", "color", "of", "your", "program."))
    segment = out.segments[0]
    assert segment.text == " I love the colour of your programme."
    assert [w.text for w in segment.words][3] == " colour"
    assert [w.text for w in segment.words][-1] == " programme."


def test_when_words_change_then_their_times_and_confidences_do_not() -> None:
    before = transcript("We", "organized", "a", "center")
    after = british_transcript(before)
    assert [w.text.strip() for w in after.segments[0].words] == ["We", "organised", "a", "centre"]
    for old, new in zip(before.segments[0].words, after.segments[0].words, strict=True):
        assert (old.start_s, old.end_s, old.confidence) == (new.start_s, new.end_s, new.confidence)


def test_when_context_decides_then_the_words_see_their_neighbours() -> None:
    words = british_transcript(transcript("the", "gas", "meter", "reads", "5", "meter")).segments[0]
    assert [w.text.strip() for w in words.words] == ["the", "gas", "meter", "reads", "5", "metre"]


def test_when_nothing_is_american_then_the_transcript_is_unchanged() -> None:
    before = transcript("Thank", "you", "for", "calling")
    assert british_transcript(before) == before
