"""The worker in-process on SQLite and MariaDB: outcomes, codes, heartbeat, leases, clean-up, logs."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import Engine

from angel_intelligence.db.engine import engine_for_url
from angel_intelligence.db.queue import JobQueue
from angel_intelligence.worker import JobResult, Worker, WorkerConfig
from controlled_pipeline import ControlledPipeline
from dbkit import TestDatabase
from queue_helpers import (
    add_recording,
    add_recordings,
    expire_lease,
    make_queue,
    result_rows,
    row,
    status_counts,
)
from worker_processes import wait_until


def make_worker(
    engine: Engine,
    tmp_path: Path,
    *,
    heartbeat_queue: JobQueue | None = None,
    work_s: float = 30.0,
    **config: Any,
) -> Worker:
    values: dict[str, Any] = {
        "worker_id": "test-worker",
        "poll_interval_s": 1,
        "max_concurrent_jobs": 2,
        "heartbeat_s": 1,
        "lease_s": 3,
        "shutdown_grace_s": 5,
        "job_timeout_s": 3600,
        "temp_dir": tmp_path / "temp",
    }
    values.update(config)
    queue = make_queue(engine, lease_s=values["lease_s"], retry_delay_s=3600)
    pipeline = ControlledPipeline(tmp_path / "executions.log", work_s=work_s)
    return Worker(queue, pipeline, WorkerConfig(**values), heartbeat_queue=heartbeat_queue)


@pytest.fixture
def in_background() -> Iterator[Callable[[Worker], threading.Thread]]:
    """Run `worker.run()` in a thread; stopped and joined at the end of the test."""
    running: list[tuple[Worker, threading.Thread]] = []

    def start(worker: Worker) -> threading.Thread:
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        running.append((worker, thread))
        return thread

    yield start
    for worker, thread in running:
        worker.stop(immediately=True)
        thread.join(timeout=30)


def job_dirs(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "temp").glob("*/job-*"))


def test_once_runs_every_due_call_to_its_outcome(db: TestDatabase, tmp_path: Path) -> None:
    ok, transient, permanent, boom = add_recordings(
        db.engine, ["ok-1", "fail_DOWNLOAD_FAILED-2", "invalid-3", "boom-4"]
    )
    worker = make_worker(db.engine, tmp_path)
    assert worker.run(once=True) == 0

    assert row(db.engine, ok).processing_status == "completed"
    assert result_rows(db.engine, ok) == (1, 1)
    failed = row(db.engine, transient)
    assert (failed.processing_status, failed.retry_count) == ("failed", 1)
    assert failed.next_retry_at is not None
    assert failed.processing_error == "DOWNLOAD_FAILED: the test asked for it"
    assert row(db.engine, permanent).next_retry_at is None
    assert row(db.engine, permanent).processing_error.startswith("INVALID_AUDIO: ")
    # an unexpected exception gets the code of the stage it escaped from
    crashed = row(db.engine, boom)
    assert crashed.processing_error == (
        "TRANSCRIPTION_FAILED: unexpected RuntimeError: unexpected failure in a library "
        "(in stage transcribe)"
    )
    assert crashed.next_retry_at is not None
    assert sorted(r.result for r in worker.reports) == sorted(
        [JobResult.COMPLETED, JobResult.FAILED, JobResult.FAILED, JobResult.FAILED]
    )
    assert job_dirs(tmp_path) == []
    assert result_rows(db.engine, transient) == (0, 0)


def test_the_worker_counts_its_jobs_and_times_their_stages_for_prometheus(
    db: TestDatabase, tmp_path: Path
) -> None:
    add_recordings(db.engine, ["ok-1", "ok-2", "fail_DOWNLOAD_FAILED-3", "invalid-4"])
    worker = make_worker(db.engine, tmp_path)
    assert worker.run(once=True) == 0
    value = worker.metrics.registry.get_sample_value
    assert value("angel_worker_jobs_total", {"outcome": "completed", "code": ""}) == 2
    assert value("angel_worker_jobs_total", {"outcome": "failed", "code": "DOWNLOAD_FAILED"}) == 1
    assert value("angel_worker_jobs_total", {"outcome": "failed", "code": "INVALID_AUDIO"}) == 1
    assert value("angel_worker_job_duration_seconds_count", {"outcome": "completed"}) == 2
    # every job went through fetch; the stage's histogram has one observation per job
    assert value("angel_worker_stage_duration_seconds_count", {"stage": "fetch"}) == 4
    assert value("angel_worker_jobs_running") == 0
    last_poll = value("angel_worker_last_poll_timestamp_seconds")
    assert last_poll is not None and time.time() - 60 < last_poll <= time.time()


def test_the_worker_serves_its_metrics_over_http(db: TestDatabase, tmp_path: Path) -> None:
    add_recordings(db.engine, ["fail_ANALYSIS_FAILED-1"])
    worker = make_worker(db.engine, tmp_path)
    worker.run(once=True)
    port = worker.metrics.serve(0, host="127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            body = response.read().decode()
    finally:
        worker.metrics.close()
    assert 'angel_worker_jobs_total{code="ANALYSIS_FAILED",outcome="failed"} 1.0' in body
    assert "angel_worker_stage_duration_seconds_bucket" in body
    assert "fail_ANALYSIS_FAILED-1" not in body  # counts and durations only, no call ids


def test_a_result_that_cannot_be_written_fails_the_call_and_writes_nothing(
    db: TestDatabase, tmp_path: Path
) -> None:
    rid = add_recording(db.engine, "dupwrite-1")
    assert make_worker(db.engine, tmp_path).run(once=True) == 0
    failed = row(db.engine, rid)
    assert (failed.processing_status, failed.retry_count) == ("failed", 1)
    assert failed.processing_error.startswith("DATABASE_ERROR: IntegrityError")
    assert "(in stage persist)" in failed.processing_error
    assert result_rows(db.engine, rid) == (0, 0)


def test_the_spec_s_log_lines_carry_ids_and_timings(db: TestDatabase, tmp_path: Path) -> None:
    rid = add_recording(db.engine, "ok-1")
    failed = add_recording(db.engine, "fail_ANALYSIS_FAILED-2")
    worker = make_worker(db.engine, tmp_path)
    with structlog.testing.capture_logs(
        processors=[structlog.contextvars.merge_contextvars]
    ) as logs:
        worker.run(once=True)
    by_event = {str(entry["event"]): entry for entry in logs}
    assert by_event["Found 2 recordings to process"]["recording_ids"] == [rid, failed]
    processing = by_event[f"Processing recording {rid}: ok-1"]
    assert (processing["recording_id"], processing["apex_id"]) == (rid, "ok-1")
    assert processing["worker_id"] == "test-worker"
    completed = by_event[f"Marked recording {rid} as completed"]
    assert completed["duration_s"] >= 0
    assert set(completed["stages"]) == {"fetch"}
    failure = by_event[f"Marked recording {failed} as failed"]
    assert (failure["error_code"], failure["permanent"]) == ("ANALYSIS_FAILED", False)
    assert failure["apex_id"] == "fail_ANALYSIS_FAILED-2"


def test_a_model_load_error_releases_the_call_and_stops_the_worker(
    db: TestDatabase, tmp_path: Path
) -> None:
    broken, waiting = add_recordings(db.engine, ["modelload-1", "ok-2"])
    worker = make_worker(db.engine, tmp_path, max_concurrent_jobs=1)
    assert worker.run(once=True) == 1
    released = row(db.engine, broken)
    assert (released.processing_status, released.retry_count) == ("queued", 0)
    assert released.processing_error.startswith("MODEL_LOAD_ERROR: ")
    assert row(db.engine, waiting).processing_status == "pending"  # claimed nothing more


def test_the_heartbeat_keeps_a_job_longer_than_its_lease(db: TestDatabase, tmp_path: Path) -> None:
    rid = add_recording(db.engine, "slow-1")
    worker = make_worker(db.engine, tmp_path, lease_s=2, heartbeat_s=1, work_s=6)
    reaper = make_queue(db.engine, worker_id="other")
    stop_reaping = threading.Event()
    reaped: list[int] = []

    def reap_all_the_time() -> None:  # another worker, reaping as often as it can
        while not stop_reaping.is_set():
            reaped.extend(reaper.reap())
            time.sleep(0.2)

    thread = threading.Thread(target=reap_all_the_time)
    thread.start()
    try:
        assert worker.run(once=True) == 0
    finally:
        stop_reaping.set()
        thread.join()
    assert reaped == []
    assert row(db.engine, rid).processing_status == "completed"
    assert row(db.engine, rid).retry_count == 0
    assert worker.heartbeat.renewals >= 4


def test_a_job_that_loses_its_claim_stops_and_writes_nothing(
    db: TestDatabase, tmp_path: Path, in_background: Callable[[Worker], threading.Thread]
) -> None:
    rid = add_recording(db.engine, "hang-1")
    worker = make_worker(db.engine, tmp_path, max_concurrent_jobs=1)
    in_background(worker)
    wait_until(lambda: row(db.engine, rid).processing_status == "processing", 30)
    # another worker takes the call over, as if the lease had expired
    expire_lease(db.engine, rid)
    other = make_queue(db.engine, worker_id="other", retry_delay_s=0)
    assert other.reap() == [rid]
    (thief,) = other.claim(1)

    wait_until(lambda: any(r.result is JobResult.DISCARDED for r in worker.reports), 30)
    (report,) = worker.reports
    assert "no longer ours" in (report.error or "")
    assert row(db.engine, rid).claim_token == thief.claim_token
    assert result_rows(db.engine, rid) == (0, 0)
    wait_until(lambda: job_dirs(tmp_path) == [], 10)


def test_a_job_past_its_timeout_fails_as_worker_lost(db: TestDatabase, tmp_path: Path) -> None:
    rid = add_recording(db.engine, "hang-1")
    worker = make_worker(db.engine, tmp_path, job_timeout_s=1)
    assert worker.run(once=True) == 0
    failed = row(db.engine, rid)
    assert (failed.processing_status, failed.retry_count) == ("failed", 1)
    assert failed.processing_error.startswith("WORKER_LOST: the job ran longer than JOB_TIMEOUT")


@pytest.mark.mariadb
def test_a_worker_that_cannot_renew_fences_itself(mariadb: TestDatabase, tmp_path: Path) -> None:
    rid = add_recording(mariadb.engine, "hang-1")
    unreachable = engine_for_url("mysql+pymysql://root@127.0.0.1:1/none", pool_size=1)
    heartbeat = make_queue(unreachable)
    worker = make_worker(mariadb.engine, tmp_path, lease_s=3, heartbeat_queue=heartbeat)
    assert worker.run(once=True) == 0
    (report,) = worker.reports
    assert report.result is JobResult.DISCARDED
    assert "database unreachable" in (report.error or "")
    assert report.duration_s < 5  # stopped itself within the 3 s lease (plus a heartbeat)
    assert result_rows(mariadb.engine, rid) == (0, 0)
    unreachable.dispose()


def test_stop_releases_running_jobs_after_the_grace_period(
    db: TestDatabase, tmp_path: Path, in_background: Callable[[Worker], threading.Thread]
) -> None:
    hung, quick = add_recordings(db.engine, ["hang-1", "slow-2"])
    worker = make_worker(db.engine, tmp_path, shutdown_grace_s=2, work_s=1)
    thread = in_background(worker)
    wait_until(lambda: status_counts(db.engine).get("processing") == 2, 30)
    started = time.monotonic()
    worker.stop()
    thread.join(timeout=30)
    assert not thread.is_alive()
    # Running jobs get the grace less the share kept for releasing (half at most), so the
    # stop ends within the grace even when the database hangs (test_database_outages.py).
    assert 2 / 2 - 0.1 <= time.monotonic() - started < 10
    assert worker.exit_code == 0
    assert row(db.engine, quick).processing_status == "completed"
    released = row(db.engine, hung)
    assert (released.processing_status, released.retry_count) == ("queued", 0)
    assert {r.result for r in worker.reports} == {JobResult.COMPLETED, JobResult.RELEASED}
    assert job_dirs(tmp_path) == []


def test_a_worker_claims_only_its_free_slots(
    db: TestDatabase, tmp_path: Path, in_background: Callable[[Worker], threading.Thread]
) -> None:
    add_recordings(db.engine, [f"hang-{i}" for i in range(5)])
    worker = make_worker(db.engine, tmp_path, max_concurrent_jobs=3)
    in_background(worker)
    wait_until(lambda: status_counts(db.engine).get("processing") == 3, 30)
    time.sleep(1.5)  # a poll or two later: still three
    assert status_counts(db.engine) == {"processing": 3, "pending": 2}


def test_the_worker_removes_job_directories_left_by_its_previous_run(
    db: TestDatabase, tmp_path: Path
) -> None:
    stale = tmp_path / "temp" / "test-worker" / "job-7-abcdef"
    stale.mkdir(parents=True)
    (stale / "call.gsm").write_bytes(b"\0" * 1024)
    # what a killed process leaves: its owner file names a process that is gone
    owner = {"host": socket.gethostname(), "pid": 999_999_999, "started": 1}
    (stale / "owner.json").write_text(json.dumps(owner))
    neighbour = tmp_path / "temp" / "other-worker" / "job-8-abcdef"
    neighbour.mkdir(parents=True)
    make_worker(db.engine, tmp_path).run(once=True)
    assert not stale.exists()
    assert neighbour.exists()  # another worker's: not ours to remove
    assert (tmp_path / "temp" / "test-worker" / "alive").exists()


def test_a_worker_and_its_queue_must_agree_on_the_worker_id(
    sqlite: TestDatabase, tmp_path: Path
) -> None:
    queue = make_queue(sqlite.engine, worker_id="a")
    config = WorkerConfig("b", 1, 1, 1, 3, 1, 60, tmp_path)
    with pytest.raises(ValueError, match="'a'"):
        Worker(queue, ControlledPipeline(), config)
