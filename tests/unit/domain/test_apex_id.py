"""Apex ids: the strict format, and the call date in their Unix-timestamp prefix."""

from __future__ import annotations

import datetime as dt

import pytest

from angel_intelligence.domain.call import (
    call_date_from_apex_id,
    resolve_call_date,
    validate_apex_id,
)
from angel_intelligence.errors import InvalidApexIdError


@pytest.mark.parametrize("apex_id", ["1737123456.12345", "0.0", "1.2", "12345678901234567890.1"])
def test_when_digits_dot_digits_then_accepted_unchanged(apex_id: str) -> None:
    assert validate_apex_id(apex_id) == apex_id


@pytest.mark.parametrize(
    "apex_id",
    [
        "",
        "1737123456",
        "1737123456.",
        ".12345",
        "1.2.3",
        "1737123456.12345\n",
        "1737123456.12345 ",
        "-1.2",
        "+1.2",
        "1e9.1",
        "1_000.1",
        "../1.2",
        "1.2/x",
        "1.2%2F..",
        "١٢.٣",  # other scripts' digits
        "１.２",  # full-width digits
        "123456789012345678901.1",  # more than 20 digits
    ],
)
def test_when_anything_else_then_invalid_apex_id(apex_id: str) -> None:
    with pytest.raises(InvalidApexIdError) as caught:
        validate_apex_id(apex_id)
    assert caught.value.code == "RECORDING_NOT_FOUND"
    assert caught.value.permanent


def test_when_not_a_string_then_invalid_apex_id() -> None:
    with pytest.raises(InvalidApexIdError):
        validate_apex_id(1737123456.12345)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("apex_id", "expected"),
    [
        ("1737123456.12345", dt.date(2025, 1, 17)),  # the spec's example: 17/01/2025
        ("1735689599.1", dt.date(2024, 12, 31)),  # 23:59:59 UTC on New Year's Eve
        ("1735689600.1", dt.date(2025, 1, 1)),  # midnight UTC
        ("0.1", dt.date(1970, 1, 1)),
    ],
)
def test_call_date_is_the_utc_date_of_the_timestamp_prefix(apex_id: str, expected: dt.date) -> None:
    assert call_date_from_apex_id(apex_id) == expected


def test_a_timestamp_beyond_the_calendar_is_invalid() -> None:
    with pytest.raises(InvalidApexIdError, match="set call_date"):
        call_date_from_apex_id("99999999999999999999.1")


def test_the_rows_call_date_wins_over_the_apex_id() -> None:
    assert resolve_call_date("1737123456.12345", dt.date(2025, 1, 16)) == dt.date(2025, 1, 16)
    assert resolve_call_date("1737123456.12345", None) == dt.date(2025, 1, 17)
