"""`angel worker --once` with USE_MOCK_MODELS=true on SQLite: the whole command, in seconds.

The real console command in its own process, configured by environment variables only, with
the real download (PBX stub over HTTP), SoX conversion, PII redaction, audio redaction and local
storage; only the models are the spec's mocks (a fixed transcript stretched over the audio, its
two speakers, a fixed analysis). The end-to-end test with the real models is
`test_worker_end_to_end.py`.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
from pathlib import Path

import jsonschema_rs
import numpy as np
import soundfile
from sqlalchemy import Engine, insert, select

from angel_intelligence.analysis.client_config import resolve_config
from angel_intelligence.db.models import AiCallAnalysis, AiCallRecording, AiCallTranscription
from angel_intelligence.pipeline.redact_audio import TONE_LEVEL
from angel_intelligence.testing.gsm import tone_gsm
from angel_intelligence.testing.pbx_stub import Layout, PbxStub
from clikit import run_angel
from dbkit import TestDatabase
from e2e.spec_shapes import analysis_row_schema, pii_detected_schema, segments_schema

CALL = "1737123456.201"
MISSING = "1737123456.202"
DURATION_S = 20.0


def angel_worker_once(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_angel("worker", "--once", cwd=cwd, env=env, timeout=300)


def queue(engine: Engine, apex_id: str, *, retain_audio: bool) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(AiCallRecording).values(
                apex_id=apex_id, halo_id=7, agent_name="Alex", retain_audio=retain_audio,
                processing_status="pending", uploaded_at=dt.datetime(2025, 1, 17, 12, 0),
            )
        )  # fmt: skip


def test_the_worker_command_processes_calls_end_to_end_with_mock_models(
    sqlite: TestDatabase, tmp_path: Path
) -> None:
    with PbxStub() as pbx:
        pbx.add_recording(CALL, tone_gsm(tmp_path / "call.gsm", DURATION_S).read_bytes(),
                          layout=Layout.ARCHIVE)  # fmt: skip
        queue(sqlite.engine, CALL, retain_audio=True)
        queue(sqlite.engine, MISSING, retain_audio=False)
        result = angel_worker_once(
            tmp_path,
            {
                **sqlite.env(),
                "USE_MOCK_MODELS": "true",
                "PBX_RECORDING_URL": pbx.recording_url,
                "PBX_ARCHIVE_URL": pbx.archive_url,
                "DOWNLOAD_RETRY_BACKOFF_SECONDS": "0.01",
                "TEMP_DIR": str(tmp_path / "temp"),
                "LOCAL_STORAGE_PATH": str(tmp_path / "storage"),
                "MAX_CONCURRENT_JOBS": "2",
                "POLL_INTERVAL_SECONDS": "1",
            },
        )
        assert not pbx.unexpected_errors
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Marked recording 1 as completed" in result.stdout + result.stderr

    with sqlite.engine.connect() as conn:
        recordings = {r.apex_id: r for r in conn.execute(select(AiCallRecording.__table__))}
        (transcription,) = conn.execute(select(AiCallTranscription.__table__)).all()
        (analysis,) = conn.execute(select(AiCallAnalysis.__table__)).all()

    done, missing = recordings[CALL], recordings[MISSING]
    assert (done.processing_status, done.processing_error) == ("completed", None)
    assert done.processing_completed_at is not None
    assert (done.duration_seconds, done.file_format) == (round(DURATION_S), "wav")
    assert (missing.processing_status, missing.retry_count) == ("failed", 1)
    assert missing.processing_error.startswith("RECORDING_NOT_FOUND: ")
    assert transcription.ai_call_recording_id == analysis.ai_call_recording_id == done.id

    jsonschema_rs.validate(segments_schema(DURATION_S), transcription.segments)
    jsonschema_rs.validate(pii_detected_schema(DURATION_S), transcription.pii_detected)
    assert transcription.model_used == "mock-whisper"
    assert "SW1A 1AA" in transcription.full_transcript  # the PCI policy keeps postcodes
    assert "SW1A" not in transcription.redacted_transcript
    assert "[POSTCODE]" in transcription.redacted_transcript
    row = {c.name: getattr(analysis, c.name) for c in AiCallAnalysis.__table__.columns}
    row |= {"sentiment_score": float(row["sentiment_score"]),
            "quality_score": float(row["quality_score"])}  # fmt: skip
    default = resolve_config(None, [])
    config = {
        "topics": default.topics,
        "agent_actions": default.agent_actions,
        "performance_rubric": default.performance_rubric,
    }
    jsonschema_rs.validate(analysis_row_schema(config, DURATION_S), row)
    assert row["model_used"] == "mock"

    # Retained locally (no R2 configured), redacted: the tone over the postcode's interval.
    assert done.r2_bucket == "local"
    kept = tmp_path / "storage" / done.r2_path
    samples, rate = soundfile.read(kept, dtype="int32")
    (postcode,) = transcription.pii_detected
    first = math.ceil(postcode["timestamp_start"] * rate)
    last = math.floor(postcode["timestamp_end"] * rate)
    phase = 2 * np.pi * 1000.0 * np.arange(first, last) / rate
    assert np.array_equal(samples[first:last], np.rint(TONE_LEVEL * (2**31 - 1) * np.sin(phase)))

    worker_dir = tmp_path / "temp" / "local-dev"
    assert sorted(p.name for p in (tmp_path / "temp").rglob("*")) == ["alive", "local-dev"]
    assert worker_dir.is_dir()
