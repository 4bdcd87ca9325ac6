"""Real worker processes on the real queue: exactly once, kill -9, SIGSTOP, SIGTERM, crash loops.

Workers run `tests/worker_harness.py` (the real `angel worker` path with the controlled
pipeline) with leases of seconds. Executions are counted in a log file the pipeline appends to,
apart from the database, so a duplicate run cannot hide.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from angel_intelligence.db.models import AiCallAnalysis, AiCallTranscription
from dbkit import TestDatabase
from queue_helpers import add_recording, add_recordings, result_rows, row, status_counts
from worker_processes import WorkerProcess, executions, wait_until


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    """Processes a test starts; any still running at the end are stopped."""
    started: list[WorkerProcess] = []
    yield started
    for process in started:
        process.stop()


def start(
    workers: list[WorkerProcess],
    db: TestDatabase,
    tmp_path: Path,
    worker_id: str,
    *args: str,
    **env: str,
) -> WorkerProcess:
    process = WorkerProcess(db, tmp_path, worker_id, *args, **env)
    workers.append(process)
    return process


def log_events(process: WorkerProcess) -> list[dict[str, object]]:
    events = []
    for line in process.output().splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))
    return events


def transcript_of(db: TestDatabase, recording_id: int) -> str:
    with db.engine.connect() as conn:
        return str(
            conn.execute(
                select(AiCallTranscription.full_transcript).where(
                    AiCallTranscription.ai_call_recording_id == recording_id
                )
            ).scalar_one()
        )


@pytest.mark.mariadb
@pytest.mark.slow
def test_four_workers_drain_1200_calls_exactly_once_with_concurrent_inserts(
    mariadb: TestDatabase, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    engine = mariadb.engine
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ai_call_recordings (apex_id, call_date) "
                "SELECT CONCAT('ok-', seq), '2025-01-15' FROM seq_1_to_1000"
            )
        )
    # long leases: this test is about claiming, and a loaded CI box must not expire them
    settings = {"LEASE_SECONDS": "60", "HEARTBEAT_SECONDS": "10", "MAX_CONCURRENT_JOBS": "2"}
    for n in range(4):
        start(workers, mariadb, tmp_path, f"pod-{n}", **settings)

    def insert_while_draining() -> None:
        for i in range(200):
            add_recording(engine, f"ok-late-{i}")
            time.sleep(0.02)

    inserter = threading.Thread(target=insert_while_draining)
    started = time.monotonic()
    inserter.start()
    inserter.join(timeout=120)
    wait_until(lambda: status_counts(engine).get("completed", 0) == 1200, 400, "1,200 completed")
    drained_s = time.monotonic() - started
    for process in workers:
        process.send(signal.SIGTERM)
    assert [process.wait(60) for process in workers] == [0, 0, 0, 0]

    runs = executions(tmp_path)
    per_recording = Counter(run.recording_id for run in runs)
    assert len(per_recording) == 1200, "lost rows"
    assert [rid for rid, n in per_recording.items() if n > 1] == [], "duplicate executions"
    assert status_counts(engine) == {"completed": 1200}
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(AiCallTranscription)).scalar_one() == 1200
        )
        assert conn.execute(select(func.count()).select_from(AiCallAnalysis)).scalar_one() == 1200
    by_worker = Counter(run.worker_id for run in runs)
    assert len(by_worker) == 4  # every worker took a share
    print(f"\n1,200 calls drained by 4 worker processes in {drained_s:.1f} s; {dict(by_worker)}")


def test_a_killed_worker_s_call_is_reclaimed_after_its_lease_and_completes_once(
    db: TestDatabase, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    rid = add_recording(db.engine, "hangfirst-1")
    first = start(workers, db, tmp_path, "pod-a")
    wait_until(lambda: len(executions(tmp_path)) == 1, 60, "the first run to start")
    job_dirs = list((tmp_path / "temp" / "pod-a").glob("job-*"))
    assert len(job_dirs) == 1
    first.process.kill()  # SIGKILL: no clean-up, no release
    assert first.wait() == -signal.SIGKILL
    killed_at = time.monotonic()
    assert row(db.engine, rid).processing_status == "processing"

    # the pod restarts (same name, as a StatefulSet or a node restart would give it)
    start(workers, db, tmp_path, "pod-a")
    wait_until(lambda: row(db.engine, rid).processing_status == "completed", 60, "completion")
    runs = executions(tmp_path)
    assert [run.attempt for run in runs] == [1, 2]
    assert runs[0].claim_token != runs[1].claim_token
    assert row(db.engine, rid).retry_count == 1  # the lost attempt counts
    assert result_rows(db.engine, rid) == (1, 1)
    assert transcript_of(db, rid).endswith(runs[1].claim_token)
    assert not job_dirs[0].exists(), "the restarted worker removes what the killed one left"
    print(
        f"\nre-claimed and completed {time.monotonic() - killed_at:.1f} s after kill -9 (lease 3 s)"
    )


@pytest.mark.mariadb
def test_a_paused_worker_cannot_write_its_stale_result(
    mariadb: TestDatabase, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    rid = add_recording(mariadb.engine, "sleepfirst-1")
    paused = start(workers, mariadb, tmp_path, "pod-a", ANGEL_TEST_WORK_S="5")
    wait_until(lambda: len(executions(tmp_path)) == 1, 60, "the first run to start")
    paused.send(signal.SIGSTOP)

    start(workers, mariadb, tmp_path, "pod-b")
    wait_until(lambda: row(mariadb.engine, rid).processing_status == "completed", 60, "pod-b")
    winner = executions(tmp_path)[1]
    assert winner.worker_id == "pod-b"

    paused.send(signal.SIGCONT)
    wait_until(
        lambda: any(
            str(e.get("event", "")).startswith(f"Discarded the result of recording {rid}")
            for e in log_events(paused)
        ),
        60,
        "pod-a to discard its stale result",
    )
    after = row(mariadb.engine, rid)
    assert after.processing_status == "completed"
    assert after.retry_count == 1
    assert result_rows(mariadb.engine, rid) == (1, 1)
    assert transcript_of(mariadb, rid) == f"pod-b {winner.claim_token}"
    assert not any(
        str(e.get("event", "")) == f"Marked recording {rid} as completed"
        for e in log_events(paused)
    )


@pytest.mark.parametrize(
    ("apex_id", "grace_s", "second_signal", "final_status"),
    [
        ("slow-1", "15", False, "completed"),  # finishes within the grace period
        ("hang-1", "1", False, "queued"),  # outlives it: released
        ("hang-1", "60", True, "queued"),  # a second signal releases at once
    ],
    ids=["finishes-in-grace", "released-after-grace", "second-signal"],
)
def test_sigterm_during_a_job_exits_cleanly_and_leaves_nothing_processing(
    db: TestDatabase,
    tmp_path: Path,
    workers: list[WorkerProcess],
    apex_id: str,
    grace_s: str,
    second_signal: bool,
    final_status: str,
) -> None:
    rid = add_recording(db.engine, apex_id)
    worker = start(
        workers, db, tmp_path, "pod-a", SHUTDOWN_GRACE_SECONDS=grace_s, ANGEL_TEST_WORK_S="3"
    )
    wait_until(lambda: len(executions(tmp_path)) == 1, 60, "the run to start")
    signalled_at = time.monotonic()
    worker.send(signal.SIGTERM)
    if second_signal:
        time.sleep(0.5)
        worker.send(signal.SIGINT)
    assert worker.wait(60) == 0
    exit_s = time.monotonic() - signalled_at
    after = row(db.engine, rid)
    assert after.processing_status == final_status
    assert after.retry_count == 0
    assert (after.claimed_by, after.claim_token, after.lease_expires_at) == (None, None, None)
    assert "processing" not in status_counts(db.engine)
    if final_status == "queued":
        assert after.processing_error.startswith("RELEASED_ON_SHUTDOWN: ")
        assert exit_s < 15
    assert list((tmp_path / "temp" / "pod-a").glob("job-*")) == []


def test_a_call_that_keeps_crashing_its_worker_fails_permanently_after_max_retries(
    db: TestDatabase, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    rid = add_recording(db.engine, "crash-1")

    def permanent() -> bool:
        now = row(db.engine, rid)
        return now.retry_count == 2 and now.next_retry_at is None

    for _ in range(4):  # the pod restarts after each crash, as Kubernetes would
        if permanent():
            break
        worker = start(workers, db, tmp_path, "pod-a", MAX_RETRIES="2")
        deadline = time.monotonic() + 60
        while worker.process.poll() is None and time.monotonic() < deadline:
            if permanent():  # the last restart reaps the last crash and finds nothing to do
                worker.stop()
                break
            time.sleep(0.2)
    final = row(db.engine, rid)
    assert len(executions(tmp_path)) == 2  # MAX_RETRIES attempts, each ended by a crash
    assert (final.processing_status, final.retry_count, final.next_retry_at) == ("failed", 2, None)
    assert final.processing_error.startswith("WORKER_LOST: ")


def run_process(
    db: TestDatabase, tmp_path: Path, workers: list[WorkerProcess], *args: str
) -> tuple[int, str]:
    process = start(workers, db, tmp_path, "cli", "process", *args)
    code = process.wait(60)
    return code, process.output()


def test_angel_process_runs_one_call_in_the_foreground(
    db: TestDatabase, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    ok = add_recording(db.engine, "ok-1")
    add_recording(db.engine, "fail_DOWNLOAD_FAILED-2")
    other = add_recording(db.engine, "ok-3")

    code, output = run_process(db, tmp_path, workers, "--apex-id", "ok-1")
    assert code == 0, output
    assert f"recording {ok} (ok-1): completed" in output
    assert row(db.engine, other).processing_status == "pending"  # only that call

    code, output = run_process(db, tmp_path, workers, "--apex-id", "ok-1")
    assert code == 1
    assert "has completed; force re-processing" in output and "(use --force)" in output

    code, output = run_process(db, tmp_path, workers, "--apex-id", "ok-1", "--force")
    assert code == 0, output
    assert result_rows(db.engine, ok) == (1, 1)

    code, output = run_process(db, tmp_path, workers, "--apex-id", "fail_DOWNLOAD_FAILED-2")
    assert code == 1
    assert "failed: DOWNLOAD_FAILED: the test asked for it" in output

    code, output = run_process(db, tmp_path, workers, "--apex-id", "9999.1")
    assert code == 1
    assert "no recording with apex id 9999.1" in output
    assert [r.recording_id for r in executions(tmp_path)] == [ok, ok, ok + 1]


def test_angel_worker_once_processes_what_is_due_and_exits(
    db: TestDatabase, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    ids = add_recordings(db.engine, ["ok-1", "ok-2", "invalid-3", "ok-4"])
    worker = start(workers, db, tmp_path, "pod-a", "worker", "--once", MAX_CONCURRENT_JOBS="2")
    assert worker.wait(60) == 0
    assert status_counts(db.engine) == {"completed": 3, "failed": 1}
    events = [str(e["event"]) for e in log_events(worker)]
    assert "Found 2 recordings to process" in events
    assert f"Processing recording {ids[0]}: ok-1" in events
    assert f"Marked recording {ids[0]} as completed" in events
    assert f"Marked recording {ids[2]} as failed" in events
    completed = next(
        e for e in log_events(worker) if e["event"] == f"Marked recording {ids[0]} as completed"
    )
    assert completed["recording_id"] == ids[0]
    assert completed["apex_id"] == "ok-1"
    assert completed["worker_id"] == "pod-a"
    assert isinstance(completed["duration_s"], float)
