"""Windows: speech merged up to a length; the decision to decode a batched window again."""

from __future__ import annotations

import hashlib

import pytest

from angel_intelligence.backends.asr.windows import (
    RedecodePolicy,
    Window,
    WindowResult,
    badness,
    is_silence,
    longest_unheard_s,
    plan_windows,
    redecode_reason,
)

WINDOW = Window(10.0, 20.0, ((10.5, 19.5),))
SPEECH = ("thank", "you", "for", "calling", "the", "Hope", "Foundation", "how", "can", "I", "help")
# 60 different words that do not compress: more than 5 a second of speech, and no loop
MANY = tuple(hashlib.sha256(str(k).encode()).hexdigest()[:6] for k in range(60))
PHRASE = ("could", "I", "take", "the", "long", "card", "number", "from", "you")  # 9 words: no loop


def result(
    words: tuple[str, ...] = SPEECH,
    *,
    avg_logprob: float = -0.3,
    no_speech_prob: float = 0.01,
    last_word_end_s: float | None = 19.5,
    window: Window = WINDOW,
) -> WindowResult:
    return WindowResult(window, words, avg_logprob, no_speech_prob, last_word_end_s)


def test_when_spans_fit_then_they_share_a_window_with_their_pauses() -> None:
    windows = plan_windows([(0.0, 4.0), (5.0, 9.0), (10.0, 29.0), (31.0, 40.0)], 30.0)
    assert windows == [
        Window(0.0, 29.0, ((0.0, 4.0), (5.0, 9.0), (10.0, 29.0))),
        Window(31.0, 40.0, ((31.0, 40.0),)),
    ]


def test_when_a_span_is_longer_than_the_limit_then_it_is_a_window_of_its_own() -> None:
    windows = plan_windows([(0.0, 2.0), (3.0, 40.0)], 30.0)
    assert [(w.start_s, w.end_s) for w in windows] == [(0.0, 2.0), (3.0, 40.0)]
    assert windows[1].duration_s == pytest.approx(37.0)


def test_when_there_is_no_speech_then_there_are_no_windows() -> None:
    assert plan_windows([], 30.0) == []


def test_when_the_result_is_good_then_it_stands() -> None:
    assert redecode_reason(result()) is None


CASES = {
    "loop": result(("it's", *("8,",) * 12)),
    "compression": result(PHRASE * 4),
    "words_per_s": result(MANY),
    "log_prob": result(avg_logprob=-1.4),
    "unheard": WindowResult(WINDOW, SPEECH, -0.3, 0.01, 19.5, longest_unheard_s=6.0),
    "few_words": result(SPEECH[:8]),
    "truncated": result(last_word_end_s=13.0),
}


@pytest.mark.parametrize(("reason", "bad"), CASES.items(), ids=CASES.keys())
def test_when_a_check_fails_then_the_window_is_decoded_again(
    reason: str, bad: WindowResult
) -> None:
    assert redecode_reason(bad) == reason


def test_when_a_long_window_has_no_words_then_it_was_truncated() -> None:
    assert redecode_reason(result((), last_word_end_s=None)) == "truncated"


def test_when_whisper_judges_silence_then_it_is_dropped_not_decoded_again() -> None:
    silent = result(("you",), avg_logprob=-1.5, no_speech_prob=0.9)
    assert is_silence(silent, RedecodePolicy())
    assert redecode_reason(silent) is None


def test_when_unsure_but_speech_is_likely_then_it_is_not_silence() -> None:
    assert not is_silence(result(avg_logprob=-1.5, no_speech_prob=0.2), RedecodePolicy())


def test_badness_prefers_the_decode_with_fewer_loop_words() -> None:
    looping = result(("it's", *("8,",) * 12))
    redecoded = result(("it's", "8,", "8,", "1,", "2"), avg_logprob=-1.2)
    assert badness(looping) == 11 + 1
    assert badness(redecoded) == 1
    assert badness(result()) == 0


def test_when_the_policy_allows_faster_speech_then_more_words_pass() -> None:
    many = result(MANY)
    assert redecode_reason(many, RedecodePolicy(words_per_s_max=8.0)) is None


def test_when_a_window_is_split_then_its_speech_makes_shorter_windows() -> None:
    window = plan_windows([(0.0, 4.0), (5.0, 9.0), (10.0, 14.0), (20.0, 29.0)], 30.0)[0]
    assert window.speech_s == pytest.approx(21.0)
    pieces = window.split(10.0)
    assert [(p.start_s, p.end_s) for p in pieces] == [(0.0, 9.0), (10.0, 14.0), (20.0, 29.0)]
    assert sum(p.speech_s for p in pieces) == pytest.approx(window.speech_s)


def test_when_words_skip_a_sentence_then_the_speech_without_words_is_measured() -> None:
    spans = [(0.0, 10.0), (12.0, 20.0)]
    words = [(0.2, 0.6), (0.7, 2.0), (8.0, 9.5), (12.5, 19.0)]
    assert longest_unheard_s(spans, words) == pytest.approx(5.0)  # 2.5 to 7.5, with slack
    assert longest_unheard_s(spans, [*words, (4.0, 6.0)]) == pytest.approx(1.0)
    assert longest_unheard_s(spans, []) == pytest.approx(10.0)
