"""speaker_metrics on constructed timings: talk time, interruptions, pace, silence."""

from __future__ import annotations

import pytest

from angel_intelligence.domain.speakers import SpeakerRole
from angel_intelligence.domain.transcript import Segment, Word
from angel_intelligence.pipeline.speaker_metrics import speaker_metrics

AGENT, SUPPORTER, UNKNOWN = SpeakerRole.AGENT, SpeakerRole.SUPPORTER, SpeakerRole.AGENT_UNKNOWN


def seg(role: SpeakerRole, start: float, end: float, text: str, speaker_id: str = "") -> Segment:
    """A segment whose words are spread evenly over [start, end]."""
    tokens = text.split()
    step = (end - start) / len(tokens)
    words = tuple(
        Word(t, start + i * step, start + (i + 1) * step, 0.9) for i, t in enumerate(tokens)
    )
    default_id = {AGENT: "agent_1", SUPPORTER: "supporter", UNKNOWN: "agent_unknown"}[role]
    return Segment(text, start, end, words, 0.9, role, speaker_id or default_id, 0.9)


def ten(text: str = "w") -> str:
    return " ".join([text] * 10) + "."


def test_talk_time_pace_and_silence_on_a_plain_exchange() -> None:
    # lead-in 1 s (agent's), agent 1-6, gap 2 s (supporter answers), supporter 8-12, tail 3 s
    segments = [seg(AGENT, 1, 6, ten()), seg(SUPPORTER, 8, 12, ten())]
    metrics = speaker_metrics(segments, duration_s=15)
    assert metrics["agent"] == {
        "talk_time_seconds": 5.0,
        "interruptions": 0,
        "average_pace_wpm": 120.0,  # 10 words in 5 s
        "silence_percentage": pytest.approx(100 * 1 / 6, abs=0.05),
    }
    assert metrics["supporter"]["talk_time_seconds"] == 4.0
    assert metrics["supporter"]["average_pace_wpm"] == 150.0
    # the 2 s gap and the 3 s tail are the supporter's: 5 of 9 s of floor
    assert metrics["supporter"]["silence_percentage"] == pytest.approx(100 * 5 / 9, abs=0.05)
    assert "by_speaker" not in metrics


def test_floors_add_up_to_the_call() -> None:
    segments = [
        seg(AGENT, 0.5, 3, ten()),
        seg(AGENT, 4, 6, ten()),  # a 1 s pause inside the agent's run: the agent's silence
        seg(SUPPORTER, 7, 9, ten()),
        seg(AGENT, 9.5, 12, ten()),
    ]
    metrics = speaker_metrics(segments, duration_s=13)
    floors = 0.0
    for role in ("agent", "supporter"):
        talk = metrics[role]["talk_time_seconds"]
        share = metrics[role]["silence_percentage"] / 100
        floors += talk / (1 - share)
    assert floors == pytest.approx(13, abs=0.1)
    # agent silence: lead-in 0.5 + pause 1 + gap before their answer 0.5 + tail 1 = 3 s
    assert metrics["agent"]["silence_percentage"] == pytest.approx(100 * 3 / 10, abs=0.05)


def test_overlapping_starts_are_interruptions_of_the_one_who_starts() -> None:
    segments = [
        seg(AGENT, 0, 5, ten()),
        seg(SUPPORTER, 4.0, 7, ten()),  # starts 1 s before the agent stops: overlap
        seg(AGENT, 7.5, 10, ten()),
        seg(SUPPORTER, 9.95, 12, ten()),  # 0.05 s overlap: too small to count, and "." ended
    ]
    metrics = speaker_metrics(segments, duration_s=12)
    assert metrics["supporter"]["interruptions"] == 1
    assert metrics["agent"]["interruptions"] == 0


def test_cut_ins_on_unfinished_sentences_count_and_answers_do_not() -> None:
    segments = [
        seg(SUPPORTER, 0, 3, "I was wondering whether you could"),  # unfinished
        seg(AGENT, 3.1, 6, "Yes of course I can help."),  # cut in 0.1 s later: interruption
        seg(SUPPORTER, 6.2, 8, "Thank you."),  # answered a finished sentence: not one
        seg(AGENT, 9.5, 11, "Anything else"),
        seg(SUPPORTER, 11.8, 13, "No."),  # 0.8 s after an unfinished sentence: not a cut-in
    ]
    metrics = speaker_metrics(segments, duration_s=13)
    assert metrics["agent"]["interruptions"] == 1
    assert metrics["supporter"]["interruptions"] == 0


def test_talk_time_counts_overlapping_segments_of_one_role_once() -> None:
    segments = [seg(AGENT, 0, 4, ten()), seg(AGENT, 3, 6, ten())]
    assert speaker_metrics(segments, duration_s=6)["agent"]["talk_time_seconds"] == 6.0


def test_transfers_give_per_agent_figures_and_one_agent_total() -> None:
    segments = [
        seg(AGENT, 0, 4, ten(), "agent_7"),
        seg(SUPPORTER, 5, 7, ten()),
        seg(UNKNOWN, 10, 16, ten()),
        seg(SUPPORTER, 17, 19, ten()),
    ]
    metrics = speaker_metrics(segments, duration_s=20)
    assert metrics["agent"]["talk_time_seconds"] == 10.0
    assert set(metrics["by_speaker"]) == {"agent_7", "agent_unknown"}
    assert metrics["by_speaker"]["agent_unknown"]["talk_time_seconds"] == 6.0


def test_a_call_with_no_labelled_speech_has_zero_metrics() -> None:
    metrics = speaker_metrics([], duration_s=30)
    assert metrics["agent"] == {
        "talk_time_seconds": 0.0,
        "interruptions": 0,
        "average_pace_wpm": 0.0,
        "silence_percentage": 0.0,
    }
