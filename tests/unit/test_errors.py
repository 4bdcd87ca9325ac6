"""Which database errors are an outage (worth waiting out) and which are about the data."""

from __future__ import annotations

import pymysql
import pytest
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError

from angel_intelligence.errors import DatabaseUnavailableError, is_database_outage


def wrapped(cls: type, orig: BaseException, *, invalidated: bool = False) -> BaseException:
    return cls("UPDATE ai_call_recordings …", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (wrapped(OperationalError, pymysql.err.OperationalError(2013, "Lost connection")), True),
        (wrapped(OperationalError, pymysql.err.OperationalError(2003, "Can't connect")), True),
        (wrapped(OperationalError, pymysql.err.OperationalError(1205, "Lock wait")), True),
        (wrapped(OperationalError, pymysql.err.OperationalError(1040, "Too many")), True),
        # PyMySQL on a connection the peer closed: errno 0, no message
        (wrapped(InterfaceError, pymysql.err.InterfaceError(0, "")), True),
        (wrapped(OperationalError, pymysql.err.OperationalError(0, ""), invalidated=True), True),
        (DisconnectionError("gone"), True),
        (DatabaseUnavailableError("down"), True),
        (wrapped(OperationalError, Exception("database is locked")), True),  # SQLite
        # the server refused the statement's data: trying again gives the same answer
        (wrapped(OperationalError, pymysql.err.OperationalError(1644, "trigger says no")), False),
        (wrapped(OperationalError, pymysql.err.OperationalError(1153, "packet too large")), False),
        (wrapped(IntegrityError, pymysql.err.IntegrityError(1062, "Duplicate entry")), False),
        (ValueError("not a database error"), False),
    ],
)
def test_is_database_outage(error: BaseException, outage: bool) -> None:
    assert is_database_outage(error) is outage
