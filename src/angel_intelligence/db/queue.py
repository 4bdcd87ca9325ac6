"""The job queue: `ai_call_recordings` claimed, renewed, completed, failed, released and reaped.

Every statement here follows research/reliability_anchors.md §2–§3 (docs/worker.md explains
the design):

- A claim is one short READ COMMITTED transaction: one `SELECT id … ORDER BY … LIMIT n FOR UPDATE
  SKIP LOCKED` per status (`queued`, then `pending`, then due `failed`), each forced onto the
  index whose order it reads, so a claimer locks only the rows it returns; then one `UPDATE`.
  On SQLite (one writer, `BEGIN IMMEDIATE`) the same statements run under the database lock
  and the `UPDATE` re-checks the status.
- Every later write is fenced by `claim_token`: a worker that lost its lease changes nothing.
- Times come from the database clock.
- Deadlocks (1213), lock-wait timeouts (1205) and MariaDB snapshot conflicts (1020) retry the
  whole transaction with jittered backoff.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, case, func, literal, null, select, update
from sqlalchemy.exc import DBAPIError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from angel_intelligence.db.engine import session_factory, transaction
from angel_intelligence.db.expressions import now_plus
from angel_intelligence.db.queue_sql import (
    CLAIM_COLUMNS,
    CLAIM_ORDER,
    COMPLETED,
    FAILED,
    PROCESSING,
    QUEUED,
    TABLE,
    check_claim_plans,
    checked_recording_updates,
    claim_select,
    claimable,
    expired_lease_select,
    fence,
    incremented_retry_count,
    lost_lease,
    orphan_select,
    read_statistics,
)
from angel_intelligence.domain.call import CallInput
from angel_intelligence.domain.job import (
    ClaimedJob,
    JobOutcome,
    QueueStatistics,
    RequestOutcome,
    RequestResult,
)
from angel_intelligence.errors import AngelError, ReleasedOnShutdownError
from angel_intelligence.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

TRANSIENT_ERRNOS = {1213: "deadlock", 1205: "lock wait timeout", 1020: "snapshot conflict"}
TRANSACTION_ATTEMPTS = 5
REAP_BATCH = 50
ORPHAN_AFTER_S = 3600
"""A `processing` row with no lease at all is reaped after this long (see `reap`)."""
MAX_ERROR_CHARS = 2000


def _errno(error: BaseException) -> int | None:
    if isinstance(error, DBAPIError) and error.orig is not None:
        args = getattr(error.orig, "args", ())
        if args and isinstance(args[0], int):
            return args[0]
    return None


def is_transient(error: BaseException) -> bool:
    """A MySQL/MariaDB error after which the whole transaction should simply run again."""
    return _errno(error) in TRANSIENT_ERRNOS


def _error_text(error: AngelError) -> str:
    text = error.processing_error
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class QueueOptions:
    """The queue section's numbers a `JobQueue` claims and retries by."""

    worker_id: str
    lease_s: int
    max_retries: int
    retry_delay_s: int


class JobQueue:
    """The queue operations of one worker (or of the API, which only requests and counts).

    Built from an engine and the numbers it needs; every method is one short transaction and
    safe to call from several threads.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        worker_id: str,
        lease_s: int,
        max_retries: int,
        retry_delay_s: int,
        orphan_after_s: int = ORPHAN_AFTER_S,
    ) -> None:
        if lease_s < 1 or max_retries < 1 or retry_delay_s < 0:
            raise ValueError("lease_s and max_retries must be positive, retry_delay_s >= 0")
        self.engine = engine
        self.worker_id = worker_id
        self.lease_s = lease_s
        self.max_retries = max_retries
        self.retry_delay_s = retry_delay_s
        self.orphan_after_s = orphan_after_s
        self._sessions = session_factory(engine)
        self._counts_lock = threading.Lock()
        self._in_doubt_lock = threading.Lock()
        self._in_doubt: dict[str, str] = {}
        """Claim tokens whose commit was not acknowledged, with the status claimed from."""
        self.transient_retries: Counter[int] = Counter()
        """Transactions re-run, by MySQL error number (for monitoring and the benchmark)."""

    @classmethod
    def from_options(cls, engine: Engine, options: QueueOptions) -> JobQueue:
        return cls(
            engine,
            worker_id=options.worker_id,
            lease_s=options.lease_s,
            max_retries=options.max_retries,
            retry_delay_s=options.retry_delay_s,
        )

    # --- Claiming -------------------------------------------------------------------------

    def claim(self, n: int) -> list[ClaimedJob]:
        """Claim up to `n` due recordings for this worker (`queued`, `pending`, due `failed`).

        Claims whose commit was in doubt (see `_claim`) are adopted first and count towards `n`.
        """
        if n <= 0:
            return []
        adopted = self._retry(self._adopt_in_doubt) if self._in_doubt else []
        if len(adopted) >= n:
            return adopted
        return adopted + self._retry(lambda: self._claim(n - len(adopted), None))

    def claim_recording(self, recording_id: int) -> ClaimedJob | None:
        """Claim one specific recording if it is due (used by `angel process`).

        A claim of it whose commit was in doubt is adopted, as in `claim`.
        """

        def attempt() -> list[ClaimedJob]:
            if self._in_doubt:
                adopted = self._adopt_in_doubt(recording_id)
                if adopted:
                    return adopted
            return self._claim(1, recording_id)

        jobs = self._retry(attempt)
        return jobs[0] if jobs else None

    def _claim(self, n: int, recording_id: int | None) -> list[ClaimedJob]:
        t = TABLE
        with transaction(self._sessions) as session:
            # the locking reads return the columns the job needs: InnoDB locks the clustered
            # record anyway, and it saves reading the claimed rows again
            found: list[tuple[Any, str]] = []
            if recording_id is not None:
                row = session.execute(
                    select(*(t.c[name] for name in CLAIM_COLUMNS))
                    .where(t.c.id == recording_id, claimable())
                    .with_for_update(skip_locked=True)
                ).first()
                found = [(row, row.processing_status)] if row else []
            else:
                for status in CLAIM_ORDER:
                    if len(found) >= n:
                        break
                    rows = session.execute(claim_select(status, n - len(found))).all()
                    found.extend((row, status) for row in rows)
            if not found:
                return []
            tokens = {row.id: secrets.token_hex(16) for row, _ in found}
            # Until the commit is acknowledged these claims are in doubt: a connection lost
            # after the server committed would leave them `processing` under our name with
            # nobody working on them until the lease ran out and the reaper spent an attempt.
            self._note_in_doubt({tokens[row.id]: status for row, status in found})
            claimed = session.execute(
                update(t)
                .where(t.c.id.in_(tokens), claimable())
                .values(
                    processing_status=PROCESSING,
                    claimed_by=self.worker_id,
                    claim_token=case(tokens, value=t.c.id),
                    processing_started_at=func.now(),
                    processing_completed_at=None,
                    lease_expires_at=now_plus(self.lease_s),
                    next_retry_at=None,
                )
            )
            if _rowcount(claimed) != len(tokens):
                # cannot happen (the rows are locked, or SQLite's write lock is held); if it
                # ever does, keep exactly the rows that now carry our tokens
                mine = set(
                    session.scalars(
                        select(t.c.id).where(t.c.claim_token.in_(tokens.values()))
                    ).all()
                )
                found = [(row, status) for row, status in found if row.id in mine]
        self._settle(tokens.values())
        return [self._job(row, status, tokens[row.id]) for row, status in found]

    def _note_in_doubt(self, statuses: dict[str, str]) -> None:
        with self._in_doubt_lock:
            self._in_doubt.update(statuses)

    def _settle(self, tokens: Any) -> None:
        with self._in_doubt_lock:
            for token in tokens:
                self._in_doubt.pop(token, None)

    def _adopt_in_doubt(self, recording_id: int | None = None) -> list[ClaimedJob]:
        """Take up the claims whose commit was in doubt and did happen, with a fresh lease.

        A claim's tokens are noted before its `UPDATE` and settled once its commit returns; if
        the connection is lost in between (a database restart, a network cut), the server may
        have committed. The next claim looks for rows still `processing` under those tokens
        and this worker's name, renews their lease and starts them: the call costs a delay,
        not an attempt. Tokens found nowhere were never committed and are forgotten.

        With `recording_id`, only that recording is looked for and only its token settled:
        the others stay in doubt for the next full claim.
        """
        t = TABLE
        with self._in_doubt_lock:
            in_doubt = dict(self._in_doubt)
        mine = [
            t.c.claim_token.in_(in_doubt),
            t.c.claimed_by == self.worker_id,
            t.c.processing_status == PROCESSING,
        ]
        if recording_id is not None:
            mine.append(t.c.id == recording_id)
        with transaction(self._sessions) as session:
            rows = session.execute(
                select(*(t.c[name] for name in CLAIM_COLUMNS), t.c.claim_token)
                .where(*mine)
                .with_for_update()
            ).all()
            if rows:
                session.execute(
                    update(t)
                    .where(t.c.claim_token.in_([row.claim_token for row in rows]))
                    .values(lease_expires_at=now_plus(self.lease_s), updated_at=t.c.updated_at)
                )
        self._settle(in_doubt if recording_id is None else [row.claim_token for row in rows])
        if rows:
            log.warning(
                "Adopted recordings whose claim was committed while the connection was lost",
                recording_ids=[row.id for row in rows],
            )
        return [self._job(row, in_doubt[row.claim_token], row.claim_token) for row in rows]

    def _job(self, row: Any, claimed_from: str, token: str) -> ClaimedJob:
        call = CallInput(
            recording_id=row.id,
            apex_id=row.apex_id,
            call_date=row.call_date,
            client_ref=row.client_ref,
            campaign=row.campaign,
            halo_id=row.halo_id,
            agent_name=row.agent_name,
            direction=row.direction,
            retain_audio=bool(row.retain_audio),
        )
        return ClaimedJob(
            recording_id=row.id,
            apex_id=row.apex_id,
            claim_token=token,
            worker_id=self.worker_id,
            attempt=(row.retry_count or 0) + 1,
            claimed_from=claimed_from,
            call=call,
        )

    # --- Fenced writes by the lease holder ---------------------------------------------------

    def renew(self, job: ClaimedJob) -> bool:
        """Extend the lease; False when this worker no longer holds the claim."""
        t = TABLE

        def once() -> bool:
            with transaction(self._sessions) as session:
                result = session.execute(
                    update(t)
                    .where(*fence(job))
                    # a heartbeat is not a change to the call: keep `updated_at`
                    .values(lease_expires_at=now_plus(self.lease_s), updated_at=t.c.updated_at)
                )
                return _rowcount(result) == 1

        return self._retry(once)

    def complete(self, job: ClaimedJob, outcome: JobOutcome) -> bool:
        """Write the results and mark the call completed, atomically; False if fenced out.

        The recording row is locked first (parent before children, on every path), then
        `outcome.write` writes the result rows with the same session, then the status changes.
        When the claim is no longer ours nothing at all is written.
        """
        updates = checked_recording_updates(outcome.recording_updates)
        t = TABLE

        def once() -> bool:
            with transaction(self._sessions) as session:
                held = session.execute(select(t.c.id).where(*fence(job)).with_for_update()).first()
                if held is None:
                    return False
                outcome.write(session, job.recording_id)
                session.execute(
                    update(t)
                    .where(*fence(job))
                    .values(
                        **updates,
                        processing_status=COMPLETED,
                        processing_completed_at=func.now(),
                        processing_error=None,
                        next_retry_at=None,
                        claimed_by=None,
                        claim_token=None,
                        lease_expires_at=None,
                    )
                )
                return True

        return self._retry(once)

    def fail(self, job: ClaimedJob, error: AngelError) -> bool:
        """Record a failed attempt: retry after the delay, or stay failed; False if fenced out.

        `MAX_RETRIES` counts attempts in total: the attempt that brings `retry_count` to
        `MAX_RETRIES` leaves `next_retry_at` NULL (permanent). Permanent errors skip the budget.
        """
        t = TABLE
        next_retry: ColumnElement[Any] = (
            null()
            if error.permanent
            else case(
                (t.c.retry_count + 1 >= self.max_retries, null()),
                else_=now_plus(self.retry_delay_s),
            )
        )
        statement = (
            update(t)
            .where(*fence(job))
            .ordered_values(
                # next_retry_at reads retry_count, so it is assigned first: MySQL and MariaDB
                # assign left to right (later ones see new values) unless MariaDB runs with
                # SIMULTANEOUS_ASSIGNMENT; in this order both agree (research §2).
                (t.c.next_retry_at, next_retry),
                (t.c.processing_error, _error_text(error)),
                (t.c.processing_status, FAILED),
                (t.c.retry_count, incremented_retry_count()),
                (t.c.claimed_by, None),
                (t.c.claim_token, None),
                (t.c.lease_expires_at, None),
            )
        )
        return self._execute_fenced(statement)

    def release(self, job: ClaimedJob, reason: AngelError | None = None) -> bool:
        """Put the call back to `queued` without using a retry (shutdown, a worker fault)."""
        t = TABLE
        error = reason or ReleasedOnShutdownError()
        statement = (
            update(t)
            .where(*fence(job))
            .values(
                processing_status=QUEUED,
                processing_error=_error_text(error),
                claimed_by=None,
                claim_token=None,
                lease_expires_at=None,
            )
        )
        return self._execute_fenced(statement)

    def _execute_fenced(self, statement: Any) -> bool:
        def once() -> bool:
            with transaction(self._sessions) as session:
                return _rowcount(session.execute(statement)) == 1

        return self._retry(once)

    # --- Recovery ------------------------------------------------------------------------------

    def reap(self) -> list[int]:
        """Fail `processing` rows whose lease expired (`WORKER_LOST`, counted as an attempt).

        Also reaps rows left `processing` with no lease at all (by a pre-Angel worker or a hand
        edit) once they have been processing for `orphan_after_s`. Returns the reaped ids.
        """
        t = TABLE
        lost = lost_lease(self.orphan_after_s)
        message = (
            literal("WORKER_LOST: the lease expired; worker ")
            + func.coalesce(t.c.claimed_by, "(none)")
            + literal(" stopped renewing it (crashed, killed, paused or cut off)")
        )

        def once() -> list[int]:
            with transaction(self._sessions) as session:
                ids = list(session.scalars(expired_lease_select(REAP_BATCH)).all())
                if len(ids) < REAP_BATCH:
                    ids += session.scalars(
                        orphan_select(REAP_BATCH - len(ids), self.orphan_after_s)
                    ).all()
                if not ids:
                    return []
                session.execute(
                    update(t)
                    .where(t.c.id.in_(ids), lost)
                    .ordered_values(
                        (
                            t.c.next_retry_at,
                            case(
                                (t.c.retry_count + 1 >= self.max_retries, null()),
                                else_=now_plus(self.retry_delay_s),
                            ),
                        ),
                        (t.c.processing_error, message),
                        (t.c.processing_status, FAILED),
                        (t.c.retry_count, incremented_retry_count()),
                        (t.c.claimed_by, None),
                        (t.c.claim_token, None),
                        (t.c.lease_expires_at, None),
                    )
                )
                return ids

        return self._retry(once)

    # --- Requests and numbers ---------------------------------------------------------------

    def request_processing(self, apex_id: str, *, force: bool = False) -> RequestOutcome:
        """Queue one call now (`angel process`, POST /api/process); never processes inline.

        pending, queued or failed-with-a-retry → `queued` (the retry count is kept);
        completed or permanently failed → `queued` only with `force`, which also resets
        `retry_count`; processing → refused. The change is a guarded UPDATE on the status just
        read, so a claim racing with the request is never overwritten.
        """
        t = TABLE
        for _ in range(5):
            with transaction(self._sessions) as session:
                row = session.execute(
                    select(t.c.id, t.c.processing_status, t.c.next_retry_at, t.c.claimed_by).where(
                        t.c.apex_id == apex_id, t.c.deleted_at.is_(None)
                    )
                ).first()
                if row is None:
                    return RequestOutcome(
                        RequestResult.NOT_FOUND, None, None, f"no recording with apex id {apex_id}"
                    )
                rid, status, next_retry_at, claimed_by = row
                if status == PROCESSING:
                    return RequestOutcome(
                        RequestResult.IN_PROGRESS,
                        rid,
                        status,
                        f"recording {rid} is being processed by worker {claimed_by}",
                        claimed_by=claimed_by,
                    )
                finished = status == COMPLETED or (status == FAILED and next_retry_at is None)
                if finished and not force:
                    state = "completed" if status == COMPLETED else "failed permanently"
                    return RequestOutcome(
                        RequestResult.NEEDS_FORCE,
                        rid,
                        status,
                        f"recording {rid} has {state}; force re-processing to run it again",
                    )
                values: dict[str, Any] = {"processing_status": QUEUED, "next_retry_at": None}
                if force:
                    values |= {"retry_count": 0, "processing_error": None}
                changed = session.execute(
                    update(t).where(t.c.id == rid, t.c.processing_status == status).values(values)
                )
                if _rowcount(changed) == 1:
                    return RequestOutcome(
                        RequestResult.QUEUED, rid, status, "Call queued for processing"
                    )
        return RequestOutcome(
            RequestResult.IN_PROGRESS, None, None, f"recording {apex_id} keeps changing; try again"
        )

    def answers(self) -> bool:
        """Whether the database answers a trivial query now (within the engine's time-outs)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(literal(1))).scalar_one()
        except Exception:
            return False
        return True

    def statistics(self) -> QueueStatistics:
        """Totals per status, oldest waiting ages, failures by code (the spec's getStatistics)."""
        with transaction(self._sessions) as session:
            return read_statistics(session)

    def check_claim_plans(self) -> list[str]:
        """Problems with the claim and reap query plans (MySQL/MariaDB); empty when all is well."""
        return check_claim_plans(self.engine, self.orphan_after_s, REAP_BATCH)

    # --- Transactions ---------------------------------------------------------------------

    def _retry(self, fn: Callable[[], T]) -> T:
        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(TRANSACTION_ATTEMPTS),
            wait=wait_random_exponential(multiplier=0.02, max=0.5),
            before_sleep=self._count_retry,
            reraise=True,
        )
        return retrying(fn)

    def _count_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        errno = _errno(error) if error else None
        if errno is not None:
            with self._counts_lock:
                self.transient_retries[errno] += 1
            log.info(
                "Retrying a queue transaction",
                errno=errno,
                reason=TRANSIENT_ERRNOS.get(errno),
                attempt=state.attempt_number,
            )


def _rowcount(result: Any) -> int:
    # SQLAlchemy's MySQL dialects set CLIENT.FOUND_ROWS: matched rows, even when unchanged.
    return int(result.rowcount)
