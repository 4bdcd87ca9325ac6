"""Retention keys, the local storage directory, choosing a backend, and the redaction guard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from angel_intelligence.backends.storage import LocalStorage, R2Storage
from angel_intelligence.bootstrap import build_storage
from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.errors import ConfigurationError, InvalidApexIdError, StorageFailedError
from angel_intelligence.pipeline.redact_audio import RedactedWav, redact_audio
from angel_intelligence.pipeline.retain import (
    RetainedAudio,
    UnredactedAudioError,
    retain_redacted_audio,
    retention_key,
)
from angel_intelligence.ports import ObjectStorage
from angel_intelligence.settings import Settings

APEX_ID = "1737123456.12345"


def test_retention_key_is_dated_by_call_date() -> None:
    assert (
        retention_key(APEX_ID, dt.date(2024, 12, 31))
        == "recordings/2024/12/31/1737123456.12345.wav"
    )


def test_retention_key_falls_back_to_the_apex_id_date() -> None:
    assert retention_key(APEX_ID, None) == "recordings/2025/01/17/1737123456.12345.wav"


def test_retention_key_refuses_a_hostile_apex_id() -> None:
    with pytest.raises(InvalidApexIdError):
        retention_key("../../1.2", dt.date(2025, 1, 1))


def test_local_storage_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "storage")
    source = tmp_path / "a.wav"
    source.write_bytes(b"RIFF....")

    key = storage.put_file(source, "recordings/2025/01/17/1.2.wav", content_type="audio/wav")
    back = storage.get_file(key, tmp_path / "back" / "b.wav")

    assert back.read_bytes() == b"RIFF...."
    assert (tmp_path / "storage" / "recordings/2025/01/17/1.2.wav").is_file()
    assert storage.bucket == "local"
    assert isinstance(storage, ObjectStorage)
    assert [p.name for p in (tmp_path / "storage/recordings/2025/01/17").iterdir()] == ["1.2.wav"]


@pytest.mark.parametrize(
    "key", ["../escape.wav", "/etc/passwd", "a//b.wav", "a/./b.wav", "a/b/", "", "a\\b.wav"]
)
def test_local_storage_refuses_keys_outside_its_directory(tmp_path: Path, key: str) -> None:
    source = tmp_path / "a.wav"
    source.write_bytes(b"x")

    with pytest.raises(StorageFailedError, match="invalid storage key"):
        LocalStorage(tmp_path / "storage").put_file(source, key, content_type="audio/wav")


def test_local_storage_missing_key_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageFailedError, match="not in local storage"):
        LocalStorage(tmp_path).get_file("recordings/none.wav", tmp_path / "x.wav")


def test_build_storage_uses_the_local_directory_without_r2(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    storage = build_storage(make_settings())

    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "storage"


def test_production_without_r2_is_refused_naming_the_variables(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(angel_env="production", api_auth_token="t" * 64, ai_db_host="db")

    with pytest.raises(ConfigurationError) as refused:
        build_storage(settings)
    message = str(refused.value)
    assert all(name in message for name in ("R2_ENDPOINT", "R2_ACCESS_KEY", "R2_SECRET_KEY"))
    assert "LOCAL_STORAGE_PATH is for development only" in message


def test_in_development_retained_audio_is_kept_under_a_relative_key_pulse_can_serve(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    storage = build_storage(make_settings())
    source = tmp_path / "redacted.wav"
    source.write_bytes(b"RIFF")

    key = storage.put_file(source, "recordings/2025/01/17/1737123456.2.wav", content_type="x")

    # docs/storage.md: Pulse's dev disk is rooted at LOCAL_STORAGE_PATH, r2_bucket is "local".
    assert storage.bucket == "local" and not key.startswith("/")
    assert (tmp_path / "storage" / key).read_bytes() == b"RIFF"


def test_build_storage_uses_r2_when_configured(make_settings: Callable[..., Settings]) -> None:
    storage = build_storage(
        make_settings(
            r2_endpoint="https://account.r2.cloudflarestorage.com",
            r2_access_key="key",
            r2_secret_key="secret",
            r2_bucket="angel-call-recordings",
        )
    )

    assert isinstance(storage, R2Storage)
    assert isinstance(storage, ObjectStorage)
    assert storage.bucket == "angel-call-recordings"
    config = storage.client.meta.config
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert config.signature_version == "s3v4"
    assert config.s3 == {"addressing_style": "path"}
    assert storage.client.meta.region_name == "auto"


@pytest.fixture
def call_wav(tmp_path: Path) -> Path:
    path = tmp_path / "call.wav"
    soundfile.write(str(path), np.full(8000, 1000, dtype=np.int32), 8000, subtype="PCM_32")
    return path


def test_retain_uploads_the_redacted_wav_under_its_key(call_wav: Path, tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "storage")
    redacted = redact_audio(call_wav, [TimeInterval(0.1, 0.2)], tmp_path / "redacted.wav")

    retained = retain_redacted_audio(storage, redacted, APEX_ID, None)

    assert retained == RetainedAudio("local", "recordings/2025/01/17/1737123456.12345.wav")
    assert storage.path_of(retained.key).read_bytes() == redacted.read_bytes()


def test_retain_refuses_a_wav_that_redact_audio_did_not_write(
    call_wav: Path, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "storage")

    with pytest.raises(UnredactedAudioError, match="may contain unredacted PII"):
        retain_redacted_audio(storage, RedactedWav(call_wav), APEX_ID, None)
    assert not (tmp_path / "storage").exists()


def test_retain_refuses_a_file_that_is_not_audio(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not a wav")

    with pytest.raises(UnredactedAudioError):
        retain_redacted_audio(LocalStorage(tmp_path / "s"), RedactedWav(junk), APEX_ID, None)
