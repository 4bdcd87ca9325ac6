"""Diarization, roles, fingerprints and transfers on synthetic calls with the real models.

Bounds are measured (benchmarks/speech_accuracy.py, benchmarks/voices.py; docs/speakers.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from angel_intelligence.backends.asr.faster_whisper import FasterWhisperTranscriber
from angel_intelligence.backends.diarization.resemblyzer import (
    ResemblyzerDiarizer,
    ResemblyzerEmbedder,
)
from angel_intelligence.db import fingerprints as store
from angel_intelligence.db.engine import session_factory, transaction
from angel_intelligence.domain.speakers import SpeakerRole, VoiceFingerprint
from angel_intelligence.domain.speech import SpeechResult
from angel_intelligence.pipeline.enrolment import EnrolmentRefusedError, samples_from_clips
from angel_intelligence.pipeline.speakers import label_speakers
from angel_intelligence.services.speech import transcribe_call
from angel_intelligence.testing import call_scripts
from angel_intelligence.testing.scoring import diarization_error, role_accuracy
from angel_intelligence.testing.speech import Line, SyntheticCall, synthesise_call
from speech.speech_options import OPTIONS

pytestmark = [pytest.mark.models, pytest.mark.slow]

MAX_DER = 0.15  # measured 0.06-0.13 (docs/speakers.md)
MIN_ROLE_ACCURACY = 0.9
MAX_HANDOVER_ERROR_S = 1.5
AGENT_VOICES = {"agent_a", "agent_b", "agent_c"}


def labelled_words(result: SpeechResult) -> list:
    return [
        (word, bool(segment.speaker and segment.speaker.is_agent))
        for segment in result.transcript.segments
        for word in segment.words
    ]


def test_diarization_separates_agent_and_supporter(
    two_party_result: SpeechResult, two_party_call: SyntheticCall
) -> None:
    score = diarization_error(two_party_call.speaker_turns(), two_party_result.diarization.turns)
    assert len(two_party_result.diarization.speakers) == 2
    assert score.der <= MAX_DER, score


def test_diarization_finds_the_third_voice_of_a_transfer(
    transfer_result: SpeechResult, transfer_call: SyntheticCall
) -> None:
    score = diarization_error(transfer_call.speaker_turns(), transfer_result.diarization.turns)
    assert len(transfer_result.diarization.speakers) == 3
    assert score.der <= MAX_DER, score


def test_speaker_embeddings_are_unit_vectors(two_party_result: SpeechResult) -> None:
    for embedding in two_party_result.diarization.embeddings.values():
        assert len(embedding) == 256
        assert np.linalg.norm(embedding) == pytest.approx(1.0, abs=1e-4)


def test_roles_come_out_right_from_the_cues(
    two_party_result: SpeechResult, two_party_call: SyntheticCall
) -> None:
    labelling = two_party_result.labelling
    roles = {i.role for i in labelling.identities}
    assert roles == {SpeakerRole.AGENT, SpeakerRole.SUPPORTER}
    agent = next(i for i in labelling.identities if i.role is SpeakerRole.AGENT)
    assert agent.speaker_id == "agent_1001"  # the call's halo_id, given by the cues
    assert "greeting" in agent.reasons or "organisation" in agent.reasons
    accuracy = role_accuracy(
        two_party_call.speaker_turns(), labelled_words(two_party_result), AGENT_VOICES
    )
    assert accuracy >= MIN_ROLE_ACCURACY
    segments = two_party_result.transcript.to_segments_json()
    assert segments[0]["speaker"] == "agent"
    assert all(s["speaker_id"] in ("agent_1001", "supporter") for s in segments)


def test_the_call_agent_is_offered_for_enrolment(two_party_result: SpeechResult) -> None:
    (sample,) = two_party_result.labelling.enrolments
    assert sample.halo_id == 1001
    agent = two_party_result.labelling.identity("agent_1001")
    assert agent is not None and sample.speaker == agent.speaker


def test_a_transfer_yields_two_agents_and_the_handover_time(
    transfer_result: SpeechResult, transfer_call: SyntheticCall
) -> None:
    labelling = transfer_result.labelling
    assert len(labelling.agents) == 2
    assert [i.role for i in labelling.identities].count(SpeakerRole.SUPPORTER) == 1
    (handover,) = labelling.handovers
    expected = transfer_call.first_turn_of("agent_b").start_s
    assert abs(handover.time_s - expected) <= MAX_HANDOVER_ERROR_S
    assert handover.from_speaker_id != handover.to_speaker_id
    accuracy = role_accuracy(
        transfer_call.speaker_turns(), labelled_words(transfer_result), AGENT_VOICES
    )
    assert accuracy >= MIN_ROLE_ACCURACY
    assert set(transfer_result.speaker_metrics["by_speaker"]) == {
        i.speaker_id for i in labelling.agents
    }


# --- Fingerprints: enrol from clips, identify in a new call, reject other voices --------------


@pytest.fixture(scope="module")
def enrolment_clips(speech_dir: Path) -> list[Path]:
    return [
        synthesise_call(
            [Line("agent_c", call_scripts.enrolment_text(i))], speech_dir, name=f"enrol_c{i}"
        ).gsm_path
        for i in range(2)
    ]


@pytest.fixture(scope="module")
def agent_c_fingerprint(
    enrolment_clips: list[Path], diarizer: ResemblyzerDiarizer
) -> VoiceFingerprint:
    samples = samples_from_clips(enrolment_clips, diarizer.embedder, diarizer)
    mean = np.mean([s.embedding for s in samples], axis=0)
    return VoiceFingerprint(2002, "Chris", tuple(mean / np.linalg.norm(mean)), 0.85, len(samples))


def call_with(agent: str, supporter: str, directory: Path, name: str) -> SyntheticCall:
    return synthesise_call(
        call_scripts.two_party_call(agent, supporter), directory, name=name, noise_snr_db=22
    )


def test_an_enrolled_voice_is_identified_in_a_new_call(
    agent_c_fingerprint: VoiceFingerprint,
    speech_dir: Path,
    transcriber: FasterWhisperTranscriber,
    diarizer: ResemblyzerDiarizer,
) -> None:
    call = call_with("agent_c", "supporter_b", speech_dir, "agent_c_call")
    others = [VoiceFingerprint(9, "Someone", tuple(np.eye(256)[0]))]
    result = transcribe_call(
        call.gsm_path, transcriber, diarizer, [*others, agent_c_fingerprint], options=OPTIONS
    )
    agent = result.labelling.identity("agent_2002")
    assert agent is not None
    assert (agent.role, agent.method, agent.halo_id) == (SpeakerRole.AGENT, "fingerprint", 2002)
    assert agent.confidence >= 0.85
    supporter = next(i for i in result.labelling.identities if i.role is SpeakerRole.SUPPORTER)
    accuracy = role_accuracy(call.speaker_turns(), labelled_words(result), AGENT_VOICES)
    assert accuracy >= MIN_ROLE_ACCURACY
    assert supporter.speaker != agent.speaker


@pytest.mark.parametrize("voice", ["agent_a", "agent_b", "supporter_a", "supporter_b"])
def test_other_voices_do_not_match_the_fingerprint(
    voice: str,
    agent_c_fingerprint: VoiceFingerprint,
    speech_dir: Path,
    diarizer: ResemblyzerDiarizer,
) -> None:
    clip = synthesise_call(
        [Line(voice, call_scripts.enrolment_text(1))], speech_dir, name=f"other_{voice}"
    ).gsm_path
    embedding = diarizer.embedder.embed(clip)
    similarity = float(np.dot(embedding, agent_c_fingerprint.embedding))
    assert similarity < agent_c_fingerprint.confidence_threshold


def test_a_call_without_the_enrolled_voice_matches_no_fingerprint(
    agent_c_fingerprint: VoiceFingerprint, two_party_result: SpeechResult
) -> None:
    labelling = label_speakers(
        two_party_result.transcript,
        two_party_result.diarization,
        [agent_c_fingerprint],
        options=OPTIONS,
    )
    assert labelling.identity("agent_2002") is None
    assert {i.method for i in labelling.identities} <= {"cues", "elimination"}
    assert {i.role for i in labelling.identities} == {
        SpeakerRole.AGENT_UNKNOWN,
        SpeakerRole.SUPPORTER,
    }


def test_a_clip_with_two_voices_is_refused_for_enrolment(
    two_party_call: SyntheticCall, diarizer: ResemblyzerDiarizer
) -> None:
    with pytest.raises(EnrolmentRefusedError, match="2 voices"):
        samples_from_clips([two_party_call.gsm_path], diarizer.embedder, diarizer)


def test_clips_of_different_voices_are_refused_together(
    enrolment_clips: list[Path], speech_dir: Path
) -> None:
    other = synthesise_call(
        [Line("supporter_a", call_scripts.enrolment_text(0))], speech_dir, name="enrol_sa"
    ).gsm_path
    with pytest.raises(EnrolmentRefusedError, match="do not sound like one voice"):
        samples_from_clips([enrolment_clips[0], other], ResemblyzerEmbedder())


def test_a_call_builds_a_fingerprint_that_then_identifies_the_agent_after_a_transfer(
    sqlite: Any, two_party_result: SpeechResult, transfer_result: SpeechResult
) -> None:
    """The two-party call (halo_id 1001, agent_a) enrols its agent; in the transfer call,
    agent_a is then recognised by voice and agent_b stays agent_unknown."""
    sessions = session_factory(sqlite.engine)
    with transaction(sessions) as session:
        (saved,) = store.apply_enrolments(session, two_party_result.labelling.enrolments)
    assert (saved.halo_id, saved.sample_count) == (1001, 1)
    with transaction(sessions) as session:
        known = store.load_fingerprints(session)
    labelling = label_speakers(
        transfer_result.transcript,
        transfer_result.diarization,
        known,
        halo_id=1001,
        options=OPTIONS,
    )
    first, second = labelling.agents
    assert (first.speaker_id, first.method) == ("agent_1001", "fingerprint")
    assert second.speaker_id == "agent_unknown"
    (handover,) = labelling.handovers
    assert (handover.from_speaker_id, handover.to_speaker_id) == ("agent_1001", "agent_unknown")
    # the supporter's voice (supporter_a, in both calls) was never enrolled
    supporter = next(i for i in labelling.identities if i.role is SpeakerRole.SUPPORTER)
    assert supporter.method != "fingerprint"
    assert [f.halo_id for f in known] == [1001]
