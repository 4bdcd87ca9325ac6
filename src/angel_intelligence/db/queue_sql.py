"""The queue's statements: the locking reads, the fence, their plan check, and the statistics.

`queue.py` runs these inside its transactions. They live apart so that the plan check and the
tests look at exactly the statements that run (research/reliability_anchors.md §2–§3).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    Table,
    and_,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from angel_intelligence.db.expressions import error_code_prefix, now_plus
from angel_intelligence.db.models import AiCallRecording, ProcessingStatus
from angel_intelligence.domain.job import ClaimedJob, QueueStatistics
from angel_intelligence.errors import error_code_of

TABLE = cast(Table, AiCallRecording.__table__)
PENDING = ProcessingStatus.PENDING.value
QUEUED = ProcessingStatus.QUEUED.value
PROCESSING = ProcessingStatus.PROCESSING.value
COMPLETED = ProcessingStatus.COMPLETED.value
FAILED = ProcessingStatus.FAILED.value

CLAIM_ORDER = (QUEUED, PENDING, FAILED)
"""UI-requested calls first, then new calls, then due retries (issue 3)."""

CLAIM_INDEX = {
    QUEUED: "idx_processing_status",  # (processing_status, id): InnoDB appends the PK
    PENDING: "idx_processing_status",
    FAILED: "idx_claim_retry",  # (processing_status, next_retry_at, id)
}
REAP_INDEX = "idx_claim_lease"  # (processing_status, lease_expires_at, id)

QUEUE_COLUMNS = frozenset(
    {
        "id",
        "apex_id",
        "processing_status",
        "processing_error",
        "retry_count",
        "next_retry_at",
        "processing_started_at",
        "processing_completed_at",
        "claimed_by",
        "claim_token",
        "lease_expires_at",
        "created_at",
        "updated_at",
        "deleted_at",
    }
)
"""Columns only the queue writes; a `JobOutcome` may set any other column of the recording."""


CLAIM_COLUMNS = (
    "id",
    "apex_id",
    "processing_status",
    "retry_count",
    "call_date",
    "client_ref",
    "campaign",
    "halo_id",
    "agent_name",
    "direction",
    "retain_audio",
)
"""What a claim reads of each row: the facts the pipeline needs (`CallInput`), `id` first."""


def claimable() -> ColumnElement[bool]:
    """A row a worker may claim now (the guard of the claim's UPDATE)."""
    t = TABLE
    return and_(
        t.c.deleted_at.is_(None),
        or_(
            t.c.processing_status.in_((QUEUED, PENDING)),
            and_(t.c.processing_status == FAILED, t.c.next_retry_at <= func.now()),
        ),
    )


def fence(job: ClaimedJob) -> tuple[ColumnElement[bool], ...]:
    """Still this claim: the row is `processing` under the job's token."""
    t = TABLE
    return (
        t.c.id == job.recording_id,
        t.c.claim_token == job.claim_token,
        t.c.processing_status == PROCESSING,
    )


def lost_lease(orphan_after_s: int) -> ColumnElement[bool]:
    """A `processing` row whose lease expired, or that has none and is older than the limit."""
    t = TABLE
    return and_(
        t.c.processing_status == PROCESSING,
        or_(
            t.c.lease_expires_at < func.now(),
            and_(
                t.c.lease_expires_at.is_(None),
                or_(
                    t.c.processing_started_at.is_(None),
                    t.c.processing_started_at < now_plus(-orphan_after_s),
                ),
            ),
        ),
    )


MAX_RETRY_COUNT = 255  # TINYINT UNSIGNED


def incremented_retry_count() -> ColumnElement[Any]:
    """`retry_count + 1`, held at the column maximum (a row set to 255 still fails cleanly)."""
    t = TABLE
    return case((t.c.retry_count >= MAX_RETRY_COUNT, MAX_RETRY_COUNT), else_=t.c.retry_count + 1)


def _forced(query: Select[Any], index: str) -> Select[Any]:
    # Without the hint MariaDB reads the failed query as `ref` on the status alone once there
    # are permanently failed rows (NULL next_retry_at sorts first), scanning and locking them.
    for dialect in ("mysql", "mariadb"):
        query = query.with_hint(TABLE, f"FORCE INDEX ({index})", dialect)
    return query


def claim_select(status: str, limit: int) -> Select[Any]:
    """The locking read of one status's due rows (`CLAIM_COLUMNS`), in index order."""
    t = TABLE
    query = select(*(t.c[name] for name in CLAIM_COLUMNS)).where(
        t.c.processing_status == status, t.c.deleted_at.is_(None)
    )
    if status == FAILED:
        # no `retry_count < MAX_RETRIES` here: it flips the plan (research §2); the NULL
        # `next_retry_at` of a permanent failure keeps those rows out of the range instead.
        query = query.where(t.c.next_retry_at <= func.now()).order_by(t.c.next_retry_at, t.c.id)
    else:
        query = query.order_by(t.c.id)
    return _forced(query, CLAIM_INDEX[status]).limit(limit).with_for_update(skip_locked=True)


def expired_lease_select(limit: int) -> Select[Any]:
    t = TABLE
    query = (
        select(t.c.id)
        .where(t.c.processing_status == PROCESSING, t.c.lease_expires_at < func.now())
        .order_by(t.c.lease_expires_at, t.c.id)
    )
    return _forced(query, REAP_INDEX).limit(limit).with_for_update(skip_locked=True)


def orphan_select(limit: int, orphan_after_s: int) -> Select[Any]:
    """`processing` rows with no lease (a pre-Angel worker, a hand edit) older than the limit."""
    t = TABLE
    query = (
        select(t.c.id)
        .where(
            t.c.processing_status == PROCESSING,
            t.c.lease_expires_at.is_(None),
            or_(
                t.c.processing_started_at.is_(None),
                t.c.processing_started_at < now_plus(-orphan_after_s),
            ),
        )
        # (status, NULL) is one key prefix, read in id order; ordering by the NULL column
        # too makes MariaDB add a filesort
        .order_by(t.c.id)
    )
    return _forced(query, REAP_INDEX).limit(limit).with_for_update(skip_locked=True)


def checked_recording_updates(updates: Mapping[str, Any]) -> dict[str, Any]:
    """The recording columns a `JobOutcome` sets; refuses unknown and queue-owned columns."""
    known = set(TABLE.c.keys())
    bad = sorted(name for name in updates if name not in known or name in QUEUE_COLUMNS)
    if bad:
        raise ValueError(f"JobOutcome.recording_updates cannot set {', '.join(bad)}")
    return dict(updates)


def check_claim_plans(engine: Engine, orphan_after_s: int, reap_batch: int = 50) -> list[str]:
    """EXPLAIN each claim and reap query (MySQL/MariaDB); returns the problems found.

    Each must read its intended index in order (no filesort), or `SKIP LOCKED` locks every
    candidate row and a second worker finds nothing (research §0.2). The hints make this hold
    on any data; the check catches a missing index or a server that ignores the hint.
    """
    if engine.dialect.name == "sqlite":
        return []
    queries: list[tuple[str, Select[Any], str]] = [
        (f"claim {status}", claim_select(status, 4), CLAIM_INDEX[status]) for status in CLAIM_ORDER
    ]
    queries.append(("reap expired leases", expired_lease_select(reap_batch), REAP_INDEX))
    queries.append(("reap orphans", orphan_select(reap_batch, orphan_after_s), REAP_INDEX))
    problems = []
    with engine.connect() as conn:
        for label, query, index in queries:
            compiled = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
            try:
                plan = conn.exec_driver_sql(f"EXPLAIN {compiled}").mappings().all()
            except DBAPIError as error:
                problems.append(f"{label}: {error.orig}; run `angel db upgrade`")
                conn.rollback()
                continue
            for step in plan:
                key, extra = step.get("key"), str(step.get("Extra") or "")
                if key != index or "filesort" in extra.lower():
                    problems.append(
                        f"{label}: the plan uses key {key!r} ({extra or 'no extra'}) instead of "
                        f"an ordered read of {index}"
                    )
        conn.rollback()
    return problems


def read_statistics(session: Session) -> QueueStatistics:
    """The queue's numbers (the spec's getStatistics), soft-deleted rows left out."""
    t = TABLE
    live = t.c.deleted_at.is_(None)
    now = session.scalar(select(now_plus(0)))
    by_status = {s.value: 0 for s in ProcessingStatus}
    for status, count in session.execute(
        select(t.c.processing_status, func.count()).where(live).group_by(t.c.processing_status)
    ):
        key = status or PENDING  # NULL is the column default's meaning
        by_status[key] = by_status.get(key, 0) + count
    # a queued row waits since it was queued (its last update); a pending one since created
    waiting_since = {
        PENDING: func.min(func.coalesce(t.c.created_at, t.c.updated_at)),
        QUEUED: func.min(func.coalesce(t.c.updated_at, t.c.created_at)),
    }
    oldest = {
        status: session.scalar(select(since).where(live, t.c.processing_status == status))
        for status, since in waiting_since.items()
    }
    failures: Counter[str] = Counter()
    prefix = error_code_prefix(t.c.processing_error)
    for code, count in session.execute(
        select(prefix, func.count()).where(live, t.c.processing_status == FAILED).group_by(prefix)
    ):
        failures[error_code_of(f"{code}:" if code else None) or "UNKNOWN"] += count
    # queued rows a worker put back (shutdown, or MODEL_LOAD_ERROR) keep the reason until rerun
    released: Counter[str] = Counter()
    for code, count in session.execute(
        select(prefix, func.count())
        .where(live, t.c.processing_status == QUEUED, t.c.processing_error.is_not(None))
        .group_by(prefix)
    ):
        released[error_code_of(f"{code}:" if code else None) or "UNKNOWN"] += count
    scheduled, due = session.execute(
        select(
            func.count(t.c.next_retry_at),
            func.count(case((t.c.next_retry_at <= func.now(), 1))),
        ).where(live, t.c.processing_status == FAILED)
    ).one()
    expired = session.scalar(
        select(func.count()).where(
            live, t.c.processing_status == PROCESSING, t.c.lease_expires_at < func.now()
        )
    )

    def age(since: Any) -> float | None:
        if since is None or now is None:
            return None
        return max(0.0, float((now - since).total_seconds()))

    return QueueStatistics(
        by_status=by_status,
        oldest_pending_age_s=age(oldest[PENDING]),
        oldest_queued_age_s=age(oldest[QUEUED]),
        failures_by_code=dict(failures),
        retries_scheduled=int(scheduled),
        retries_due=int(due),
        permanently_failed=by_status[FAILED] - int(scheduled),
        expired_leases=int(expired or 0),
        released_by_code=dict(released),
    )
