"""The hard synthetic call set: halves by hash, casts from their own half, speech and music."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from angel_intelligence.testing.hard_calls import (
    AGENT_VOICES,
    HARD_VOICES,
    SPLITS,
    SUPPORTER_VOICES,
    alike_calls,
    enrolled_agents,
    hard_calls,
    pair_calls,
    split_of,
    voices_in,
)
from angel_intelligence.testing.hold_music import hold_music
from angel_intelligence.testing.speech import ScriptedTurn, ScriptedWord, SyntheticCall


def test_each_half_has_as_many_calls_cast_only_from_its_own_voices() -> None:
    calls = hard_calls(10)
    assert Counter(c.split for c in calls) == dict.fromkeys(SPLITS, 10)
    for call in calls:
        assert split_of(call.name) == call.split
        voices = {line.voice for line in call.lines}
        assert voices == {*call.agents, call.supporter}
        assert all(split_of(v) == call.split for v in voices)
        assert voices <= set(HARD_VOICES)


def test_the_set_has_what_real_calls_have() -> None:
    calls = hard_calls(10)
    lines = [line for call in calls for line in call.lines]
    assert any(line.pause_before_s < 0 for line in lines)  # crosstalk and back-channels
    assert any(line.hold_music_s > 0 for line in lines)
    assert any(len(call.agents) == 2 for call in calls)  # transfers
    assert any(call.lines[0].voice == call.supporter for call in calls)  # supporter first
    assert {c.snr_db for c in calls} >= {12.0, None}


def test_every_half_has_enrolled_and_unenrolled_agents_and_new_voices() -> None:
    for split in SPLITS:
        agents = [a for a in AGENT_VOICES if split_of(a) == split]
        assert 0 < len(set(agents) & enrolled_agents()) < len(agents)
        assert sum(split_of(s) == split for s in SUPPORTER_VOICES) >= 3
    assert not set(HARD_VOICES) & {"agent_a", "agent_b", "agent_c", "supporter_a", "supporter_b"}


def test_hold_music_is_deterministic_and_at_the_asked_level() -> None:
    tune = hold_music(3.0, 8000, seed=1, level_rms=0.05)
    assert len(tune) == 24000
    assert float(np.sqrt(np.mean(tune**2))) == pytest.approx(0.05, rel=1e-3)
    assert np.array_equal(tune, hold_music(3.0, 8000, seed=1, level_rms=0.05))


def test_true_speech_joins_words_across_short_pauses_only() -> None:
    words = (
        ScriptedWord("Hello", 1.0, 1.4, "a"),
        ScriptedWord("there.", 1.5, 1.9, "a"),  # 0.1 s pause: one stretch of speech
        ScriptedWord("Thanks.", 2.6, 3.0, "a"),  # 0.7 s pause: a new one
    )
    call = SyntheticCall(
        Path("x.gsm"), Path("x.wav"), 4.0, (ScriptedTurn("a", "…", 1.0, 3.0, words),)
    )
    assert [(t.start_s, t.end_s) for t in call.speech_turns()] == [(1.0, 1.9), (2.6, 3.0)]


def test_pair_calls_cast_every_agent_with_every_supporter_of_the_half_once() -> None:
    for split in SPLITS:
        calls = pair_calls(split)
        pairs = [(c.agents, c.supporter) for c in calls]
        agents, supporters = voices_in(split, AGENT_VOICES), voices_in(split, SUPPORTER_VOICES)
        assert sorted(pairs) == sorted(((a,), s) for a in agents for s in supporters)
        assert all(c.split == split and split_of(c.supporter) == split for c in calls)


def test_alike_calls_are_tuning_agents_with_a_supporter_made_from_their_voice() -> None:
    calls = alike_calls()
    assert {c.agents[0] for c in calls} == set(voices_in("tuning", AGENT_VOICES))
    for call in calls:
        assert call.split == "tuning" and split_of(call.agents[0]) == "tuning"
        agent, supporter = HARD_VOICES[call.agents[0]], HARD_VOICES[call.supporter]
        assert supporter.espeak_voice == agent.espeak_voice and supporter != agent
