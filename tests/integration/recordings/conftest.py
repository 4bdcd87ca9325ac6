"""Fixtures for the recordings tests: GSM files made with SoX, the PBX stub, SeaweedFS S3."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from angel_intelligence.backends.storage import R2Storage
from angel_intelligence.testing.gsm import tone_gsm
from angel_intelligence.testing.pbx_stub import PbxStub
from seaweedfs_server import ACCESS_KEY, SECRET_KEY, SeaweedS3


@pytest.fixture(scope="session")
def gsm_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A 2-second 440 Hz tone as raw GSM 6.10 (100 frames, 3,300 bytes)."""
    path = tone_gsm(tmp_path_factory.mktemp("gsm") / "tone.gsm", 2.0)
    return path.read_bytes()


@pytest.fixture
def pbx() -> Iterator[PbxStub]:
    with PbxStub() as stub:
        yield stub
        assert not stub.unexpected_errors, stub.unexpected_errors


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3.start(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(seaweed: SeaweedS3) -> str:
    """A new, empty bucket for one test."""
    name = f"angel-{uuid.uuid4().hex[:12]}"
    seaweed.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def make_r2_storage(seaweed: SeaweedS3, s3_bucket: str) -> Callable[..., R2Storage]:
    def make(*, secret_key: str = SECRET_KEY, bucket: str | None = None) -> R2Storage:
        return R2Storage(
            seaweed.endpoint_url,
            ACCESS_KEY,
            secret_key,
            bucket or s3_bucket,
            max_attempts=2,
        )

    return make


@pytest.fixture
def write_gsm(gsm_bytes: bytes, tmp_path: Path) -> Callable[[str, bytes | None], Path]:
    """Write a .gsm file (the tone by default) into the test's directory."""

    def write(name: str, data: bytes | None = None) -> Path:
        path = tmp_path / name
        path.write_bytes(gsm_bytes if data is None else data)
        return path

    return write
