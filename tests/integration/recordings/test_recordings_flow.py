"""Download → convert → redact → retain inside a job workspace, as the worker runs them.

Whatever the outcome, nothing of the job is left in TEMP_DIR afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest
import soundfile

from angel_intelligence.backends.storage import LocalStorage
from angel_intelligence.bootstrap import build_recording_source, build_storage
from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.errors import (
    AngelError,
    DownloadFailedError,
    InvalidAudioError,
    RecordingNotFoundError,
)
from angel_intelligence.pipeline.convert import convert_recording
from angel_intelligence.pipeline.redact_audio import redact_audio
from angel_intelligence.pipeline.retain import RetainedAudio, retain_redacted_audio
from angel_intelligence.pipeline.workspace import job_workspace
from angel_intelligence.settings import Settings
from angel_intelligence.testing.pbx_stub import HtmlPage, Layout, PbxStub

APEX_ID = "1737123456.12345"


class Interrupted(Exception):
    """Stands for anything unexpected raised in the middle of a job."""


def process_call(
    settings: Settings,
    pbx: PbxStub,
    *,
    recording_id: int = 1,
    call_date: dt.date | None = None,
    pii: list[TimeInterval] | None = None,
    interrupt_after: str | None = None,
) -> tuple[RetainedAudio, float]:
    """The recordings part of the worker's job, in its workspace."""
    source = build_recording_source(settings)
    with job_workspace(settings.temp_dir, recording_id, "claim-token") as workspace:
        gsm = source.fetch(APEX_ID, call_date, workspace)
        if interrupt_after == "download":
            raise Interrupted
        audio = convert_recording(gsm, workspace, timeout_s=settings.sox_timeout_seconds)
        redacted = redact_audio(
            audio.path,
            pii or [],
            workspace / "redacted.wav",
            mode=settings.redaction_mode,
            padding_s=settings.redaction_padding_ms / 1000,
        )
        if interrupt_after == "redact":
            raise Interrupted
        retained = retain_redacted_audio(build_storage(settings), redacted, APEX_ID, call_date)
        return retained, audio.duration_s


@pytest.fixture
def settings(make_settings: Callable[..., Settings], pbx: PbxStub) -> Settings:
    return make_settings(
        pbx_recording_url=pbx.recording_url,
        pbx_archive_url=pbx.archive_url,
        download_retry_backoff_seconds=0.01,
        redaction_padding_ms=100,
    )


def test_a_call_is_fetched_converted_redacted_and_retained_and_its_temp_files_removed(
    settings: Settings, pbx: PbxStub, gsm_bytes: bytes
) -> None:
    pbx.add_recording(APEX_ID, gsm_bytes, layout=Layout.ARCHIVE)

    retained, duration_s = process_call(settings, pbx, pii=[TimeInterval(0.5, 1.0)])

    assert retained == RetainedAudio("local", "recordings/2025/01/17/1737123456.12345.wav")
    assert duration_s == 2.0
    kept = LocalStorage(settings.local_storage_path).path_of(retained.key)
    samples, rate = soundfile.read(str(kept), dtype="int32")
    assert (len(samples), rate) == (16_000, 8000)
    tone = np.rint(0.25 * (2**31 - 1) * np.sin(2 * np.pi * 1000 * np.arange(3200, 8800) / 8000))
    assert np.array_equal(samples[3200:8800], tone)  # 0.4–1.1 s: the PII plus 100 ms padding
    assert list(settings.temp_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (None, RecordingNotFoundError),  # nothing on the server
        (HtmlPage(content_type="application/octet-stream"), DownloadFailedError),
    ],
)
def test_after_a_failed_download_nothing_is_left(
    settings: Settings, pbx: PbxStub, fault: HtmlPage | None, error: type[AngelError]
) -> None:
    if fault is not None:
        pbx.fault(PbxStub.paths(APEX_ID)[0], fault)

    with pytest.raises(error):
        process_call(settings, pbx)

    assert list(settings.temp_dir.iterdir()) == []
    assert not settings.local_storage_path.exists()


def test_after_a_failed_conversion_nothing_is_left(
    settings: Settings, pbx: PbxStub, gsm_bytes: bytes
) -> None:
    corrupt = bytearray(gsm_bytes)
    corrupt[33 * 10] = 0
    pbx.add_recording(APEX_ID, bytes(corrupt))

    with pytest.raises(InvalidAudioError):
        process_call(settings, pbx)

    assert list(settings.temp_dir.iterdir()) == []


@pytest.mark.parametrize("stage", ["download", "redact"])
def test_after_an_unexpected_exception_nothing_is_left(
    settings: Settings, pbx: PbxStub, gsm_bytes: bytes, stage: str
) -> None:
    pbx.add_recording(APEX_ID, gsm_bytes)

    with pytest.raises(Interrupted):
        process_call(settings, pbx, interrupt_after=stage)

    assert list(settings.temp_dir.iterdir()) == []
    assert not settings.local_storage_path.exists()  # nothing retained either
