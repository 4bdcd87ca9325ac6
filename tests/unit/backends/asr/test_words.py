"""Word times: Whisper's kept when usable, interpolated (and flagged) when not."""

from __future__ import annotations

import itertools
import math

import pytest

from angel_intelligence.backends.asr.words import MIN_WORD_S, RawWord, spoken_units, usable_words


def words(*items: tuple[str, float | None, float | None]) -> list[RawWord]:
    return [RawWord(text, start, end, 0.9) for text, start, end in items]


def check_monotonic(result: list) -> None:
    for word in result:
        assert word.end_s > word.start_s
    for a, b in itertools.pairwise(result):
        assert b.start_s >= a.start_s


def test_when_every_time_is_usable_then_nothing_changes() -> None:
    raw = words(("Hello", 0.0, 0.4), ("there", 0.5, 0.9))
    result = usable_words(raw, segment_start_s=0.0, segment_end_s=1.0, audio_duration_s=5.0)
    assert [(w.text, w.start_s, w.end_s, w.interpolated) for w in result] == [
        ("Hello", 0.0, 0.4, False),
        ("there", 0.5, 0.9, False),
    ]


def test_when_a_number_has_zero_length_then_it_fills_the_gap_between_its_neighbours() -> None:
    raw = words(("card", 1.0, 1.4), ("4111", 1.5, 1.5), ("please", 3.0, 3.4))
    result = usable_words(raw, segment_start_s=1.0, segment_end_s=3.4, audio_duration_s=10.0)
    number = result[1]
    assert number.interpolated and not result[0].interpolated and not result[2].interpolated
    assert (number.start_s, number.end_s) == (1.4, 3.0)
    check_monotonic(result)


def test_when_several_words_are_unusable_then_the_gap_is_shared_by_spoken_length() -> None:
    raw = words(
        ("is", 0.0, 0.2), ("4111", math.nan, math.nan), ("and", None, None), ("then", 1.4, 1.6)
    )
    result = usable_words(raw, segment_start_s=0.0, segment_end_s=1.6, audio_duration_s=2.0)
    four_digits, conjunction = result[1], result[2]
    assert spoken_units("4111") == 4 and spoken_units("and") == 1
    assert four_digits.start_s == pytest.approx(0.2)
    assert four_digits.end_s - four_digits.start_s == pytest.approx(
        4 * (conjunction.end_s - conjunction.start_s)
    )
    assert conjunction.end_s == pytest.approx(1.4)
    check_monotonic(result)


@pytest.mark.parametrize(
    ("case", "bad"),
    [
        ("time going backwards", ("two", 0.1, 0.3)),
        ("end before start", ("two", 0.9, 0.8)),
        ("outside the segment", ("two", 7.0, 7.5)),
        ("past the end of the audio", ("two", 0.8, 12.0)),
    ],
)
def test_when_times_are_implausible_then_the_word_is_interpolated(
    case: str, bad: tuple[str, float, float]
) -> None:
    raw = words(("one", 0.2, 0.6), bad, ("three", 1.2, 1.5))
    result = usable_words(raw, segment_start_s=0.2, segment_end_s=1.5, audio_duration_s=10.0)
    assert [w.interpolated for w in result] == [False, True, False], case
    assert 0.6 <= result[1].start_s < result[1].end_s <= 1.2
    check_monotonic(result)


def test_when_the_gap_is_too_short_then_the_span_is_widened_not_collapsed() -> None:
    raw = words(("one", 0.0, 1.0), ("4111", 1.0, 1.0), ("three", 1.0, 1.5))
    result = usable_words(raw, segment_start_s=0.0, segment_end_s=1.5, audio_duration_s=3.0)
    assert result[1].interpolated
    assert result[1].end_s - result[1].start_s == pytest.approx(MIN_WORD_S)
    check_monotonic(result)


def test_when_the_last_words_have_no_times_then_they_run_to_the_segment_end() -> None:
    raw = words(("thank", 5.0, 5.3), ("you", None, None))
    result = usable_words(raw, segment_start_s=5.0, segment_end_s=6.0, audio_duration_s=6.5)
    assert result[1].interpolated
    assert (result[1].start_s, result[1].end_s) == (5.3, 6.0)


def test_when_a_segment_has_no_times_at_all_then_words_spread_over_it_inside_the_audio() -> None:
    raw = words(("oh", None, None), ("seven", None, None), ("nine", None, None))
    result = usable_words(raw, segment_start_s=4.0, segment_end_s=5.0, audio_duration_s=4.8)
    assert all(w.interpolated for w in result)
    assert result[0].start_s == pytest.approx(4.0)
    assert result[-1].end_s == pytest.approx(4.8)
    check_monotonic(result)
