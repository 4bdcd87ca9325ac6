"""Database faults through a real TCP proxy (tests/faultkit.py) to a MariaDB of the test's own
(issue 19): a paused or killed server costs a delay, not the work, and never hangs the worker.

Each scenario runs a real `Worker` (threads, heartbeat, fenced writes) on engines that reach the
database through the proxy, with the statement time-outs bootstrap gives them, shortened to
test scale; the pipeline is the controlled one (the queue is under test, not the models).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import OperationalError

from angel_intelligence.db import schema
from angel_intelligence.db.engine import engine_for_url
from angel_intelligence.worker import Worker, WorkerConfig
from controlled_pipeline import ControlledPipeline
from dbkit import TestDatabase, create_mariadb_database, drop_mariadb_database
from faultkit import TcpProxy
from queue_helpers import add_recording, make_queue, row
from worker_processes import WorkerProcess, executions

pytestmark = [pytest.mark.mariadb, pytest.mark.slow]

LEASE_S = 20
HEARTBEAT_S = 2
GRACE_S = 6.0
CONTROL_TIMEOUT_S = 1.0


@pytest.fixture
def database() -> Iterator[tuple[str, Engine]]:
    url = create_mariadb_database("angel_faults")
    engine = engine_for_url(url)
    schema.upgrade(engine)
    try:
        yield url, engine
    finally:
        engine.dispose()
        drop_mariadb_database(url)


@pytest.fixture
def proxy(database: tuple[str, Engine]) -> Iterator[TcpProxy]:
    parsed = make_url(database[0])
    with TcpProxy(parsed.host or "127.0.0.1", parsed.port or 3306) as running:
        yield running


def through(proxy: TcpProxy, url: str, read_timeout_s: float) -> Engine:
    proxied = make_url(url).set(host="127.0.0.1", port=proxy.port)
    return engine_for_url(
        proxied.render_as_string(hide_password=False), pool_size=2, read_timeout_s=read_timeout_s
    )


def start_worker(
    proxy: TcpProxy, url: str, tmp_path: Path, *, work_s: float
) -> tuple[Worker, threading.Thread, list[int]]:
    queues = {
        name: make_queue(through(proxy, url, timeout), lease_s=LEASE_S)
        for name, timeout in (
            ("jobs", LEASE_S / 2),
            ("heartbeat", HEARTBEAT_S),
            ("control", CONTROL_TIMEOUT_S),
        )
    }
    worker = Worker(
        queues["jobs"],
        ControlledPipeline(work_s=work_s),
        WorkerConfig(
            worker_id="test-worker",
            poll_interval_s=1,
            max_concurrent_jobs=2,
            heartbeat_s=HEARTBEAT_S,
            lease_s=LEASE_S,
            shutdown_grace_s=GRACE_S,
            job_timeout_s=3600,
            temp_dir=tmp_path / "temp",
            release_try_s=2 * CONTROL_TIMEOUT_S + 0.5,  # as bootstrap sets it
        ),
        heartbeat_queue=queues["heartbeat"],
        control_queue=queues["control"],
    )
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(worker.run(once=True)), daemon=True)
    thread.start()
    return worker, thread, codes


def wait_for(condition: Any, timeout_s: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout_s, "timed out"
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_statement_on_a_paused_database_fails_within_its_time_out(
    database: tuple[str, Engine], proxy: TcpProxy
) -> None:
    engine = through(proxy, database[0], read_timeout_s=2)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        proxy.pause()
        started = time.monotonic()
        with pytest.raises(OperationalError):
            conn.execute(text("SELECT 2"))
        assert time.monotonic() - started < 6
    proxy.resume()


@pytest.mark.parametrize("fault", ["pause", "kill"])
def test_an_outage_during_the_result_write_costs_a_delay_not_an_attempt(
    database: tuple[str, Engine], proxy: TcpProxy, tmp_path: Path, fault: str
) -> None:
    url, direct = database
    recording_id = add_recording(direct, "slow-1", processing_status="pending")
    _worker, thread, codes = start_worker(proxy, url, tmp_path, work_s=2.0)
    wait_for(lambda: row(direct, recording_id).processing_status == "processing", 15)
    # The job finishes its work while the database is away, so its write meets the outage.
    proxy.pause() if fault == "pause" else proxy.drop()
    time.sleep(8)
    assert row(direct, recording_id).processing_status == "processing"
    proxy.resume() if fault == "pause" else proxy.restore()
    recovered_s = wait_for(lambda: row(direct, recording_id).processing_status == "completed", 30)
    thread.join(timeout=30)
    after = row(direct, recording_id)
    assert codes == [0]
    assert after.retry_count == 0 and after.processing_error is None  # no attempt spent
    # Back within the write's back-off (at most 10 s) plus a statement, not a retry delay.
    assert recovered_s < 15, recovered_s
    print(f"\n{fault}: completed {recovered_s:.1f} s after the database came back")


def test_a_stop_with_the_database_hung_exits_within_the_grace_and_names_what_it_kept(
    database: tuple[str, Engine], proxy: TcpProxy, tmp_path: Path
) -> None:
    url, direct = database
    recording_id = add_recording(direct, "hang-1", processing_status="pending")
    worker, thread, codes = start_worker(proxy, url, tmp_path, work_s=2.0)
    wait_for(lambda: row(direct, recording_id).processing_status == "processing", 15)
    proxy.pause()
    started = time.monotonic()
    worker.stop(reason="SIGTERM")
    thread.join(timeout=60)
    took_s = time.monotonic() - started
    assert not thread.is_alive() and codes == [0]
    # Within the grace period, releases included (issue 19: SIGTERM-to-exit under the grace).
    assert took_s < GRACE_S + 0.5, took_s
    assert worker._unreleased == [recording_id]
    proxy.resume()
    print(f"\nstopped {took_s:.1f} s after the stop with the database hung (grace {GRACE_S} s)")


def proxied_database(url: str, proxy: TcpProxy, direct: Engine) -> TestDatabase:
    proxied_url = make_url(url).set(host="127.0.0.1", port=proxy.port)
    return TestDatabase("mysql", proxied_url.render_as_string(hide_password=False), direct)


def statuses(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT processing_status, COUNT(*) FROM ai_call_recordings "
                "GROUP BY processing_status"
            )
        )
        return {str(status): int(count) for status, count in rows}


@pytest.mark.parametrize("fault", ["pause", "kill"])
def test_a_backlog_outlives_a_20_s_outage_and_drains_without_a_retry(
    database: tuple[str, Engine], proxy: TcpProxy, tmp_path: Path, fault: str
) -> None:
    url, direct = database
    ids = [add_recording(direct, f"slow-{n}", processing_status="pending") for n in range(8)]
    worker = WorkerProcess(
        proxied_database(url, proxy, direct), tmp_path, f"pod-{fault}",
        ANGEL_TEST_WORK_S="1", MAX_CONCURRENT_JOBS="2", LEASE_SECONDS="60",
        HEARTBEAT_SECONDS="5",
    )  # fmt: skip
    try:
        wait_for(lambda: statuses(direct).get("completed", 0) >= 2, 60)
        proxy.pause() if fault == "pause" else proxy.drop()
        time.sleep(20)
        proxy.resume() if fault == "pause" else proxy.restore()
        cleared = time.monotonic()
        wait_for(lambda: statuses(direct) == {"completed": 8}, 120)
        drained_s = time.monotonic() - cleared
    finally:
        worker.stop()
    spent = {rid: row(direct, rid).processing_error for rid in ids if row(direct, rid).retry_count}
    assert not spent, (spent, worker.output()[-6000:])  # no attempt spent
    started = [e.recording_id for e in executions(tmp_path)]
    assert sorted(started) == sorted(ids)  # each call ran exactly once
    left = 8 - 2  # at most this many calls of 1 s each, two at a time, plus the write back-off
    assert drained_s < 1 + 10 + left / 2 * 1 + 5, drained_s
    assert "SW1A" not in worker.output()
    print(f"\n{fault} 20 s: backlog of {left}+ calls drained {drained_s:.1f} s after it cleared")


def test_a_partitioned_worker_loses_its_call_to_the_other_and_its_late_write_is_fenced(
    database: tuple[str, Engine], proxy: TcpProxy, tmp_path: Path
) -> None:
    url, direct = database
    rid = add_recording(direct, "slow-1", processing_status="pending")
    cut_off = WorkerProcess(
        proxied_database(url, proxy, direct), tmp_path, "pod-a", ANGEL_TEST_WORK_S="4",
        LEASE_SECONDS="6", HEARTBEAT_SECONDS="2", RETRY_DELAY_HOURS="0",
    )  # fmt: skip
    other = None
    try:
        wait_for(lambda: row(direct, rid).processing_status == "processing", 60)
        proxy.pause()  # pod-a can no longer reach the database; pod-b can
        other = WorkerProcess(
            TestDatabase("mysql", url, direct), tmp_path, "pod-b", ANGEL_TEST_WORK_S="1",
            LEASE_SECONDS="6", HEARTBEAT_SECONDS="2", RETRY_DELAY_HOURS="0",
        )  # fmt: skip
        wait_for(lambda: row(direct, rid).processing_status == "completed", 60)
        proxy.resume()
        wait_for(lambda: "Discarded the result" in cut_off.output(), 60)
    finally:
        cut_off.stop()
        if other is not None:
            other.stop()
    after = row(direct, rid)
    assert after.retry_count == 1  # the lost owner's attempt: reaped as WORKER_LOST
    assert [e.worker_id for e in executions(tmp_path)] == ["pod-a", "pod-b"]
    with direct.connect() as conn:
        marker = conn.execute(text("SELECT full_transcript FROM ai_call_transcriptions")).all()
    assert len(marker) == 1 and marker[0][0].startswith("pod-b ")


def test_sigterm_to_a_worker_process_with_the_database_hung_exits_within_the_grace(
    database: tuple[str, Engine], proxy: TcpProxy, tmp_path: Path
) -> None:
    # The real command path (`angel worker` with the controlled pipeline), its database behind
    # the proxy; SIGTERM while the database does not answer at all.
    url, direct = database
    recording_id = add_recording(direct, "hang-1", processing_status="pending")
    worker = WorkerProcess(
        proxied_database(url, proxy, direct), tmp_path, "pod-hung", SHUTDOWN_GRACE_SECONDS="10", LEASE_SECONDS="20",
        HEARTBEAT_SECONDS="2",
    )  # fmt: skip
    try:
        wait_for(lambda: row(direct, recording_id).processing_status == "processing", 60)
        proxy.pause()
        signalled_at = time.monotonic()
        worker.send(signal.SIGTERM)
        assert worker.wait(30) == 0
        exit_s = time.monotonic() - signalled_at
    finally:
        proxy.resume()
        worker.stop()
    assert exit_s < 10 + 0.5, exit_s  # the grace: the release try ends inside it
    last = [line for line in worker.output().splitlines() if "Worker stopped" in line][-1]
    assert f'"not_released": [{recording_id}]' in last, last
    print(f"\nSIGTERM to exit with the database hung: {exit_s:.1f} s (grace 10 s)")
