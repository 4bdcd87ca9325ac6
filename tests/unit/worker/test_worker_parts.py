"""The worker's parts that need no database: error codes, the job context, working directories."""

from __future__ import annotations

import datetime as dt
import socket
import time
from pathlib import Path

import pymysql
import pytest
from sqlalchemy.exc import OperationalError

from angel_intelligence import errors
from angel_intelligence.bootstrap.options import worker_config
from angel_intelligence.domain.call import CallInput
from angel_intelligence.domain.job import ClaimedJob, JobOutcome
from angel_intelligence.pipeline.workspace import (
    clean_stale_workspaces,
    job_workspace,
    worker_temp_dir,
    workspace_name,
)
from angel_intelligence.worker import JobContext, LeaseLoss, failure_for


def claimed_job(worker_id: str = "pod-a") -> ClaimedJob:
    call = CallInput(recording_id=7, apex_id="1737123456.12345", call_date=dt.date(2025, 1, 2))
    return ClaimedJob(7, call.apex_id, "0123456789abcdef" * 2, worker_id, 1, "pending", call)


@pytest.mark.parametrize(
    ("error", "stage", "code", "permanent"),
    [
        (errors.InvalidAudioError(), None, "INVALID_AUDIO", True),
        (errors.InvalidApexIdError(), "fetch", "RECORDING_NOT_FOUND", True),
        (errors.RecordingNotFoundError(), "fetch", "RECORDING_NOT_FOUND", False),
        (errors.AnalysisParseError(), "analyse", "ANALYSIS_PARSE_ERROR", False),
        (ConnectionResetError("reset by peer"), "fetch", "DOWNLOAD_FAILED", False),
        (RuntimeError("sox died"), "convert", "CONVERSION_FAILED", False),
        (RuntimeError("CUDA out of memory"), "transcribe", "TRANSCRIPTION_FAILED", False),
        (ValueError("bad shape"), "diarize", "TRANSCRIPTION_FAILED", False),
        (KeyError("summary"), "analyse", "ANALYSIS_FAILED", False),
        (TypeError("oops"), None, "INTERNAL_ERROR", False),
        (TypeError("oops"), "a-stage-we-do-not-know", "INTERNAL_ERROR", False),
    ],
)
def test_when_a_job_raises_then_it_fails_with_this_code(
    error: Exception, stage: str | None, code: str, permanent: bool
) -> None:
    failure = failure_for(error, stage)
    assert (failure.code, failure.permanent) == (code, permanent)
    assert str(failure).startswith(f"{code}: ")


def test_database_errors_never_carry_the_statement_or_its_values() -> None:
    error = OperationalError(
        "INSERT INTO ai_call_transcriptions (full_transcript) VALUES (%s)",
        {"full_transcript": "my card number is 4111 1111 1111 1111"},
        pymysql.err.OperationalError(2013, "Lost connection to server during query"),
    )
    failure = failure_for(error, "persist")
    assert failure.code == "DATABASE_ERROR"
    assert "Lost connection" in failure.message
    assert "4111" not in str(failure) and "INSERT" not in str(failure)


def test_our_codes_are_known_codes() -> None:
    for code in ("WORKER_LOST", "INVALID_AUDIO", "RELEASED_ON_SHUTDOWN", "INTERNAL_ERROR"):
        assert code in errors.ERROR_CODES
        assert errors.error_code_of(f"{code}: why") == code
    assert str(errors.ReleasedOnShutdownError()).startswith("RELEASED_ON_SHUTDOWN: ")


def test_the_context_times_stages_and_remembers_the_failing_one(tmp_path: Path) -> None:
    ticks = iter([0.0, 10.0])  # start, elapsed
    ctx = JobContext(claimed_job(), tmp_path, clock=lambda: next(ticks))
    with ctx.stage("fetch"):
        time.sleep(0.05)
    with pytest.raises(RuntimeError), ctx.stage("transcribe"):
        raise RuntimeError("boom")
    assert list(ctx.stage_timings) == ["fetch", "transcribe"]
    assert ctx.stage_timings["fetch"] >= 0.05 > ctx.stage_timings["transcribe"] >= 0
    assert ctx.failed_stage == "transcribe"
    assert ctx.elapsed_s == 10.0
    assert ctx.call.apex_id == ctx.recording.apex_id == "1737123456.12345"


def test_a_lost_lease_stops_the_next_stage_and_the_first_reason_wins(tmp_path: Path) -> None:
    ctx = JobContext(claimed_job(), tmp_path)
    ctx.check_lease()
    assert ctx.lose(LeaseLoss.TIMED_OUT, "ran too long")
    assert not ctx.lose(LeaseLoss.RELEASED, "shutting down")
    assert ctx.loss is LeaseLoss.TIMED_OUT
    with pytest.raises(errors.LeaseLostError, match="ran too long"), ctx.stage("analyse"):
        pass
    assert "analyse" not in ctx.stage_timings


def test_an_outcome_s_recording_updates_cannot_change_after_the_fact() -> None:
    updates = {"duration_seconds": 12}
    outcome = JobOutcome(recording_updates=updates)
    updates["duration_seconds"] = 99
    assert outcome.recording_updates["duration_seconds"] == 12
    with pytest.raises(TypeError):
        outcome.recording_updates["r2_path"] = "x"  # type: ignore[index]


def test_job_directories_live_under_the_worker_s_own_directory(tmp_path: Path) -> None:
    job = claimed_job(worker_id="angel-worker/7 b")
    base = worker_temp_dir(tmp_path, job.worker_id)
    assert base == tmp_path / "angel-worker_7_b"
    assert workspace_name(job.recording_id, job.claim_token).startswith("job-7-")


def test_cleaning_removes_only_this_worker_s_dead_job_directories(tmp_path: Path) -> None:
    mine, theirs = worker_temp_dir(tmp_path, "pod-a"), worker_temp_dir(tmp_path, "pod-b")
    dead = mine / "job-1-abc"
    (dead / "nested").mkdir(parents=True)
    (dead / "owner.json").write_text(
        f'{{"host": "{socket.gethostname()}", "pid": 999999999, "started": 1}}'
    )
    other = theirs / "job-2-def"
    other.mkdir(parents=True)
    with job_workspace(mine, 3, "live") as live:
        assert clean_stale_workspaces(mine) == [dead]
        assert live.exists() and other.exists()


def test_the_worker_config_comes_from_settings(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        max_concurrent_jobs=4, lease_seconds=90, heartbeat_seconds=20, job_timeout_seconds=600
    )
    config = worker_config(settings)
    assert (config.worker_id, config.max_concurrent_jobs) == ("test-worker", 4)
    assert (config.lease_s, config.heartbeat_s, config.job_timeout_s) == (90, 20, 600)
    assert config.temp_dir == settings.temp_dir
