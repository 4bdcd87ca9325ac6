"""The job queue on SQLite and on real MariaDB: claiming, fencing, retries, reaping, requests."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from angel_intelligence import errors
from angel_intelligence.db.models import AiCallTranscription
from angel_intelligence.db.queue import JobQueue
from angel_intelligence.domain.job import JobOutcome, RequestResult
from controlled_pipeline import results_outcome
from dbkit import TestDatabase
from queue_helpers import (
    add_recording,
    add_recordings,
    db_now,
    expire_lease,
    make_queue,
    move_time_forward,
    result_rows,
    row,
    set_columns,
)


def close_to(value: dt.datetime | None, expected: dt.datetime, tolerance_s: float = 5) -> bool:
    return value is not None and abs((value - expected).total_seconds()) <= tolerance_s


def test_claims_queued_then_pending_then_due_retries_never_others(db: TestDatabase) -> None:
    e = db.engine
    pending = add_recording(e, "1.1")
    queued = add_recording(e, "1.2", processing_status="queued")
    due = add_recording(e, "1.3", processing_status="failed", retry_count=1)
    move_time_forward(e, due)
    add_recording(e, "1.4", processing_status="failed", retry_count=1)  # retry not yet due
    future = add_recording(e, "1.5", processing_status="failed", retry_count=1)
    set_columns(e, future, next_retry_at=dt.datetime(2037, 12, 31))
    add_recording(e, "1.6", processing_status="failed", retry_count=3)  # permanent: NULL
    add_recording(e, "1.7", processing_status="completed")
    add_recording(
        e, "1.8", processing_status="processing", lease_expires_at=dt.datetime(2037, 12, 31)
    )
    add_recording(e, "1.9", deleted_at=dt.datetime(2025, 1, 1))  # soft-deleted pending
    add_recording(e, "1.10", processing_status="queued", deleted_at=dt.datetime(2025, 1, 1))

    jobs = make_queue(e).claim(10)

    assert [j.recording_id for j in jobs] == [queued, pending, due]
    assert [j.claimed_from for j in jobs] == ["queued", "pending", "failed"]
    assert [j.attempt for j in jobs] == [1, 1, 2]
    assert make_queue(e).claim(10) == []


def test_claims_only_as_many_as_asked_in_id_order(db: TestDatabase) -> None:
    ids = add_recordings(db.engine, [f"2.{i}" for i in range(5)])
    queue = make_queue(db.engine)
    assert [j.recording_id for j in queue.claim(2)] == ids[:2]
    assert [j.recording_id for j in queue.claim(10)] == ids[2:]
    assert queue.claim(0) == []


def test_a_claim_sets_the_lease_from_the_database_clock(db: TestDatabase) -> None:
    rid = add_recording(db.engine, "3.1", call_date=dt.date(2025, 2, 3), halo_id=77)
    (job,) = make_queue(db.engine, worker_id="pod-a", lease_s=120).claim(1)
    claimed = row(db.engine, rid)
    now = db_now(db.engine)
    assert claimed.processing_status == "processing"
    assert claimed.claimed_by == "pod-a"
    assert claimed.claim_token == job.claim_token and len(job.claim_token) == 32
    assert close_to(claimed.lease_expires_at, now + dt.timedelta(seconds=120))
    assert close_to(claimed.processing_started_at, now)
    assert job.call.apex_id == "3.1" and job.call.halo_id == 77
    assert job.call.call_date == dt.date(2025, 2, 3)


def test_each_claim_gets_its_own_token(db: TestDatabase) -> None:
    add_recordings(db.engine, ["4.1", "4.2", "4.3"])
    jobs = make_queue(db.engine).claim(3)
    assert len({j.claim_token for j in jobs}) == 3


def lost_connection() -> OperationalError:
    return OperationalError("COMMIT", {}, Exception(2013, "Lost connection to server during query"))


def lose_the_commit_once(queue: JobQueue, hook: str) -> None:
    """The next transaction's connection is lost `hook` (before or after the server commits)."""

    def lose(_session: Session) -> None:
        event.remove(queue._sessions, hook, lose)
        raise lost_connection()

    event.listen(queue._sessions, hook, lose)


def test_a_claim_committed_while_the_connection_was_lost_is_adopted_not_reaped(
    db: TestDatabase,
) -> None:
    rid = add_recording(db.engine, "3.5", processing_status="queued")
    queue = make_queue(db.engine, worker_id="pod-a", lease_s=120)
    lose_the_commit_once(queue, "after_commit")
    with pytest.raises(OperationalError):
        queue.claim(2)
    in_doubt = row(db.engine, rid)
    assert in_doubt.processing_status == "processing" and in_doubt.claimed_by == "pod-a"
    set_columns(db.engine, rid, lease_expires_at=db_now(db.engine) + dt.timedelta(seconds=5))

    (job,) = queue.claim(2)  # the next claim takes it up: same claim, fresh lease, no attempt

    adopted = row(db.engine, rid)
    assert job.recording_id == rid and job.claim_token == in_doubt.claim_token
    assert job.claimed_from == "queued" and job.attempt == 1 and adopted.retry_count == 0
    assert close_to(adopted.lease_expires_at, db_now(db.engine) + dt.timedelta(seconds=120))
    assert queue.complete(job, JobOutcome())
    assert queue.claim(2) == []  # adopted once only


def test_angel_process_adopts_its_own_claim_committed_while_the_connection_was_lost(
    db: TestDatabase,
) -> None:
    other, rid = add_recordings(db.engine, ["3.7", "3.8"])
    queue = make_queue(db.engine, worker_id="pod-a", lease_s=120)
    lose_the_commit_once(queue, "after_commit")
    with pytest.raises(OperationalError):
        queue.claim_recording(rid)
    in_doubt = row(db.engine, rid)
    assert in_doubt.processing_status == "processing" and in_doubt.claimed_by == "pod-a"

    job = queue.claim_recording(rid)  # not "another worker has it": it is ours

    assert job is not None and job.recording_id == rid
    assert job.claim_token == in_doubt.claim_token and row(db.engine, rid).retry_count == 0
    assert queue.claim_recording(rid) is None  # adopted once only
    assert row(db.engine, other).processing_status == "pending"  # nobody else was touched


def test_a_claim_lost_before_its_commit_is_forgotten_and_claimed_afresh(
    db: TestDatabase,
) -> None:
    rid = add_recording(db.engine, "3.6")
    queue = make_queue(db.engine, worker_id="pod-a")
    lose_the_commit_once(queue, "before_commit")
    with pytest.raises(OperationalError):
        queue.claim(1)
    assert row(db.engine, rid).processing_status == "pending"
    (job,) = queue.claim(1)
    assert job.recording_id == rid and row(db.engine, rid).claim_token == job.claim_token


def test_renew_extends_the_lease_only_for_the_holder(db: TestDatabase) -> None:
    rid = add_recording(db.engine, "5.1")
    queue = make_queue(db.engine, lease_s=30)
    (job,) = queue.claim(1)
    set_columns(db.engine, rid, lease_expires_at=db_now(db.engine))
    assert queue.renew(job)
    assert close_to(
        row(db.engine, rid).lease_expires_at, db_now(db.engine) + dt.timedelta(seconds=30)
    )
    assert queue.release(job)
    assert not queue.renew(job)


def test_complete_writes_results_and_the_status_together(db: TestDatabase) -> None:
    rid = add_recording(db.engine, "6.1")
    queue = make_queue(db.engine)
    (job,) = queue.claim(1)
    assert queue.complete(job, results_outcome("first", duration_s=61))
    done = row(db.engine, rid)
    assert done.processing_status == "completed"
    assert done.duration_seconds == 61
    assert done.processing_completed_at is not None
    assert (done.claimed_by, done.claim_token, done.lease_expires_at) == (None, None, None)
    assert result_rows(db.engine, rid) == (1, 1)


def test_a_fenced_out_completion_writes_nothing(db: TestDatabase) -> None:
    rid = add_recording(db.engine, "7.1")
    first, second = make_queue(db.engine, worker_id="a"), make_queue(db.engine, worker_id="b")
    (stale,) = first.claim(1)
    expire_lease(db.engine, rid)
    assert second.reap() == [rid]
    move_time_forward(db.engine, rid)
    (fresh,) = second.claim(1)
    writes: list[int] = []

    def write(session: Session, recording_id: int) -> None:
        writes.append(recording_id)

    assert not first.complete(
        stale, JobOutcome(recording_updates={"duration_seconds": 1}, write=write)
    )
    assert not first.fail(stale, errors.TranscriptionFailedError())
    assert not first.release(stale)
    assert not first.renew(stale)
    assert writes == []
    assert row(db.engine, rid).claim_token == fresh.claim_token
    assert second.complete(fresh, results_outcome("fresh"))
    assert result_rows(db.engine, rid) == (1, 1)
    assert row(db.engine, rid).duration_seconds == 42


def test_a_failing_write_rolls_back_everything(db: TestDatabase) -> None:
    rid = add_recording(db.engine, "8.1")
    queue = make_queue(db.engine)
    (job,) = queue.claim(1)

    def write(session: Session, recording_id: int) -> None:
        session.add(AiCallTranscription(ai_call_recording_id=recording_id, full_transcript="half"))
        session.flush()
        raise RuntimeError("disk full while writing")

    with pytest.raises(RuntimeError):
        queue.complete(job, JobOutcome(recording_updates={"duration_seconds": 5}, write=write))
    assert row(db.engine, rid).processing_status == "processing"
    assert row(db.engine, rid).duration_seconds is None
    assert result_rows(db.engine, rid) == (0, 0)


@pytest.mark.parametrize("column", ["processing_status", "retry_count", "claim_token", "nope"])
def test_an_outcome_cannot_set_the_queue_columns(db: TestDatabase, column: str) -> None:
    add_recording(db.engine, "9.1")
    queue = make_queue(db.engine)
    (job,) = queue.claim(1)
    with pytest.raises(ValueError, match=column):
        queue.complete(job, JobOutcome(recording_updates={column: "x"}))


def test_reprocessing_replaces_results_never_duplicates(db: TestDatabase) -> None:
    rid = add_recording(db.engine, "10.1")
    queue = make_queue(db.engine)
    (job,) = queue.claim(1)
    assert queue.complete(job, results_outcome("first"))
    assert queue.request_processing("10.1", force=True).queued
    (again,) = queue.claim(1)
    assert queue.complete(again, results_outcome("second"))
    assert result_rows(db.engine, rid) == (1, 1)
    with db.engine.connect() as conn:
        text = conn.execute(select(AiCallTranscription.full_transcript)).scalar_one()
    assert text == "second"


def test_a_failure_schedules_a_retry_an_hour_later_by_the_database_clock(
    db: TestDatabase,
) -> None:
    rid = add_recording(db.engine, "11.1")
    queue = make_queue(db.engine, retry_delay_s=3600)
    (job,) = queue.claim(1)
    assert queue.fail(job, errors.DownloadFailedError("HTTP 503 from the PBX"))
    failed = row(db.engine, rid)
    assert failed.processing_status == "failed"
    assert failed.retry_count == 1
    assert failed.processing_error == "DOWNLOAD_FAILED: HTTP 503 from the PBX"
    assert close_to(failed.next_retry_at, db_now(db.engine) + dt.timedelta(hours=1))
    assert (failed.claimed_by, failed.claim_token, failed.lease_expires_at) == (None, None, None)
    assert queue.claim(1) == []  # not due yet
    move_time_forward(db.engine, rid)
    (retry,) = queue.claim(1)
    assert retry.attempt == 2


@pytest.mark.parametrize("max_retries", [1, 2, 3, 5])
def test_max_retries_counts_attempts_in_total(db: TestDatabase, max_retries: int) -> None:
    """MAX_RETRIES=3 means three attempts: after the third failure the call stays failed."""
    rid = add_recording(db.engine, "12.1")
    queue = make_queue(db.engine, max_retries=max_retries)
    attempts = 0
    while jobs := queue.claim(1):
        attempts += 1
        assert queue.fail(jobs[0], errors.TranscriptionFailedError())
        if row(db.engine, rid).next_retry_at is not None:
            move_time_forward(db.engine, rid)
    final = row(db.engine, rid)
    assert attempts == max_retries
    assert final.retry_count == max_retries
    assert final.processing_status == "failed"
    assert final.next_retry_at is None


@pytest.mark.parametrize(
    "error",
    [errors.InvalidAudioError("0-byte file"), errors.InvalidApexIdError("'../etc'")],
    ids=["invalid-audio", "invalid-apex-id"],
)
def test_permanent_errors_fail_at_once(db: TestDatabase, error: errors.AngelError) -> None:
    rid = add_recording(db.engine, "13.1")
    queue = make_queue(db.engine)
    (job,) = queue.claim(1)
    assert queue.fail(job, error)
    failed = row(db.engine, rid)
    assert (failed.processing_status, failed.retry_count, failed.next_retry_at) == (
        "failed",
        1,
        None,
    )
    assert failed.processing_error.startswith(f"{error.code}: ")


def test_a_retry_count_at_its_column_maximum_still_fails_cleanly(db: TestDatabase) -> None:
    rid = add_recording(db.engine, "13.2", processing_status="queued", retry_count=255)
    queue = make_queue(db.engine)
    (job,) = queue.claim(1)
    assert queue.fail(job, errors.DownloadFailedError())
    assert (row(db.engine, rid).retry_count, row(db.engine, rid).next_retry_at) == (255, None)


def test_release_puts_the_call_back_without_using_a_retry(db: TestDatabase) -> None:
    rid = add_recording(db.engine, "14.1", retry_count=1, processing_status="queued")
    queue = make_queue(db.engine)
    (job,) = queue.claim(1)
    assert queue.release(job)
    released = row(db.engine, rid)
    assert released.processing_status == "queued"
    assert released.retry_count == 1
    assert released.processing_error.startswith("RELEASED_ON_SHUTDOWN: ")
    assert released.claim_token is None
    assert [j.recording_id for j in queue.claim(1)] == [rid]


def test_reap_fails_expired_leases_as_worker_lost_and_counts_the_attempt(db: TestDatabase) -> None:
    lost, alive = add_recordings(db.engine, ["15.1", "15.2"])
    queue = make_queue(db.engine, worker_id="pod-x", max_retries=2)
    queue.claim(2)
    expire_lease(db.engine, lost)
    assert queue.reap() == [lost]
    reaped = row(db.engine, lost)
    assert reaped.processing_status == "failed"
    assert reaped.retry_count == 1
    assert reaped.processing_error.startswith("WORKER_LOST: ")
    assert "pod-x" in reaped.processing_error
    assert reaped.next_retry_at is not None
    assert row(db.engine, alive).processing_status == "processing"
    # the second loss uses the last attempt: permanent
    move_time_forward(db.engine, lost)
    queue.claim(1)
    expire_lease(db.engine, lost)
    assert queue.reap() == [lost]
    assert (row(db.engine, lost).retry_count, row(db.engine, lost).next_retry_at) == (2, None)


def test_reap_takes_old_processing_rows_without_a_lease(db: TestDatabase) -> None:
    old = add_recording(db.engine, "16.1", processing_status="processing")
    set_columns(db.engine, old, processing_started_at=dt.datetime(2020, 1, 1))
    recent = add_recording(db.engine, "16.2", processing_status="processing")
    set_columns(db.engine, recent, processing_started_at=db_now(db.engine))
    assert make_queue(db.engine).reap() == [old]
    assert row(db.engine, recent).processing_status == "processing"


@pytest.mark.parametrize(
    ("status", "retry_count", "permanent", "force", "result", "final_status", "final_retries"),
    [
        ("pending", 0, False, False, RequestResult.QUEUED, "queued", 0),
        ("queued", 0, False, False, RequestResult.QUEUED, "queued", 0),
        ("failed", 1, False, False, RequestResult.QUEUED, "queued", 1),
        ("failed", 3, True, False, RequestResult.NEEDS_FORCE, "failed", 3),
        ("failed", 3, True, True, RequestResult.QUEUED, "queued", 0),
        ("completed", 1, False, False, RequestResult.NEEDS_FORCE, "completed", 1),
        ("completed", 1, False, True, RequestResult.QUEUED, "queued", 0),
        ("processing", 0, False, True, RequestResult.IN_PROGRESS, "processing", 0),
    ],
)
def test_request_processing(
    db: TestDatabase,
    status: str,
    retry_count: int,
    permanent: bool,
    force: bool,
    result: RequestResult,
    final_status: str,
    final_retries: int,
) -> None:
    rid = add_recording(db.engine, "17.1", processing_status=status, retry_count=retry_count)
    if status == "failed" and not permanent:
        set_columns(db.engine, rid, next_retry_at=dt.datetime(2037, 12, 31))
    outcome = make_queue(db.engine).request_processing("17.1", force=force)
    assert outcome.result is result
    assert outcome.recording_id == rid
    assert outcome.previous_status == status
    after = row(db.engine, rid)
    assert (after.processing_status, after.retry_count) == (final_status, final_retries)
    if result is RequestResult.QUEUED:
        assert after.next_retry_at is None


def test_request_processing_of_an_unknown_or_deleted_call(db: TestDatabase) -> None:
    add_recording(db.engine, "18.1", deleted_at=dt.datetime(2025, 1, 1))
    queue = make_queue(db.engine)
    for apex_id in ("18.1", "99.99"):
        outcome = queue.request_processing(apex_id)
        assert outcome.result is RequestResult.NOT_FOUND
        assert outcome.recording_id is None


def test_claim_recording_claims_only_that_due_row(db: TestDatabase) -> None:
    first, second = add_recordings(db.engine, ["19.1", "19.2"])
    set_columns(db.engine, second, processing_status="completed")
    queue = make_queue(db.engine)
    assert queue.claim_recording(second) is None
    job = queue.claim_recording(first)
    assert job is not None and job.recording_id == first
    assert queue.claim_recording(first) is None


def test_statistics(db: TestDatabase) -> None:
    e = db.engine
    add_recordings(e, ["20.1", "20.2"])
    old = add_recording(e, "20.3")
    set_columns(e, old, created_at=dt.datetime(2020, 1, 1))
    add_recording(
        e, "20.4", processing_status="queued", processing_error="MODEL_LOAD_ERROR: no model.bin"
    )
    add_recording(e, "20.5", processing_status="completed")
    scheduled = add_recording(
        e, "20.6", processing_status="failed", processing_error="DOWNLOAD_FAILED: 503"
    )
    set_columns(e, scheduled, next_retry_at=dt.datetime(2037, 12, 31))
    due = add_recording(
        e, "20.7", processing_status="failed", processing_error="DOWNLOAD_FAILED: 404"
    )
    move_time_forward(e, due)
    add_recording(e, "20.8", processing_status="failed", processing_error="INVALID_AUDIO: empty")
    add_recording(e, "20.9", processing_status="failed", processing_error="something odd")
    expired = add_recording(e, "20.10", processing_status="processing", claim_token="t" * 32)
    set_columns(e, expired, lease_expires_at=dt.datetime(2020, 1, 1))
    add_recording(e, "20.11", processing_status="failed", deleted_at=dt.datetime(2025, 1, 1))

    stats = make_queue(e).statistics()

    assert dict(stats.by_status) == {
        "pending": 3,
        "queued": 1,
        "processing": 1,
        "completed": 1,
        "failed": 4,
    }
    assert stats.total == 10
    assert stats.oldest_pending_age_s is not None
    assert stats.oldest_pending_age_s > 5 * 365 * 86400 * 0.9
    assert stats.oldest_queued_age_s is not None and stats.oldest_queued_age_s < 600
    assert dict(stats.failures_by_code) == {"DOWNLOAD_FAILED": 2, "INVALID_AUDIO": 1, "UNKNOWN": 1}
    assert (stats.retries_scheduled, stats.retries_due, stats.permanently_failed) == (2, 1, 2)
    assert stats.expired_leases == 1
    assert dict(stats.released_by_code) == {"MODEL_LOAD_ERROR": 1}  # put back by a worker
    assert stats.to_dict()["by_status"]["failed"] == 4


def test_statistics_of_an_empty_queue(db: TestDatabase) -> None:
    stats = make_queue(db.engine).statistics()
    assert stats.total == 0
    assert stats.oldest_pending_age_s is None
    assert dict(stats.failures_by_code) == {}
