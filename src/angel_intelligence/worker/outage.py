"""Database outages cost a delay, not the work (issue 19, finding 3).

A job's fenced writes (its results, its failure) and the releases on shutdown are retried with
back-off while the database is unreachable, for as long as the job still owns its claim: the
heartbeat keeps renewing the lease (or self-fences it once renewals have failed for nearly a
lease), so when the database comes back within the lease the worker renews, writes and completes
without spending an attempt; when it does not, the claim is lost and the reaper handles the row.

Only errors that say "the server is not answering" are retried (lost or refused connections,
time-outs, lock waits, too many connections); an error the server raised about the data (a
trigger, a value too long) fails the job at once, as before.

Some refusals look like an outage: a statement over the server's `max_allowed_packet` makes
MariaDB close the connection, and the client sees "server has gone away" (2006). So after each
such failure the database is asked a trivial question (`answering`): when it answers at once
and the same write has failed this way `DROPS_WHILE_ANSWERING` times in a row, the write itself
is refused, and the job fails (`DATABASE_ERROR`) instead of waiting for ever.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from angel_intelligence.errors import DatabaseError, is_database_outage
from angel_intelligence.logging import describe_exception

T = TypeVar("T")

FIRST_WAIT_S = 0.5
MAX_WAIT_S = 1.0  # a job writes again at most a second after the database is back
DROPS_WHILE_ANSWERING = 2


def retry_during_outage(
    operation: Callable[[], T],
    *,
    still_ours: Callable[[], bool],
    log: Any,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    answering: Callable[[], bool] | None = None,
) -> T:
    """`operation()`, tried again with back-off (0.5 s, then every 1 s) while it fails with an
    outage and `still_ours()`; any other failure, or a lost claim, raises at once, and so does
    an "outage" that only this write meets while `answering()` says the database is up."""
    wait_s = FIRST_WAIT_S
    drops_while_answering = 0
    while True:
        try:
            return operation()
        except Exception as error:
            if not is_database_outage(error) or not still_ours():
                raise
            if answering is not None and answering():
                drops_while_answering += 1
                if drops_while_answering >= DROPS_WHILE_ANSWERING:
                    raise DatabaseError(
                        f"the connection was lost on {drops_while_answering} tries of {what} "
                        "while the database answered other statements: the write itself is "
                        f"refused (larger than max_allowed_packet?); {describe_exception(error)}"
                    ) from error
            else:
                drops_while_answering = 0
            log.warning(
                "The database is unavailable; trying again",
                what=what,
                retry_in_s=wait_s,
                error=describe_exception(error),
            )
            sleep(wait_s)
            wait_s = min(wait_s * 2, MAX_WAIT_S)
