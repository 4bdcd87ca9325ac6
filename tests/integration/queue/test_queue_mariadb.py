"""What only MySQL/MariaDB have: row locks, query plans, assignment order, transient errors."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pymysql
import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from angel_intelligence.db.engine import engine_for_url
from angel_intelligence.db.queue import is_transient
from angel_intelligence.db.queue_sql import claim_select, expired_lease_select
from angel_intelligence.domain.job import JobOutcome
from angel_intelligence.errors import TranscriptionFailedError
from dbkit import TestDatabase
from queue_helpers import add_recording, make_queue, move_time_forward, row

pytestmark = pytest.mark.mariadb


def bulk_insert(
    engine: Engine, count: int, status: str, *, retry: str = "NULL", start: int = 0
) -> None:
    """Insert `count` rows server-side (MariaDB's seq engine) with one status."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ai_call_recordings (apex_id, processing_status, next_retry_at, "
                f"retry_count) SELECT CONCAT('{status}.', seq), '{status}', {retry}, 0 "
                f"FROM seq_{start + 1}_to_{start + count}"
            )
        )


@pytest.fixture
def busy_queue(mariadb: TestDatabase) -> TestDatabase:
    """2,000 pending, 2,000 permanently failed (NULL next_retry_at), 40 due retries."""
    bulk_insert(mariadb.engine, 2000, "pending")
    bulk_insert(mariadb.engine, 2000, "failed", start=10_000)
    bulk_insert(mariadb.engine, 40, "failed", retry="NOW() - INTERVAL 1 MINUTE", start=20_000)
    bulk_insert(mariadb.engine, 2000, "completed", start=30_000)
    with mariadb.engine.begin() as conn:
        conn.execute(text("ANALYZE TABLE ai_call_recordings"))
    return mariadb


def test_claim_and_reap_plans_read_their_index_in_order(
    mariadb: TestDatabase, busy_queue: TestDatabase
) -> None:
    assert make_queue(busy_queue.engine).check_claim_plans() == []


def test_claim_plans_are_checked_on_an_empty_table_too(mariadb: TestDatabase) -> None:
    assert make_queue(mariadb.engine).check_claim_plans() == []


def rows_locked_by(engine: Engine, connection_id: int) -> int:
    # InnoDB fills INNODB_TRX from a cache refreshed at most every 0.1 s, so a transaction that
    # began just after another session's read (a parallel test) may not be listed yet.
    deadline = time.monotonic() + 5
    while True:
        with engine.connect() as conn:
            locked = conn.execute(
                text(
                    "SELECT trx_rows_locked FROM information_schema.INNODB_TRX "
                    "WHERE trx_mysql_thread_id = :cid"
                ),
                {"cid": connection_id},
            ).scalar_one_or_none()
        if locked is not None:
            return int(locked)
        assert time.monotonic() < deadline, f"connection {connection_id} has no transaction"
        time.sleep(0.15)


@pytest.mark.parametrize("status", ["pending", "failed"])
def test_a_claimer_locks_only_what_it_returns_and_a_second_claims_other_rows(
    busy_queue: TestDatabase, status: str
) -> None:
    engine = busy_queue.engine
    limit = 10
    with engine.connect() as holder:
        holder.begin()
        held = list(holder.execute(claim_select(status, limit)).scalars())
        connection_id = int(holder.execute(text("SELECT CONNECTION_ID()")).scalar_one())
        # index record + clustered record per returned row, and a little slack
        assert len(held) == limit
        assert rows_locked_by(engine, connection_id) <= 2 * limit + 4

        started = time.monotonic()
        other = make_queue(engine, worker_id="b").claim(limit)
        assert time.monotonic() - started < 2.0  # SKIP LOCKED: no waiting
        assert len(other) == limit
        assert not {job.recording_id for job in other} & set(held)
        holder.rollback()


def test_the_reap_query_locks_only_expired_leases(busy_queue: TestDatabase) -> None:
    engine = busy_queue.engine
    queue = make_queue(engine, lease_s=600)
    jobs = queue.claim(30)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ai_call_recordings SET lease_expires_at = NOW() - INTERVAL 1 MINUTE WHERE id = :id"
            ),
            {"id": jobs[0].recording_id},
        )
    with engine.connect() as holder:
        holder.begin()
        reaped = list(holder.execute(expired_lease_select(50)).scalars())
        connection_id = int(holder.execute(text("SELECT CONNECTION_ID()")).scalar_one())
        assert reaped == [jobs[0].recording_id]
        assert rows_locked_by(engine, connection_id) <= 4
        holder.rollback()


UPDATE_ORDERS = {
    # the order JobQueue.fail uses: the dependent assignment first
    "next_retry_at first": (
        "UPDATE ai_call_recordings SET next_retry_at = IF(retry_count + 1 >= 3, NULL, NOW()), "
        "retry_count = retry_count + 1 WHERE id = :id"
    ),
    "retry_count first": (
        "UPDATE ai_call_recordings SET retry_count = retry_count + 1, "
        "next_retry_at = IF(retry_count + 1 >= 3, NULL, NOW()) WHERE id = :id"
    ),
}


def simultaneous_assignment_engine(url: str) -> Engine:
    engine = engine_for_url(url, pool_size=1)

    @event.listens_for(engine, "connect")
    def _mode(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',SIMULTANEOUS_ASSIGNMENT')")

    return engine


def test_assignment_order_matters_and_failures_are_counted_the_same_in_both_modes(
    mariadb: TestDatabase,
) -> None:
    simultaneous = simultaneous_assignment_engine(mariadb.url)
    try:
        # the pitfall (research §2): the other order disagrees between the two modes ...
        outcomes = {}
        for label, engine in (("default", mariadb.engine), ("simultaneous", simultaneous)):
            for order, sql in UPDATE_ORDERS.items():
                rid = add_recording(
                    mariadb.engine, f"{label}-{order}", retry_count=1, processing_status="completed"
                )
                with engine.begin() as conn:
                    conn.execute(text(sql), {"id": rid})
                outcomes[label, order] = row(mariadb.engine, rid).next_retry_at is None
        assert (
            outcomes["default", "next_retry_at first"]
            is outcomes["simultaneous", "next_retry_at first"]
        )
        assert (
            outcomes["default", "retry_count first"]
            is not outcomes["simultaneous", "retry_count first"]
        )

        # ... and the queue's own failure path gives the same schedule in both modes
        for label, engine in (("default", mariadb.engine), ("simultaneous", simultaneous)):
            rid = add_recording(mariadb.engine, f"queue-{label}")
            queue = make_queue(engine, max_retries=3)
            history = []
            while jobs := queue.claim(1):
                queue.fail(jobs[0], TranscriptionFailedError())
                after = row(mariadb.engine, rid)
                history.append((after.retry_count, after.next_retry_at is None))
                if after.next_retry_at is not None:
                    move_time_forward(mariadb.engine, rid)
            assert history == [(1, False), (2, False), (3, True)], label
    finally:
        simultaneous.dispose()


def test_sixteen_threads_with_concurrent_inserts_claim_every_row_exactly_once(
    mariadb: TestDatabase,
) -> None:
    engine = engine_for_url(mariadb.url, pool_size=20)

    # MariaDB 11.6+ turns snapshot isolation on by default; under READ COMMITTED the claim must
    # not meet its 1020 errors (research §2), so run the whole test with it on
    @event.listens_for(engine, "connect")
    def _snapshot_isolation(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION innodb_snapshot_isolation = ON")

    bulk_insert(engine, 600, "pending")
    claimed: Counter[int] = Counter()
    lock = threading.Lock()
    inserting = threading.Event()
    inserting.set()
    errors: list[BaseException] = []

    retries: Counter[int] = Counter()

    def claimer(n: int) -> None:
        queue = make_queue(engine, worker_id=f"t{n}")
        idle = 0
        try:
            while idle < 3:
                jobs = queue.claim(2)
                idle = 0 if jobs or inserting.is_set() else idle + 1
                with lock:
                    claimed.update(job.recording_id for job in jobs)
                for job in jobs:
                    queue.complete(job, JobOutcome())
                if not jobs:
                    time.sleep(0.02)
        except BaseException as error:  # surfaced below
            errors.append(error)
        with lock:
            retries.update(queue.transient_retries)

    def inserter() -> None:
        for i in range(200):
            add_recording(engine, f"late.{i}")
        inserting.clear()

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(16)]
    threads.append(threading.Thread(target=inserter))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    engine.dispose()
    assert not errors
    assert len(claimed) == 800
    assert max(claimed.values()) == 1
    assert retries[1020] == 0


@pytest.mark.slow
def test_a_lock_wait_timeout_is_retried(mariadb: TestDatabase) -> None:
    rid = add_recording(mariadb.engine, "lw.1")
    queue = make_queue(mariadb.engine)
    (job,) = queue.claim(1)
    locked = threading.Event()

    def hold_the_row() -> None:
        with mariadb.engine.connect() as conn:
            conn.begin()
            conn.execute(
                text("SELECT id FROM ai_call_recordings WHERE id = :id FOR UPDATE"), {"id": rid}
            )
            locked.set()
            time.sleep(6.5)  # past the 5 s innodb_lock_wait_timeout of our sessions
            conn.rollback()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    locked.wait(10)
    assert queue.renew(job)
    holder.join()
    assert queue.transient_retries[1205] >= 1


@pytest.mark.parametrize(
    ("errno", "transient"), [(1213, True), (1205, True), (1020, True), (1062, False), (2006, False)]
)
def test_which_database_errors_rerun_the_transaction(errno: int, transient: bool) -> None:
    error = OperationalError("UPDATE ...", {}, pymysql.err.OperationalError(errno, "message"))
    assert is_transient(error) is transient
    assert is_transient(RuntimeError("not a database error")) is False
