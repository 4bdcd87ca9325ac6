"""Roles from fingerprints and cues, segment splitting, handovers and the enrolment guard."""

from __future__ import annotations

import numpy as np
import pytest

from angel_intelligence.domain.speakers import (
    Diarization,
    SpeakerRole,
    SpeakerTurn,
    VoiceFingerprint,
)
from angel_intelligence.domain.transcript import Segment, Transcript, Word
from angel_intelligence.pipeline.speaker_cues import cue_score, mentions_organisation
from angel_intelligence.pipeline.speaker_roles import (
    NearestMatchOptions,
    SpeakerEvidence,
    identify_speakers,
)
from angel_intelligence.pipeline.speakers import (
    SpeakerOptions,
    label_speakers,
    split_by_speaker,
)

ORG = ("Hope Foundation",)
AGENT_TEXT = (
    "Good morning, thank you for calling the Hope Foundation, my name is Sarah. "
    "Could I take your full name and your postcode please?"
)
SUPPORTER_TEXT = "Hello, I would like to change my monthly donation please."


def unit(seed: int, dimension: int = 32) -> tuple[float, ...]:
    vector = np.random.default_rng(seed).random(dimension)
    return tuple(float(x) for x in vector / np.linalg.norm(vector))


def near(vector: tuple[float, ...], seed: int, noise: float = 0.05) -> tuple[float, ...]:
    v = np.array(vector) + noise * np.random.default_rng(seed).standard_normal(len(vector))
    v = np.abs(v)
    return tuple(float(x) for x in v / np.linalg.norm(v))


def evidence(speaker: str, text: str, talk_s: float, first_s: float, emb=None) -> SpeakerEvidence:
    return SpeakerEvidence(speaker, text, talk_s, first_s, emb)


# --- cues ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heard", "matches"),
    [
        ("thank you for calling the hope foundation", True),
        ("and you for calling the pope foundation", True),  # Whisper mishears names
        ("thanks for calling hope foundations", True),
        ("i found a hopeful station", False),
        ("thank you for calling", False),
    ],
)
def test_organisation_names_match_loosely(heard: str, matches: bool) -> None:
    assert mentions_organisation(heard, ORG) is matches


@pytest.mark.parametrize(
    ("said", "greets"),
    [
        ("Good afternoon, thank you for calling Hope Foundation.", True),
        ("Hello, this is Mark in the legacy team.", True),
        ("Hi, I'm Priya from Riverside Animal Rescue.", True),
        ("My name is Sarah at the supporter care team.", True),
        ("I'm here in my will, I've left you something.", False),  # a caller, not a greeting
        ("I'm out with the dog at the moment.", False),
        ("I'm still at work, can you ring back?", False),
        ("I am interested in a gift in my will.", False),
    ],
)
def test_a_greeting_is_an_agent_introducing_themselves_not_a_caller_saying_where_they_are(
    said: str, greets: bool
) -> None:
    score = cue_score(said, talk_share=0.5, speaker_count=2, organisation_names=())
    assert ("greeting" in score.reasons) is greets


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ("Hi. I'd like to talk to someone about leaving a gift in my will.", "supporter phrases"),
        ("Could I speak to somebody regarding my direct debit?", "supporter phrases"),
        ("That's fine. Should I take your name and post code?", "asks for details"),
        ("Shall I take the card number now?", "asks for details"),
    ],
)
def test_common_caller_requests_and_agent_questions_are_cues(said: str, reason: str) -> None:
    score = cue_score(said, talk_share=0.5, speaker_count=2, organisation_names=())
    assert any(r.startswith(reason) for r in score.reasons)


def test_agent_text_scores_above_supporter_text() -> None:
    agent = cue_score(AGENT_TEXT, talk_share=0.5, speaker_count=2, organisation_names=ORG)
    supporter = cue_score(SUPPORTER_TEXT, talk_share=0.5, speaker_count=2, organisation_names=ORG)
    assert {"greeting", "organisation"} <= set(agent.reasons)
    assert any(r.startswith("asks for details") for r in agent.reasons)
    assert supporter.points < 0 < agent.points


# --- identification -----------------------------------------------------------------------


def test_when_no_fingerprint_matches_then_cues_decide_and_the_call_agent_gets_the_halo_id() -> None:
    identities = identify_speakers(
        [evidence("S0", AGENT_TEXT, 20, 0.5), evidence("S1", SUPPORTER_TEXT, 10, 8)],
        [],
        halo_id=1001,
        organisation_names=ORG,
    )
    agent, supporter = identities
    assert (agent.role, agent.speaker_id, agent.method) == (
        SpeakerRole.AGENT,
        "agent_1001",
        "cues+call",
    )
    assert (supporter.role, supporter.speaker_id) == (SpeakerRole.SUPPORTER, "supporter")
    assert agent.confidence > 0.9 and supporter.confidence > 0.9


def test_when_the_call_has_no_halo_id_then_the_agent_is_agent_unknown() -> None:
    identities = identify_speakers(
        [evidence("S0", SUPPORTER_TEXT, 10, 0.5), evidence("S1", AGENT_TEXT, 20, 3)], []
    )
    roles = {i.speaker: (i.role, i.speaker_id) for i in identities}
    assert roles == {
        "S0": (SpeakerRole.SUPPORTER, "supporter"),
        "S1": (SpeakerRole.AGENT_UNKNOWN, "agent_unknown"),
    }


def test_a_fingerprint_match_beats_the_cues() -> None:
    voice = unit(1)
    fingerprint = VoiceFingerprint(7, "Priya", voice, confidence_threshold=0.85)
    # S1 says the agent's words, but S0 has Priya's voice
    identities = identify_speakers(
        [
            evidence("S0", SUPPORTER_TEXT, 10, 0.5, near(voice, 2)),
            evidence("S1", AGENT_TEXT, 20, 3, unit(3)),
        ],
        [fingerprint],
        organisation_names=ORG,
    )
    by_speaker = {i.speaker: i for i in identities}
    assert by_speaker["S0"].speaker_id == "agent_7"
    assert by_speaker["S0"].method == "fingerprint"
    assert by_speaker["S0"].confidence >= 0.85
    assert by_speaker["S1"].role is SpeakerRole.SUPPORTER  # the only voice left
    assert by_speaker["S1"].method == "elimination"


def test_a_fingerprint_below_its_own_threshold_does_not_match() -> None:
    voice = unit(1)
    similar = near(voice, 2, noise=0.3)
    similarity = float(np.dot(voice, similar))
    strict = VoiceFingerprint(7, "Priya", voice, confidence_threshold=min(0.99, similarity + 0.01))
    identities = identify_speakers(
        [evidence("S0", AGENT_TEXT, 20, 0.5, similar), evidence("S1", SUPPORTER_TEXT, 10, 5)],
        [strict],
    )
    assert identities[0].method != "fingerprint"


def test_one_fingerprint_labels_one_speaker_only() -> None:
    voice = unit(1)
    fingerprint = VoiceFingerprint(7, "Priya", voice)
    identities = identify_speakers(
        [
            evidence("S0", AGENT_TEXT, 20, 0.5, near(voice, 2, 0.02)),
            evidence("S1", SUPPORTER_TEXT, 10, 5, near(voice, 3, 0.04)),
        ],
        [fingerprint],
    )
    assert [i.speaker_id for i in identities].count("agent_7") == 1
    assert any(i.role is SpeakerRole.SUPPORTER for i in identities)


def test_a_transfer_gives_two_agents_and_one_supporter() -> None:
    first, _second = unit(1), unit(2)
    identities = identify_speakers(
        [
            evidence("S0", AGENT_TEXT, 15, 0.5, near(first, 10)),
            evidence("S1", SUPPORTER_TEXT + " I want to ask about a gift in my will.", 12, 6),
            evidence(
                "S2",
                "Hello, this is James from the legacy team at the Hope Foundation. "
                "Could I take your name and date of birth?",
                14,
                20,
                unit(3),
            ),
        ],
        [VoiceFingerprint(5, "Sarah", first)],
        halo_id=5,
        organisation_names=ORG,
    )
    roles = [(i.speaker, i.role, i.speaker_id) for i in identities]
    assert roles == [
        ("S0", SpeakerRole.AGENT, "agent_5"),
        ("S1", SpeakerRole.SUPPORTER, "supporter"),
        ("S2", SpeakerRole.AGENT_UNKNOWN, "agent_unknown"),
    ]


def test_one_speaker_with_no_agent_cues_is_the_supporter() -> None:
    (only,) = identify_speakers([evidence("S0", SUPPORTER_TEXT, 10, 0)], [])
    assert only.role is SpeakerRole.SUPPORTER


# --- segments -----------------------------------------------------------------------------


def timed_segment(text: str, start: float, step: float = 0.5) -> Segment:
    tokens = text.split()
    words = tuple(
        Word(t, start + i * step, start + (i + 1) * step - 0.05, 0.9) for i, t in enumerate(tokens)
    )
    return Segment(text, words[0].start_s, words[-1].end_s, words, 0.9)


def test_segments_are_split_where_the_speaker_changes() -> None:
    # one Whisper segment spans both voices: "How can I help? | I want to donate"
    segment = timed_segment("How can I help? I want to donate", 0.0)
    turns = [SpeakerTurn(0.0, 2.0, "S0"), SpeakerTurn(2.1, 4.0, "S1")]
    pieces = split_by_speaker(Transcript((segment,)), turns)
    assert [(p.text, label) for p, label in pieces] == [
        ("How can I help?", "S0"),
        ("I want to donate", "S1"),
    ]
    assert pieces[1][0].start_s == pytest.approx(2.0)


def test_a_lone_word_flipping_speaker_inside_a_segment_is_smoothed() -> None:
    segment = timed_segment("one two three four five", 0.0)
    turns = [SpeakerTurn(0.0, 0.9, "S0"), SpeakerTurn(0.9, 1.4, "S1"), SpeakerTurn(1.4, 3.0, "S0")]
    pieces = split_by_speaker(Transcript((segment,)), turns)
    assert [label for _, label in pieces] == ["S0"]


def test_words_in_silence_go_to_the_nearest_turn() -> None:
    segment = timed_segment("late words", 10.0)
    pieces = split_by_speaker(
        Transcript((segment,)), [SpeakerTurn(0, 5, "S0"), SpeakerTurn(6, 9, "S1")]
    )
    assert [label for _, label in pieces] == ["S1"]


def two_voice_call(
    agent_voice: tuple[float, ...], supporter_voice: tuple[float, ...], *, agent_s: float = 20.0
) -> tuple[Transcript, Diarization]:
    segments = (
        timed_segment(AGENT_TEXT, 0.5, step=agent_s / len(AGENT_TEXT.split())),
        timed_segment(SUPPORTER_TEXT, agent_s + 1.5),
    )
    turns = (
        SpeakerTurn(0.5, agent_s + 0.5, "S0"),
        SpeakerTurn(agent_s + 1.5, agent_s + 6.5, "S1"),
    )
    transcript = Transcript(segments, duration_s=agent_s + 8)
    return transcript, Diarization(turns, {"S0": agent_voice, "S1": supporter_voice})


def test_label_speakers_sets_every_segment_field_and_finds_no_handover() -> None:
    transcript, diarization = two_voice_call(unit(1), unit(2))
    labelled = label_speakers(transcript, diarization, halo_id=9, options=SpeakerOptions(ORG))
    rows = labelled.transcript.to_segments_json()
    assert [(r["speaker"], r["speaker_id"]) for r in rows] == [
        ("agent", "agent_9"),
        ("supporter", "supporter"),
    ]
    assert all(0.5 <= r["speaker_confidence"] <= 1 for r in rows)
    assert labelled.handovers == ()
    assert labelled.transcript.full_text().startswith("Agent: Good morning")


def test_a_new_agent_voice_after_another_is_a_handover() -> None:
    segments = (
        timed_segment(AGENT_TEXT, 0.0, 0.4),
        timed_segment(SUPPORTER_TEXT, 12.0),
        timed_segment("Hello this is James from the legacy team, could I take your name?", 20.0),
    )
    turns = (SpeakerTurn(0, 11, "S0"), SpeakerTurn(12, 19, "S1"), SpeakerTurn(20, 27, "S2"))
    diarization = Diarization(turns, {"S0": unit(1), "S1": unit(2), "S2": unit(3)})
    labelled = label_speakers(
        Transcript(segments, duration_s=28), diarization, options=SpeakerOptions(ORG)
    )
    (handover,) = labelled.handovers
    assert handover.time_s == pytest.approx(20.0)
    assert (handover.from_speaker_id, handover.to_speaker_id) == (
        "agent_unknown",
        "agent_unknown_2",
    )
    assert labelled.handovers_json() == [
        {"time_s": 20.0, "from": "agent_unknown", "to": "agent_unknown_2"}
    ]


# --- the enrolment guard --------------------------------------------------------------------


def test_a_clearly_identified_call_agent_is_enrolled() -> None:
    transcript, diarization = two_voice_call(unit(1), unit(2))
    labelled = label_speakers(
        transcript, diarization, halo_id=9, agent_name="Sarah", options=SpeakerOptions(ORG)
    )
    (sample,) = labelled.enrolments
    assert (sample.halo_id, sample.agent_name, sample.speaker) == (9, "Sarah", "S0")
    assert sample.embedding == unit(1)


@pytest.mark.parametrize(
    ("case", "overrides", "reason"),
    [
        ("no halo id", {"halo_id": None}, "no halo_id"),
        ("too little speech", {"agent_s": 5.0}, "less than the minimum"),
        ("voices alike", {"supporter_voice": "same"}, "too alike"),
        ("auto-enrolment off", {"auto_enrol": False}, "VOICE_AUTO_ENROL"),
        ("weak identification", {"min_confidence": 1.0}, "confidence"),
    ],
)
def test_the_guard_refuses_doubtful_samples(case: str, overrides: dict, reason: str) -> None:
    agent_voice = unit(1)
    supporter_voice = (
        near(agent_voice, 5, 0.01) if overrides.get("supporter_voice") == "same" else unit(2)
    )
    transcript, diarization = two_voice_call(
        agent_voice, supporter_voice, agent_s=overrides.get("agent_s", 20.0)
    )
    options = SpeakerOptions(
        ORG,
        auto_enrol=overrides.get("auto_enrol", True),
        enrol_min_confidence=overrides.get("min_confidence", 0.75),
    )
    labelled = label_speakers(
        transcript, diarization, halo_id=overrides.get("halo_id", 9), options=options
    )
    assert labelled.enrolments == (), case
    assert any(reason in note for note in labelled.enrolment_notes), labelled.enrolment_notes


def test_the_guard_never_enrols_a_voice_that_another_agent_owns() -> None:
    other_agent = unit(1)
    transcript, diarization = two_voice_call(near(other_agent, 3, 0.01), unit(2))
    # the call says agent 9, but the agent's voice is agent 4's
    labelled = label_speakers(
        transcript,
        diarization,
        [VoiceFingerprint(4, "Tom", other_agent)],
        halo_id=9,
        options=SpeakerOptions(ORG),
    )
    assert labelled.enrolments == ()
    assert labelled.identities[0].speaker_id == "agent_4"


def test_the_guard_never_enrols_when_the_agents_fingerprint_disagrees() -> None:
    transcript, diarization = two_voice_call(unit(1), unit(2))
    labelled = label_speakers(
        transcript,
        diarization,
        [VoiceFingerprint(9, "Sarah", unit(7), confidence_threshold=0.99)],
        halo_id=9,
        options=SpeakerOptions(ORG),
    )
    assert labelled.enrolments == ()
    assert any("did not match" in n for n in labelled.enrolment_notes)


def test_the_guard_refuses_a_transfer_without_fingerprints() -> None:
    segments = (
        timed_segment(AGENT_TEXT, 0.0, 0.6),
        timed_segment(SUPPORTER_TEXT, 18.0),
        timed_segment(
            "Hello this is James from the legacy team, could I take your name and your postcode?",
            25.0,
            0.7,
        ),
    )
    turns = (SpeakerTurn(0, 17, "S0"), SpeakerTurn(18, 24, "S1"), SpeakerTurn(25, 37, "S2"))
    diarization = Diarization(turns, {"S0": unit(1), "S1": unit(2), "S2": unit(3)})
    labelled = label_speakers(
        Transcript(segments, duration_s=38), diarization, halo_id=9, options=SpeakerOptions(ORG)
    )
    assert labelled.enrolments == ()
    assert any("several agent voices" in n for n in labelled.enrolment_notes)


# --- harder calls (issue 14) ----------------------------------------------------------------


def voice(seed: int, dimension: int = 32) -> tuple[float, ...]:
    """A direction of its own: voices from different seeds are nearly orthogonal."""
    vector = np.random.default_rng(seed).standard_normal(dimension)
    return tuple(float(x) for x in vector / np.linalg.norm(vector))


def blend(a: tuple[float, ...], b: tuple[float, ...], weight: float) -> tuple[float, ...]:
    v = (1 - weight) * np.array(a) + weight * np.array(b)
    return tuple(float(x) for x in v / np.linalg.norm(v))


def test_when_every_voice_matches_then_the_least_agent_like_is_the_supporter() -> None:
    agent, sound_alike = voice(1), voice(2)
    fingerprints = [VoiceFingerprint(7, "Priya", agent), VoiceFingerprint(8, "Tom", sound_alike)]
    identities = identify_speakers(
        [
            evidence("S0", AGENT_TEXT, 20, 0.5, blend(agent, voice(23), 0.01)),
            # the supporter sounds like Tom, even more than Priya sounds like herself
            evidence("S1", SUPPORTER_TEXT, 10, 5, blend(sound_alike, voice(24), 0.001)),
        ],
        fingerprints,
        organisation_names=ORG,
    )
    roles = {i.speaker: (i.role, i.speaker_id) for i in identities}
    assert roles == {
        "S0": (SpeakerRole.AGENT, "agent_7"),
        "S1": (SpeakerRole.SUPPORTER, "supporter"),
    }


@pytest.mark.parametrize("cues", ["weak", "garbled"])
def test_the_calls_own_agent_is_found_before_a_supporter_who_sounds_like_another_agent(
    cues: str,
) -> None:
    # The hard calls' shape: the call's agent (halo 8) in noise is under their own threshold,
    # and the supporter's voice passes another agent's (Priya's). Without the call's agent
    # first, Priya's match stood and the real agent was made the supporter.
    priya, tom, other = voice(1), voice(2), voice(3)
    noisy_tom = blend(tom, other, 0.45)
    assert 0.7 <= float(np.dot(noisy_tom, tom)) < 0.85
    agent_text = AGENT_TEXT if cues == "weak" else "Hello is that. My name is Tom. Post Foundation."
    fingerprints = [VoiceFingerprint(7, "Priya", priya), VoiceFingerprint(8, "Tom", tom)]
    identities = identify_speakers(
        [
            evidence("S0", "Hello? Yes, speaking.", 11, 0.5, blend(priya, voice(24), 0.001)),
            evidence("S1", agent_text, 28, 1.2, noisy_tom),
        ],
        fingerprints,
        halo_id=8,
        organisation_names=ORG,
    )
    roles = {i.speaker: (i.role, i.speaker_id, i.method) for i in identities}
    assert roles == {
        "S0": (SpeakerRole.SUPPORTER, "supporter", "elimination"),
        "S1": (SpeakerRole.AGENT, "agent_8", "fingerprint-nearest"),
    }


def test_the_calls_own_agent_is_not_claimed_by_a_voice_nearer_another_fingerprint() -> None:
    priya, tom = voice(1), voice(2)
    between = blend(priya, tom, 0.5)  # alike to both: clearly nearest to neither
    fingerprints = [VoiceFingerprint(7, "Priya", priya), VoiceFingerprint(8, "Tom", tom)]
    identities = identify_speakers(
        [
            evidence("S0", AGENT_TEXT, 20, 0.5, between),
            evidence("S1", SUPPORTER_TEXT, 10, 5, voice(4)),
        ],
        fingerprints,
        halo_id=8,
        organisation_names=ORG,
    )
    s0 = next(i for i in identities if i.speaker == "S0")
    assert (s0.speaker_id, s0.method) == ("agent_8", "cues+call")  # by the cues, as before


def test_an_agent_voice_under_the_threshold_takes_its_clearly_nearest_fingerprint() -> None:
    priya, tom, other = voice(1), voice(2), voice(3)
    noisy_priya = blend(priya, other, 0.45)  # 0.7-0.85 alike: under the row's 0.85
    assert 0.7 <= float(np.dot(noisy_priya, priya)) < 0.85
    fingerprints = [VoiceFingerprint(7, "Priya", priya), VoiceFingerprint(8, "Tom", tom)]
    identities = identify_speakers(
        [
            evidence("S0", AGENT_TEXT, 20, 0.5, blend(tom, voice(23), 0.01)),
            evidence("S1", SUPPORTER_TEXT, 10, 5, voice(4)),
            evidence("S2", "I'll send you our guide. Is there anything else?", 15, 9, noisy_priya),
        ],
        fingerprints,
        halo_id=8,
        organisation_names=ORG,
    )
    s2 = next(i for i in identities if i.speaker == "S2")
    assert (s2.speaker_id, s2.method) == ("agent_7", "fingerprint-nearest")


@pytest.mark.parametrize(
    ("case", "nearest"),
    [
        ("too far from every fingerprint", NearestMatchOptions(floor=0.99)),
        ("no clear winner", NearestMatchOptions(margin=0.9)),
    ],
)
def test_an_agent_voice_is_not_named_when_its_nearest_fingerprint_is_doubtful(
    case: str, nearest: NearestMatchOptions
) -> None:
    priya, tom = voice(1), voice(2)
    identities = identify_speakers(
        [
            evidence("S0", AGENT_TEXT, 20, 0.5, blend(priya, voice(3), 0.45)),
            evidence("S1", SUPPORTER_TEXT, 10, 5, voice(4)),
        ],
        [VoiceFingerprint(7, "Priya", priya), VoiceFingerprint(8, "Tom", tom)],
        organisation_names=ORG,
        nearest=nearest,
    )
    assert identities[0].speaker_id == "agent_unknown", case


def test_a_voice_without_words_counts_only_when_a_fingerprint_names_it() -> None:
    priya = voice(1)
    known = SpeakerEvidence("S0", "", 6, 0.5, blend(priya, voice(22), 0.01), has_words=False)
    stranger = SpeakerEvidence("S3", "", 6, 30, voice(9), has_words=False)
    identities = identify_speakers(
        [
            known,
            evidence("S1", SUPPORTER_TEXT, 10, 7, voice(4)),
            evidence("S2", AGENT_TEXT, 15, 18, voice(5)),
            stranger,
        ],
        [VoiceFingerprint(7, "Priya", priya)],
        organisation_names=ORG,
    )
    assert [(i.speaker, i.speaker_id) for i in identities] == [
        ("S0", "agent_7"),
        ("S1", "supporter"),
        ("S2", "agent_unknown"),
    ]


def test_a_handover_is_timed_by_the_new_agents_first_turn_even_without_words() -> None:
    segments = (
        timed_segment(AGENT_TEXT, 0.0, 0.4),
        timed_segment(SUPPORTER_TEXT, 12.0),
        timed_segment("Thank you, I will send you our guide.", 34.0),
    )
    turns = (
        SpeakerTurn(0, 11, "S0"),
        SpeakerTurn(12, 19, "S1"),
        SpeakerTurn(27, 27.3, "S2"),  # too short to count
        SpeakerTurn(28, 33, "S2"),  # Whisper heard nothing of this
        SpeakerTurn(34, 38, "S2"),
    )
    diarization = Diarization(turns, {"S0": voice(1), "S1": voice(2), "S2": voice(3)})
    labelled = label_speakers(
        Transcript(segments, duration_s=40), diarization, options=SpeakerOptions(ORG)
    )
    (handover,) = labelled.handovers
    assert handover.time_s == pytest.approx(28.0)


# --- One party heard as two voices (issue 14, round 5) ----------------------------------------


def turned(
    speaker: str, text: str, emb: tuple[float, ...], turns: list[tuple[float, float]]
) -> SpeakerEvidence:
    talk = sum(end - start for start, end in turns)
    return SpeakerEvidence(speaker, text, talk, turns[0][0], emb, turns_s=tuple(turns))


# A two-party call: the agent at 0-4, 10-14, 20-24, 30-34 s; the supporter in between.
AGENT_TURNS = [(0.0, 4.0), (10.0, 14.0), (20.0, 24.0), (30.0, 34.0)]
SUPPORTER_TURNS = [(5.0, 9.0), (15.0, 19.0), (25.0, 29.0)]


def test_a_part_of_the_call_agent_heard_as_another_voice_is_the_same_agent() -> None:
    # agent_k's inbound call: a 5.7 s part 0.83-0.87 alike to the rest and to the fingerprint;
    # the supporter's voice passed another agent's threshold (0.855), so all three "matched".
    tom, priya, caller = voice(1), voice(2), voice(3)
    part = blend(tom, voice(4), 0.4)
    assert 0.7 <= float(np.dot(part, tom)) < 0.85
    supporter = blend(priya, caller, 0.3)  # passes Priya's threshold
    fingerprints = [VoiceFingerprint(7, "Priya", priya), VoiceFingerprint(8, "Tom", tom)]
    identities = identify_speakers(
        [
            turned("S0", AGENT_TEXT, blend(tom, voice(5), 0.05), AGENT_TURNS[::2]),
            turned("S1", SUPPORTER_TEXT, supporter, SUPPORTER_TURNS),
            turned("S2", "Can I take your postcode?", part, AGENT_TURNS[1::2]),
        ],
        fingerprints,
        halo_id=8,
        organisation_names=ORG,
    )
    roles = {i.speaker: (i.role, i.speaker_id, i.method) for i in identities}
    assert roles == {
        "S0": (SpeakerRole.AGENT, "agent_8", "fingerprint"),
        "S1": (SpeakerRole.SUPPORTER, "supporter", "elimination"),
        "S2": (SpeakerRole.AGENT, "agent_8", "same-voice"),
    }


def test_a_supporter_alike_to_the_agent_is_not_taken_for_them_on_a_transfer() -> None:
    # hard-37's shape: the first agent's supporter is 0.75 alike to their fingerprint, and the
    # only other voice is the agent they handed over to (who starts after their last words).
    first, second = voice(1), voice(2)
    supporter = blend(first, voice(3), 0.45)
    assert 0.7 <= float(np.dot(supporter, first)) < 0.85
    fingerprints = [VoiceFingerprint(7, "First", first), VoiceFingerprint(9, "Other", voice(6))]
    identities = identify_speakers(
        [
            turned("S0", AGENT_TEXT, first, [(0.0, 4.0), (10.0, 13.0)]),
            turned("S1", SUPPORTER_TEXT, supporter, [(5.0, 9.0), (14.0, 15.0), (26.0, 29.0)]),
            turned("S2", "Hello, this is Mark in the legacy team.", second, [(20.0, 25.0)]),
        ],
        fingerprints,
        halo_id=7,
        organisation_names=ORG,
    )
    roles = {i.speaker: (i.role, i.speaker_id) for i in identities}
    assert roles == {
        "S0": (SpeakerRole.AGENT, "agent_7"),
        "S1": (SpeakerRole.SUPPORTER, "supporter"),
        "S2": (SpeakerRole.AGENT_UNKNOWN, "agent_unknown"),
    }


def test_an_unknown_agent_heard_while_the_agent_still_talks_rejoins_its_nearer_party() -> None:
    tom, caller = voice(1), voice(2)
    caller_part = blend(caller, voice(7), 0.4)  # the supporter's odd lines, cue-scored as agent
    identities = identify_speakers(
        [
            turned("S0", AGENT_TEXT, tom, AGENT_TURNS),
            turned("S1", SUPPORTER_TEXT, caller, SUPPORTER_TURNS[:2]),
            turned(
                "S2", "Could you confirm that for me please?", caller_part, [SUPPORTER_TURNS[2]]
            ),
        ],
        [VoiceFingerprint(8, "Tom", tom)],
        halo_id=8,
        organisation_names=ORG,
    )
    roles = {i.speaker: (i.role, i.speaker_id, i.method) for i in identities}
    assert roles["S2"] == (SpeakerRole.SUPPORTER, "supporter", "same-voice")
    assert [i.speaker for i in identities if i.role is SpeakerRole.SUPPORTER] == ["S1", "S2"]


def test_a_new_agent_after_the_first_one_stops_stays_a_second_agent() -> None:
    tom, caller, mark = voice(1), voice(2), voice(3)
    identities = identify_speakers(
        [
            turned("S0", AGENT_TEXT, tom, [(0.0, 4.0), (10.0, 14.0)]),
            turned("S1", SUPPORTER_TEXT, caller, [(5.0, 9.0), (26.0, 29.0)]),
            turned(
                "S2",
                "Hello, this is Mark in the legacy team. Can I take your name?",
                blend(mark, caller, 0.3),
                [(20.0, 25.0), (30.0, 33.0)],
            ),
        ],
        [VoiceFingerprint(8, "Tom", tom)],
        halo_id=8,
        organisation_names=ORG,
    )
    s2 = next(i for i in identities if i.speaker == "S2")
    assert (s2.role, s2.speaker_id, s2.method) == (
        SpeakerRole.AGENT_UNKNOWN,
        "agent_unknown",
        "cues",
    )


def test_a_new_agent_alike_to_the_first_is_not_taken_for_a_part_of_them() -> None:
    # A transfer between two alike colleagues, the second unenrolled: nearest to the first's
    # fingerprint, but the first is not heard after the second comes in.
    first, caller = voice(1), voice(2)
    second = blend(first, voice(3), 0.4)
    assert 0.7 <= float(np.dot(second, first)) < 0.85
    identities = identify_speakers(
        [
            turned("S0", AGENT_TEXT, first, [(0.0, 4.0), (10.0, 14.0)]),
            turned("S1", SUPPORTER_TEXT, caller, [(5.0, 9.0), (26.0, 29.0)]),
            turned("S2", "Hello, this is Mark. Can I take your name?", second, [(20.0, 25.0)]),
        ],
        [VoiceFingerprint(8, "Tom", first), VoiceFingerprint(9, "Other", voice(6))],
        halo_id=8,
        organisation_names=ORG,
    )
    roles = {i.speaker: (i.speaker_id, i.method) for i in identities}
    assert roles["S2"] != ("agent_8", "same-voice")
    assert roles["S1"] == ("supporter", "cues")


# --- round 6: words and voice weigh together when the call has a halo_id ---------------------


def test_a_supporter_who_passes_a_colleagues_threshold_is_the_supporter_when_the_agent_is_new() -> (
    None
):
    # The call's agent (halo 8) has no fingerprint; the supporter's voice passes Priya's. A
    # fingerprint match alone made the supporter agent_7 and the agent the supporter.
    priya = voice(1)
    supporter = blend(priya, voice(24), 0.3)
    assert float(np.dot(supporter, priya)) >= 0.85
    identities = identify_speakers(
        [
            evidence("S0", AGENT_TEXT, 20, 0.5, voice(3)),
            evidence("S1", SUPPORTER_TEXT, 10, 5, supporter),
        ],
        [VoiceFingerprint(7, "Priya", priya)],
        halo_id=8,
        organisation_names=ORG,
    )
    roles = {i.speaker: (i.role, i.speaker_id, i.method) for i in identities}
    assert roles == {
        "S0": (SpeakerRole.AGENT, "agent_8", "cues+call"),
        "S1": (SpeakerRole.SUPPORTER, "supporter", "cues"),
    }


def test_a_clear_match_to_the_calls_own_agent_outweighs_weak_words() -> None:
    # Whisper garbled the agent's greeting and the supporter asked a question: the agent's own
    # fingerprint, which only their voice is near, still decides.
    tom = voice(1)
    identities = identify_speakers(
        [
            evidence("S0", "Hello is that. My name is Tom.", 20, 0.5, blend(tom, voice(5), 0.1)),
            evidence("S1", "Yes, that's right. What is your name again?", 10, 3, voice(3)),
        ],
        [VoiceFingerprint(8, "Tom", tom)],
        halo_id=8,
        organisation_names=ORG,
    )
    roles = {i.speaker: (i.role, i.speaker_id) for i in identities}
    assert roles == {
        "S0": (SpeakerRole.AGENT, "agent_8"),
        "S1": (SpeakerRole.SUPPORTER, "supporter"),
    }


@pytest.mark.parametrize("other_fingerprint", [False, True])
def test_twin_voices_both_alike_to_the_agents_fingerprint_are_told_apart_by_their_words(
    other_fingerprint: bool,
) -> None:
    # A supporter who sounds like the agent (the tuning "alike" calls): both voices pass Tom's
    # threshold and the supporter's is the nearer, so one-to-one matching gave them Tom's
    # fingerprint. The fingerprint cannot tell the two apart; the words can, and the agent then
    # takes their fingerprint back (in place of the colleague's that matching had left them).
    tom, ben = voice(1), voice(2)
    agent = blend(tom, ben, 0.12)
    supporter = blend(tom, voice(6), 0.02)
    assert 0.85 <= float(np.dot(agent, tom)) < float(np.dot(supporter, tom))
    fingerprints = [VoiceFingerprint(8, "Tom", tom)]
    if other_fingerprint:
        fingerprints.append(VoiceFingerprint(9, "Ben", blend(ben, tom, 0.5)))
    identities = identify_speakers(
        [
            evidence("S0", AGENT_TEXT, 20, 0.5, agent),
            evidence("S1", SUPPORTER_TEXT, 10, 5, supporter),
        ],
        fingerprints,
        halo_id=8,
        organisation_names=ORG,
    )
    roles = {i.speaker: (i.role, i.speaker_id, i.method) for i in identities}
    assert roles == {
        "S0": (SpeakerRole.AGENT, "agent_8", "fingerprint"),
        "S1": (SpeakerRole.SUPPORTER, "supporter", "elimination"),
    }
