"""Audio mode in-process: the recording itself reaches a (tiny, random) Qwen2.5-Omni thinker.

Real Omni weights are not available here, so the model is built from a configuration at test
time: the same classes, a few thousand parameters. A forward hook on its audio encoder records
what it received, which must be exactly the Whisper features of the call's recording.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import torch

from analysis_samples import sample_transcript, small_config
from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.prompting import build_prompt
from angel_intelligence.analysis.schema import COMPACT_LIMITS, build_output_schema
from angel_intelligence.backends.llm.model_files import locate_model
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.errors import AnalysisValidationError
from tiny_models import save_tiny_omni_thinker


@pytest.fixture(scope="module")
def omni(tmp_path_factory: pytest.TempPathFactory) -> TransformersLanguageModel:
    directory = save_tiny_omni_thinker(tmp_path_factory.mktemp("tiny-omni"))
    model = TransformersLanguageModel(locate_model(directory, allow_bundled=False))
    model.load()
    return model


def recording(path: Path, text: str, seconds: float) -> Path:
    """Speech synthesised with espeak-ng, padded to `seconds`, 8 kHz mono like the PBX's."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-w", str(raw), text], check=True)
    subprocess.run(
        [
            "sox",
            str(raw),
            "-r",
            "8000",
            "-c",
            "1",
            str(path),
            "pad",
            "0",
            str(seconds),
            "trim",
            "0",
            str(seconds),
        ],
        check=True,
    )
    return path


class AudioTap:
    """Records the features each call of the audio encoder receives."""

    def __init__(self, model: TransformersLanguageModel) -> None:
        self.calls: list[dict[str, Any]] = []
        tower = model.module.model.audio_tower
        self._handle = tower.register_forward_hook(self._record, with_kwargs=True)

    def _record(
        self, _module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], _output: Any
    ) -> None:
        features = kwargs.get("input_features", args[0] if args else None)
        self.calls.append(
            {"features": features.detach().clone(), "lengths": kwargs.get("feature_lens")}
        )

    def close(self) -> None:
        self._handle.remove()


def expected_features(audio: Path) -> torch.Tensor:
    """Whisper features of the file, computed independently, as the encoder should see them."""
    from faster_whisper.audio import decode_audio
    from transformers import WhisperFeatureExtractor

    wave = decode_audio(str(audio), sampling_rate=16000)
    extracted = WhisperFeatureExtractor(feature_size=128, chunk_length=30)(
        [wave],
        sampling_rate=16000,
        return_attention_mask=True,
        padding="max_length",
        return_tensors="pt",
    )
    frames = int(extracted["attention_mask"].sum())
    return extracted["input_features"][0, :, :frames]


def test_the_recording_reaches_the_audio_encoder(
    omni: TransformersLanguageModel, tmp_path: Path
) -> None:
    assert omni.supports_audio
    audio = recording(tmp_path / "call.wav", "Hello, thank you for calling Hope Trust.", 4.0)
    config = small_config(AnalysisMode.AUDIO)
    schema = build_output_schema(config, AnalysisMode.AUDIO, duration_s=24.0, limits=COMPACT_LIMITS)
    messages = list(build_prompt(sample_transcript(), config, AnalysisMode.AUDIO).messages)
    tap = AudioTap(omni)
    try:
        reply = omni.generate(messages, json_schema=schema, max_new_tokens=3000, audio_path=audio)
        heard = omni.generate(messages[1:], max_new_tokens=20, audio_path=audio)
        silent = omni.generate(messages[1:], max_new_tokens=20)
    finally:
        tap.close()
    assert len(tap.calls) == 2  # the audio is encoded for each reply that had it, only
    received = tap.calls[0]["features"]  # (mel bins, frames) of the valid frames
    expected = expected_features(audio)
    assert received.shape == expected.shape == (128, 400)  # 4 s at 100 frames a second
    assert torch.allclose(received, expected, atol=1e-5)
    data = json.loads(reply)
    jsonschema_rs.validate(schema, data)
    assert set(data["audio_observations"]) == {
        "call_quality",
        "background_noise",
        "agent_tone",
        "supporter_tone",
        "notes",
    }
    assert heard != silent  # what the model heard changed what it wrote


def test_a_recording_longer_than_one_chunk_is_sent_whole(
    omni: TransformersLanguageModel, tmp_path: Path
) -> None:
    audio = recording(tmp_path / "long.wav", "Thank you.", 65.0)  # 30 s chunks: 30 + 30 + 5
    tap = AudioTap(omni)
    try:
        omni.generate([{"role": "user", "content": "Listen."}], max_new_tokens=5, audio_path=audio)
    finally:
        tap.close()
    assert tap.calls[0]["features"].shape == (128, 6500)
    assert tap.calls[0]["lengths"].tolist() == [3000, 3000, 500]


def test_the_analyser_in_audio_mode_uses_the_audio_model(
    omni: TransformersLanguageModel, tmp_path: Path
) -> None:
    audio = recording(tmp_path / "call.wav", "I would like to give ten pounds a month.", 3.0)
    tap = AudioTap(omni)
    analyser = CallAnalyser(omni, limits=COMPACT_LIMITS, max_new_tokens=3000, max_reprompts=1)
    try:
        try:
            analysis = analyser.analyse(
                sample_transcript(), small_config(AnalysisMode.AUDIO), audio_path=audio
            )
        except AnalysisValidationError:
            analysis = None  # a random model may put a topic's end before its start, every time
    finally:
        tap.close()
    assert tap.calls, "the audio never reached the model"
    assert all(call["features"].shape == (128, 300) for call in tap.calls)
    if analysis is not None:
        assert analysis.audio_analysis["analysis_mode"] == "audio"
        observations = analysis.audio_analysis["audio_observations"]
        assert observations["call_quality"] in ("good", "fair", "poor")
