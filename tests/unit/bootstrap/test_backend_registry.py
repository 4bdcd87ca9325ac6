"""The backend registry: one table, names refused with the ones that would work."""

from __future__ import annotations

import pytest

from angel_intelligence.backends.registry import BACKENDS, REGISTRY, Backend, Role, backend
from angel_intelligence.errors import UnknownBackendError
from angel_intelligence.ports import (
    Diarizer,
    LanguageModel,
    ObjectStorage,
    RecordingSource,
    Transcriber,
)


def test_every_role_has_a_backend_and_names_are_unique_per_role() -> None:
    for role in Role:
        assert REGISTRY[role], role
    assert len({(b.role, b.name) for b in BACKENDS}) == len(BACKENDS)


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownBackendError, match="known: local, r2"):
        backend(Role.STORAGE, "s3-bucket")


def test_a_backend_whose_library_is_missing_is_refused_with_the_available_ones() -> None:
    ghost = Backend(
        Role.ASR, "ghost", "needs a library nobody has", lambda _: None, ("no_such_lib_x",)
    )
    assert ghost.missing() == ["no_such_lib_x"] and not ghost.available


@pytest.mark.parametrize(
    ("role", "name", "port"),
    [
        (Role.ASR, "mock", Transcriber),
        (Role.DIARIZER, "mock", Diarizer),
        (Role.LANGUAGE_MODEL, "mock", LanguageModel),
    ],
)
def test_the_mock_backends_build_and_implement_their_port(
    role: Role, name: str, port: type
) -> None:
    from angel_intelligence.backends.asr.faster_whisper import WhisperOptions
    from angel_intelligence.backends.diarization import DiarizationOptions
    from angel_intelligence.backends.llm.options import LanguageModelOptions

    options = {
        Role.ASR: WhisperOptions(),
        Role.DIARIZER: DiarizationOptions(),
        Role.LANGUAGE_MODEL: LanguageModelOptions(purpose="analysis", backend="mock"),
    }[role]
    assert isinstance(backend(role, name).build(options), port)


def test_storage_and_recordings_build_from_their_options(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from angel_intelligence.backends.recordings.pbx import PbxOptions
    from angel_intelligence.backends.storage.options import StorageOptions

    storage = backend(Role.STORAGE, "local").build(StorageOptions(local_path=tmp_path))
    source = backend(Role.RECORDINGS, "pbx").build(PbxOptions("http://pbx/", "http://archive/"))
    assert isinstance(storage, ObjectStorage) and isinstance(source, RecordingSource)
