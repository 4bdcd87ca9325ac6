"""worker/outage.py: a write is waited out through an outage, and refused when only it fails."""

from __future__ import annotations

from collections.abc import Callable

import pymysql
import pytest
import structlog
from sqlalchemy.exc import IntegrityError, OperationalError

from angel_intelligence.errors import DatabaseError
from angel_intelligence.worker.outage import retry_during_outage


def gone_away() -> OperationalError:
    return OperationalError("INSERT …", {}, pymysql.err.OperationalError(2006, "gone away"))


def failing(times: int, error: Callable[[], Exception] = gone_away) -> Callable[[], str]:
    calls = {"n": 0}

    def operation() -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise error()
        return f"written after {calls['n']}"

    return operation


def retry(operation: Callable[[], str], **kwargs: object) -> tuple[str, list[float]]:
    waits: list[float] = []
    result = retry_during_outage(
        operation,
        still_ours=lambda: True,
        log=structlog.get_logger(),
        what="the result",
        sleep=waits.append,
        **kwargs,  # type: ignore[arg-type]
    )
    return result, waits


def test_an_outage_is_waited_out_with_back_off() -> None:
    result, waits = retry(failing(6), answering=lambda: False)
    assert result == "written after 7"
    assert waits == [0.5, 1.0, 1.0, 1.0, 1.0, 1.0]


def test_a_write_that_loses_its_connection_while_the_database_answers_is_refused() -> None:
    with pytest.raises(DatabaseError, match="max_allowed_packet") as raised:
        retry(failing(10), answering=lambda: True)
    assert "gone away" not in str(raised.value)  # the driver's text is never quoted


def test_one_drop_while_the_database_answers_is_tried_again() -> None:
    # a restart can answer a ping just before the write's own connection is replaced
    result, waits = retry(failing(1), answering=lambda: True)
    assert result == "written after 2" and waits == [0.5]


def test_drops_while_answering_must_come_in_a_row() -> None:
    answers = iter([True, False, True, False, True, False])
    result, _ = retry(failing(6), answering=lambda: next(answers))
    assert result == "written after 7"


def test_an_error_about_the_data_is_raised_at_once() -> None:
    duplicate = IntegrityError("INSERT …", {}, pymysql.err.IntegrityError(1062, "Duplicate"))
    with pytest.raises(IntegrityError):
        retry(failing(1, lambda: duplicate))


def test_a_lost_claim_stops_the_waiting() -> None:
    with pytest.raises(OperationalError):
        retry_during_outage(
            failing(1),
            still_ours=lambda: False,
            log=structlog.get_logger(),
            what="the result",
            sleep=lambda _s: None,
        )
