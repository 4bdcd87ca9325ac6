"""Database outages cost a delay, not the work (issue 19, finding 3).

A job's fenced writes (its results, its failure) and the releases on shutdown are retried with
back-off while the database is unreachable, for as long as the job still owns its claim: the
heartbeat keeps renewing the lease (or self-fences it once renewals have failed for nearly a
lease), so when the database comes back within the lease the worker renews, writes and completes
without spending an attempt; when it does not, the claim is lost and the reaper handles the row.

Only errors that say "the server is not answering" are retried (lost or refused connections,
time-outs, lock waits, too many connections); an error the server raised about the data (a
trigger, a value too long, a packet too large) fails the job at once, as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from angel_intelligence.errors import is_database_outage
from angel_intelligence.logging import describe_exception

T = TypeVar("T")

FIRST_WAIT_S = 0.5
MAX_WAIT_S = 5.0


def retry_during_outage(
    operation: Callable[[], T],
    *,
    still_ours: Callable[[], bool],
    log: Any,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`operation()`, tried again with back-off (0.5 s doubling to 5 s) while it fails with an
    outage and `still_ours()`; any other failure, or a lost claim, raises at once."""
    wait_s = FIRST_WAIT_S
    while True:
        try:
            return operation()
        except Exception as error:
            if not is_database_outage(error) or not still_ours():
                raise
            log.warning(
                "The database is unavailable; trying again",
                what=what,
                retry_in_s=wait_s,
                error=describe_exception(error),
            )
            sleep(wait_s)
            wait_s = min(wait_s * 2, MAX_WAIT_S)
