"""Diarization, roles and agent identification on two calls of the hard set (issue 14).

Calls of `testing/hard_calls.py`'s tuning half, synthesised here, through Whisper tiny.en, the
resemblyzer diarizer and the speaker stage. Scored as benchmarks/diarization_roles.py scores
them (true speech, 0.25 s collar); its figures on these calls are in the comments.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from angel_intelligence.backends.asr.faster_whisper import FasterWhisperTranscriber
from angel_intelligence.backends.diarization.resemblyzer import ResemblyzerDiarizer
from angel_intelligence.domain.speakers import SpeakerRole, VoiceFingerprint, agent_speaker_id
from angel_intelligence.domain.speech import SpeechResult
from angel_intelligence.pipeline.speaker_roles import cosine
from angel_intelligence.pipeline.speakers import SpeakerOptions
from angel_intelligence.services.speech import transcribe_call
from angel_intelligence.testing import call_scripts
from angel_intelligence.testing.hard_calls import (
    HALO_IDS,
    HARD_VOICES,
    ORGANISATIONS,
    alike_calls,
    hard_calls,
    unenrolled_calls,
)
from angel_intelligence.testing.scoring import diarization_error, label_agreement
from angel_intelligence.testing.speech import Line, SyntheticCall, synthesise_call

pytestmark = [pytest.mark.models, pytest.mark.slow]

OPTIONS = SpeakerOptions(organisation_names=ORGANISATIONS)
MAX_MISSED = 0.05
MAX_DER = 0.12  # measured 0.000 (transfer), 0.066 (outbound)
MIN_ROLES = 0.9  # measured 1.000, 0.934
MIN_AGENT_ID = 0.9  # measured 1.000
MAX_HANDOVER_ERROR_S = 1.0  # measured +0.10 s


def hard_call(name: str, directory: Path) -> tuple[SyntheticCall, tuple[str, ...]]:
    call = next(c for c in hard_calls(20) if c.name == name)
    synthetic = synthesise_call(
        call.lines, directory, name=name, noise_snr_db=call.snr_db, seed=call.seed,
        voices=HARD_VOICES,
    )  # fmt: skip
    return synthetic, call.agents


@pytest.fixture(scope="module")
def fingerprints(speech_dir: Path, diarizer: ResemblyzerDiarizer) -> list[VoiceFingerprint]:
    """The two agents of the transfer and one more, each from two 25 s clips, as enrolled."""
    found = []
    for voice in ("agent_j", "agent_k", "agent_g"):
        lines = [Line(voice, call_scripts.enrolment_text(i), 0.6) for i in (0, 1)]
        clip = synthesise_call(
            lines, speech_dir, name=f"enrol_{voice}", noise_snr_db=25, seed=7, voices=HARD_VOICES
        )
        embedding = diarizer.embedder.embed(clip.gsm_path)
        found.append(VoiceFingerprint(HALO_IDS[voice], voice, embedding))
    return found


def role_share(result: SpeechResult, call: SyntheticCall, agents: tuple[str, ...]) -> float:
    identity = {i.speaker: i for i in result.labelling.identities}
    return label_agreement(
        call.speech_turns(),
        result.diarization.turns,
        lambda voice: "agent" if voice in agents else "supporter",
        lambda s: (
            ("agent" if identity[s].role.is_agent else "supporter") if s in identity else None
        ),
    ).share


def test_a_transfer_after_hold_music_in_12_db_noise(
    speech_dir: Path,
    transcriber: FasterWhisperTranscriber,
    diarizer: ResemblyzerDiarizer,
    fingerprints: list[VoiceFingerprint],
) -> None:
    call, agents = hard_call("hard-13", speech_dir)  # agent_j, 7 s of music, agent_k; 12 dB
    assert call.music_spans
    result = transcribe_call(
        call.gsm_path, transcriber, diarizer, fingerprints,
        halo_id=HALO_IDS[agents[0]], options=OPTIONS,
    )  # fmt: skip
    score = diarization_error(call.speech_turns(), result.diarization.turns)
    assert score.missed_s / score.scored_speech_s <= MAX_MISSED, score
    assert score.der <= MAX_DER, score
    assert len(result.diarization.speakers) == 3
    assert role_share(result, call, agents) >= MIN_ROLES
    identity = {i.speaker: i for i in result.labelling.identities}
    named = label_agreement(
        call.speech_turns(),
        result.diarization.turns,
        lambda voice: agent_speaker_id(HALO_IDS[voice]) if voice in agents else None,
        lambda s: identity[s].speaker_id if s in identity else None,
    )
    assert named.share >= MIN_AGENT_ID
    (handover,) = result.labelling.handovers
    expected = call.first_turn_of(agents[1]).start_s
    assert abs(handover.time_s - expected) <= MAX_HANDOVER_ERROR_S
    music_s = sum(
        min(end, t.end_s) - max(start, t.start_s)
        for start, end in call.music_spans
        for t in result.diarization.turns
        if min(end, t.end_s) > max(start, t.start_s)
    )
    assert music_s <= 0.5  # hold music is not speech


def test_an_outbound_call_the_supporter_answers_first(
    speech_dir: Path, transcriber: FasterWhisperTranscriber, diarizer: ResemblyzerDiarizer
) -> None:
    call, agents = hard_call("hard-9", speech_dir)  # supporter says "Hello?" first; 20 dB
    assert call.turns[0].voice not in agents
    result = transcribe_call(call.gsm_path, transcriber, diarizer, options=OPTIONS)
    score = diarization_error(call.speech_turns(), result.diarization.turns)
    assert score.der <= MAX_DER, score
    assert len(result.diarization.speakers) == 2
    assert role_share(result, call, agents) >= MIN_ROLES


def test_a_call_whose_two_voices_sound_alike_is_still_two_speakers(
    speech_dir: Path, transcriber: FasterWhisperTranscriber, diarizer: ResemblyzerDiarizer
) -> None:
    # agent_k and a supporter made from the same espeak voice, 0.87 alike: the clustering
    # hears one voice; a call is asked for two (round 5), and the split follows the voices.
    call = next(c for c in alike_calls() if c.name == "alike-agent_k-complaint")
    synthetic = synthesise_call(
        call.lines, speech_dir, name=call.name, noise_snr_db=call.snr_db, seed=call.seed,
        voices=HARD_VOICES,
    )  # fmt: skip
    assert len(diarizer.diarize(synthetic.gsm_path).speakers) == 1  # one voice at least
    result = transcribe_call(synthetic.gsm_path, transcriber, diarizer, options=OPTIONS)
    assert len(result.diarization.speakers) == 2
    score = diarization_error(synthetic.speech_turns(), result.diarization.turns)
    assert score.der <= MAX_DER, score  # measured 0.041
    assert role_share(result, synthetic, call.agents) >= MIN_ROLES  # measured 0.959


def test_a_supporter_who_sounds_like_an_enrolled_agent_stays_the_supporter(
    speech_dir: Path, transcriber: FasterWhisperTranscriber, diarizer: ResemblyzerDiarizer
) -> None:
    # Round 6: agent_k's fingerprint is withheld (the call's agent is not enrolled) and
    # supporter_g passes agent_h's threshold (0.869 in this call). A fingerprint match alone
    # decided before: supporter_g became agent_h and agent_k the supporter (roles 0.012).
    call = next(c for c in unenrolled_calls() if c.name == "unenrolled-agent_k-supporter_g")
    synthetic = synthesise_call(
        call.lines, speech_dir, name=call.name, noise_snr_db=call.snr_db, seed=call.seed,
        voices=HARD_VOICES,
    )  # fmt: skip
    lines = [Line("agent_h", call_scripts.enrolment_text(i), 0.6) for i in (0, 1)]
    clip = synthesise_call(
        lines, speech_dir, name="enrol_agent_h", noise_snr_db=25, seed=7, voices=HARD_VOICES
    )
    agent_h = VoiceFingerprint(
        HALO_IDS["agent_h"], "agent_h", diarizer.embedder.embed(clip.gsm_path)
    )
    result = transcribe_call(
        synthetic.gsm_path, transcriber, diarizer, [agent_h],
        halo_id=call.halo_id, options=OPTIONS,
    )  # fmt: skip
    assert len(result.diarization.speakers) == 2
    holder = max(  # the voice holding most of supporter_g's speech
        result.diarization.speakers,
        key=lambda s: sum(
            max(0.0, min(t.end_s, r.end_s) - max(t.start_s, r.start_s))
            for t in result.diarization.turns if t.speaker == s
            for r in synthetic.speech_turns() if r.speaker == call.supporter
        ),
    )  # fmt: skip
    similarity = cosine(result.diarization.embeddings[holder], agent_h.embedding)
    assert similarity >= agent_h.confidence_threshold  # the case: it passes agent_h's threshold
    identity = {i.speaker: i for i in result.labelling.identities}
    assert identity[holder].role is SpeakerRole.SUPPORTER
    (agent,) = [i for i in identity.values() if i.role.is_agent]
    assert agent.speaker_id == agent_speaker_id(call.halo_id)
    assert role_share(result, synthetic, call.agents) >= MIN_ROLES  # measured 0.980
