"""Repetition loops: found where Whisper loops, not where people repeat themselves; cut to one."""

from __future__ import annotations

import pytest

from angel_intelligence.backends.asr.loops import (
    LoopPolicy,
    compression_ratio,
    cut_loops,
    find_loop,
    word_key,
)


def said(text: str) -> list[str]:
    return text.split()


LOOPS = {
    "one digit": "So it's 6, 7, 7, 6, 4, 6, 8, 8, 8, 8, 8, 8, 8, 8, 8",
    "a dash token": "the number is -N -N -N -N -N -N",
    "a group of words": "you can click on the OK F -level, OK F -level, OK F -level",
    "a shape with changing digits": "It's 4 '5\", 3 '5\", 1 '0\", 2 '7\" okay",
    "digits behind dots": "Yes. It is 4 .5. 3 .5. 1 .4 .8. 8 .8. 3. 6 .4 .6. 10 .1. Thank you.",
    "a phrase": "thank you for your support thank you for your support thank you for your support",
}

NOT_LOOPS = {
    "four of one digit in a card number": "four five eight eight eight eight one two",
    "digits as numbers": "8 8 8 8 then 1 2",
    "doubles": "double eight double eight double three",
    "grouped card number": "4539, 1488, 0343, 6467",
    "digits with full stops": "It is 4. 5. 3. 9. 1. 4. 8. 8.",
    "a phone number with a dash": "07911-123456 or 07911-654321",
    "a repeated phrase, twice": "thank you, thank you. Goodbye, goodbye.",
    "ordinary speech": "Good afternoon, thank you for calling the Hope Foundation. How can I help?",
    "empty": "",
}


@pytest.mark.parametrize("text", LOOPS.values(), ids=LOOPS.keys())
def test_when_whisper_loops_then_a_loop_is_found(text: str) -> None:
    assert find_loop(text.split()) is not None


@pytest.mark.parametrize("text", NOT_LOOPS.values(), ids=NOT_LOOPS.keys())
def test_when_people_repeat_themselves_then_no_loop_is_found(text: str) -> None:
    assert find_loop(text.split()) is None


def test_when_a_loop_is_found_then_it_spans_the_whole_run() -> None:
    words = said("I'm M 56 8, 8, 8, 8, 8, 8, 8 thanks")
    loop = find_loop(words)
    assert loop is not None
    assert (loop.start, loop.group, loop.repeats, loop.end) == (3, ("8",), 7, 10)
    assert loop.extra_words == 6


def test_when_two_loops_compete_then_the_one_inserting_more_words_wins() -> None:
    words = ("a b a b a b " + "x " * 9).split()
    loop = find_loop(words)
    assert loop is not None and loop.group == ("x",)


def test_when_the_policy_is_stricter_then_shorter_runs_pass() -> None:
    words = said("8 8 8 8 8")
    assert find_loop(words) is not None
    assert find_loop(words, LoopPolicy(word_repeats=6)) is None


def test_when_loops_are_cut_then_one_occurrence_of_each_stays() -> None:
    words = said("so OK F level OK F level OK F level and 8 8 8 8 8 8 bye")
    kept = cut_loops(words)
    assert [words[k] for k in kept] == said("so OK F level and 8 bye")


def test_when_there_is_no_loop_then_cutting_keeps_every_word() -> None:
    words = NOT_LOOPS["grouped card number"].split()
    assert cut_loops(words) == list(range(len(words)))


def test_word_keys_ignore_case_and_outer_punctuation() -> None:
    assert word_key(" Eight,") == word_key("eight.") == "eight"
    assert word_key("'5\",") == "'5\""


def test_compression_ratio_is_high_for_loops_and_low_for_speech() -> None:
    assert compression_ratio("8, " * 60) > 2.4
    assert compression_ratio(NOT_LOOPS["ordinary speech"]) < 2.4
    assert compression_ratio("") == 0.0
