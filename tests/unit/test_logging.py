"""Logs never carry PII: the mask on every record, and exceptions without their messages."""

from __future__ import annotations

import io
import json
import logging

import pymysql
import pytest
from sqlalchemy.exc import OperationalError

from angel_intelligence.errors import DownloadFailedError
from angel_intelligence.logging import (
    LoggingOptions,
    configure_logging,
    describe_exception,
    get_logger,
    mask_pii_text,
)
from angel_intelligence.worker.pipeline import database_reason


@pytest.mark.parametrize(
    "value",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "07911 123456",
        "+44 7911 123456",
        "943 476 5919",
        "12345678",
        "12-34-56",
        "AB123456C",
        "ab 12 34 56 c",
        "SW1A 1AA",
        "jane.doe@example.co.uk",
    ],
)
def test_when_a_value_is_shaped_like_pii_then_it_is_masked(value: str) -> None:
    assert value not in mask_pii_text(f"before {value} after")


@pytest.mark.parametrize(
    "line",
    [
        "Processing recording 12: 1737123456.12345",
        "Stage finished duration_s=12.345 stage=transcribe",
        "2026-12-05T08:31:18.123456Z",
        "worker_id=local-dev claim=3f2a9c1b",
    ],
)
def test_when_a_line_has_ids_and_durations_then_they_stay(line: str) -> None:
    assert mask_pii_text(line) == line


def test_database_errors_are_described_by_code_not_by_the_values_they_quote() -> None:
    quoted = OperationalError(
        "INSERT …", {"x": 1}, pymysql.err.OperationalError(1644, "refused: my postcode is SW1A 1AA")
    )
    duplicate = OperationalError(
        "INSERT …", {}, pymysql.err.IntegrityError(1062, "Duplicate entry '4111111111111111'")
    )
    lost = OperationalError("SELECT 1", {}, pymysql.err.OperationalError(2013, "Lost connection"))
    assert database_reason(quoted) == "OperationalError 1644"
    assert database_reason(duplicate) == "IntegrityError 1062"
    assert database_reason(lost) == "OperationalError 2013: Lost connection"
    assert "SW1A" not in describe_exception(quoted) and "1644" in describe_exception(quoted)


def test_our_own_errors_keep_their_messages_and_others_lose_them() -> None:
    assert "every URL failed" in describe_exception(DownloadFailedError("every URL failed"))
    described = describe_exception(ValueError("cannot parse 'my card is 4111 1111 1111 1111'"))
    assert "4111" not in described and "ValueError" in described


def test_every_record_is_masked_including_tracebacks_and_the_standard_library() -> None:
    stream = io.StringIO()
    configure_logging(LoggingOptions(level="INFO", format="json"))
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    log = get_logger("test")
    log.info("saw AB123456C", detail={"nested": ["call me on 07911 123456"]})
    try:
        raise ValueError("card 4111 1111 1111 1111")
    except ValueError:
        log.exception("failed")
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 3
    text = stream.getvalue()
    for value in ("AB123456C", "07911 123456", "4111"):
        assert value not in text
    assert all("ValueError" in line["exception"] for line in lines[1:])
