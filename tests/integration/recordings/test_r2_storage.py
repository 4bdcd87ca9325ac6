"""R2Storage against a real S3-compatible server (SeaweedFS, which verifies SigV4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from angel_intelligence.backends.storage import R2Storage
from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.errors import StorageFailedError
from angel_intelligence.pipeline.redact_audio import redact_audio
from angel_intelligence.pipeline.retain import retain_redacted_audio
from angel_intelligence.testing.gsm import tone_gsm
from seaweedfs_server import SeaweedS3

pytestmark = pytest.mark.s3

MakeStorage = Callable[..., R2Storage]
APEX_ID = "1737123456.12345"


def record_headers(client: Any) -> list[dict[str, str]]:
    """Every request's headers as sent (botocore's before-send event), its URL under ":url"."""
    sent: list[dict[str, str]] = []

    def hook(request: Any, **_: Any) -> None:
        headers = {name.lower(): str(value) for name, value in request.headers.items()}
        sent.append({":url": str(request.url), **headers})

    client.meta.events.register("before-send.s3.*", hook)
    return sent


def checksum_headers(sent: list[dict[str, str]]) -> list[str]:
    return sorted(
        {
            name
            for headers in sent
            for name in headers
            if name.startswith(("x-amz-checksum-", "x-amz-sdk-checksum")) or name == "x-amz-trailer"
        }
    )


def test_upload_and_download_back(make_r2_storage: MakeStorage, tmp_path: Path) -> None:
    storage = make_r2_storage()
    source = tmp_path / "call.wav"
    source.write_bytes(b"RIFF" + bytes(range(256)) * 40)

    key = storage.put_file(source, "recordings/2025/01/17/1.2.wav", content_type="audio/wav")
    back = storage.get_file(key, tmp_path / "back" / "call.wav")

    assert back.read_bytes() == source.read_bytes()
    head = storage.client.head_object(Bucket=storage.bucket, Key=key)
    assert head["ContentType"] == "audio/wav"


def test_with_r2_settings_no_checksum_header_is_sent_even_for_multipart(
    make_r2_storage: MakeStorage, tmp_path: Path
) -> None:
    storage = make_r2_storage()
    sent = record_headers(storage.client)
    small, large = tmp_path / "small.wav", tmp_path / "large.wav"
    small.write_bytes(b"x" * 1000)
    large.write_bytes(b"y" * (9 * 1024 * 1024))  # above boto3's 8 MiB multipart threshold

    storage.put_file(small, "a/small.wav", content_type="audio/wav")
    storage.put_file(large, "a/large.wav", content_type="audio/wav")
    storage.get_file("a/large.wav", tmp_path / "back.wav")

    assert (tmp_path / "back.wav").read_bytes() == large.read_bytes()
    parts = [headers[":url"] for headers in sent if "partNumber=" in headers[":url"]]
    assert len(parts) == 2  # the large file went up in two parts
    assert checksum_headers(sent) == []


def test_the_header_check_would_catch_botocores_default_checksums(
    seaweed: SeaweedS3, s3_bucket: str, tmp_path: Path
) -> None:
    """The guard above can fail: with default settings botocore does send a CRC32."""
    client = seaweed.client(botocore_config=Config(signature_version="s3v4"))
    sent = record_headers(client)

    client.put_object(Bucket=s3_bucket, Key="default.wav", Body=b"x" * 1000)

    assert "x-amz-checksum-crc32" in checksum_headers(sent)


def test_wrong_credentials_are_rejected_with_a_storage_error(
    make_r2_storage: MakeStorage, tmp_path: Path
) -> None:
    source = tmp_path / "call.wav"
    source.write_bytes(b"RIFF")

    with pytest.raises(StorageFailedError) as caught:
        make_r2_storage(secret_key="not-the-secret").put_file(
            source, "recordings/x.wav", content_type="audio/wav"
        )

    assert caught.value.code == "STORAGE_FAILED"
    assert "SignatureDoesNotMatch" in str(caught.value)
    assert "not-the-secret" not in str(caught.value)


def test_a_missing_object_is_a_storage_error(make_r2_storage: MakeStorage, tmp_path: Path) -> None:
    with pytest.raises(StorageFailedError, match=r"download of recordings/none\.wav"):
        make_r2_storage().get_file("recordings/none.wav", tmp_path / "none.wav")
    assert list(tmp_path.iterdir()) == []


def test_retained_redacted_audio_lands_under_its_key(
    make_r2_storage: MakeStorage, tmp_path: Path
) -> None:
    from angel_intelligence.pipeline.convert import convert_recording

    storage = make_r2_storage()
    wav = convert_recording(tone_gsm(tmp_path / f"{APEX_ID}.gsm", 1.0), tmp_path, timeout_s=30)
    redacted = redact_audio(wav.path, [TimeInterval(0.2, 0.4)], tmp_path / "redacted.wav")

    bucket, key = retain_redacted_audio(storage, redacted, APEX_ID, None)

    assert (bucket, key) == (storage.bucket, "recordings/2025/01/17/1737123456.12345.wav")
    back = storage.get_file(key, tmp_path / "back.wav")
    assert back.read_bytes() == redacted.read_bytes()
