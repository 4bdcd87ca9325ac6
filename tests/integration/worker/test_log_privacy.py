"""Nothing sensitive in the logs when a write fails (issue 19, finding 1).

A database error's text can quote the values it was given: SQLAlchemy's "[parameters: …]", or
the server's own message ("Duplicate entry '…'", a trigger's SIGNAL). Here a real trigger on a
MariaDB database of the test's own refuses the transcription row and quotes the transcript in
its message; the real `angel worker --once` (mock models: the spec's fixed call with a name and a
postcode) processes a call, and no log line, and no stored error, carries the transcript or its
PII. The same with a write over the server's `max_allowed_packet` (a MariaDB of the test's own,
since the limit is server-wide). Then the API's path: an unexpected database error during
`POST /api/config` whose body holds a card number, logged the way uvicorn logs it.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from starlette.testclient import TestClient

from angel_intelligence import bootstrap
from angel_intelligence.db import schema
from angel_intelligence.db.engine import engine_for_url
from angel_intelligence.db.models import AiCallRecording
from angel_intelligence.logging import LoggingOptions, configure_logging
from angel_intelligence.testing.gsm import tone_gsm
from angel_intelligence.testing.pbx_stub import PbxStub
from clikit import run_angel
from dbkit import TestDatabase, create_mariadb_database, drop_mariadb_database
from faultkit import PrivateMariaDB

pytestmark = [pytest.mark.mariadb, pytest.mark.slow]

CALL = "1737123456.301"
# What the mock transcript says (backends/asr/mock.py): none of it may reach a log line.
SENSITIVE = ("SW1A 1AA", "SW1A", "Sam Taylor", "monthly donation", "your full name")
CARD = "4111 1111 1111 1111"
PACKET_LIMIT = 2048
"""Bytes: the claim's statements fit, the mock call's transcription row does not."""


@pytest.fixture
def own_mariadb() -> Iterator[TestDatabase]:
    url = create_mariadb_database("angel_logs")
    engine = engine_for_url(url)
    schema.upgrade(engine)
    try:
        yield TestDatabase("mysql", url, engine)
    finally:
        engine.dispose()
        drop_mariadb_database(url)


def refuse_inserts(database: TestDatabase, table: str, column: str) -> None:
    """A trigger that rejects every new row of `table`, quoting `column` in its message."""
    with database.engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} FOR EACH ROW BEGIN "
                f"DECLARE msg VARCHAR(128); SET msg = CONCAT('refused: ', LEFT(NEW.{column}, 100)); "
                "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg; END"
            )
        )


def test_a_failed_result_write_logs_and_stores_no_transcript_or_pii(
    own_mariadb: TestDatabase, tmp_path: Path
) -> None:
    refuse_inserts(own_mariadb, "ai_call_transcriptions", "full_transcript")
    logs = process_one_call(own_mariadb, tmp_path)
    assert "Could not write the result" in logs, logs[-3000:]
    with own_mariadb.engine.connect() as conn:
        status, error = conn.execute(
            select(AiCallRecording.processing_status, AiCallRecording.processing_error)
        ).one()
    assert status == "failed" and error.startswith("DATABASE_ERROR: OperationalError 1644")
    for value in SENSITIVE:
        assert value not in logs, value
        assert value not in error, value
    assert "refused:" not in logs  # the server's message quoted the transcript


def process_one_call(database: TestDatabase, tmp_path: Path, timeout: float = 300) -> str:
    """`angel worker --once` on the mock models' call; its stdout and stderr."""
    with database.engine.begin() as conn:
        conn.execute(
            insert(AiCallRecording).values(
                apex_id=CALL, processing_status="pending", uploaded_at=dt.datetime(2025, 1, 17)
            )
        )
    with PbxStub() as pbx:
        pbx.add_recording(CALL, tone_gsm(tmp_path / "call.gsm", 20.0).read_bytes())
        result = run_angel(
            "worker",
            "--once",
            cwd=tmp_path,
            timeout=timeout,
            env={
                **database.env(),
                "USE_MOCK_MODELS": "true",
                "LOG_LEVEL": "DEBUG",
                "LOG_FORMAT": "json",
                "PBX_RECORDING_URL": pbx.recording_url,
                "PBX_ARCHIVE_URL": pbx.archive_url,
                "TEMP_DIR": str(tmp_path / "temp"),
            },
        )
    return result.stdout + result.stderr


def test_a_write_over_the_packet_limit_fails_the_call_and_logs_no_transcript(
    tmp_path: Path,
) -> None:
    with PrivateMariaDB(tmp_path / "mariadb") as server:
        engine = engine_for_url(server.url)
        schema.upgrade(engine)
        server.set_global("max_allowed_packet", PACKET_LIMIT)
        database = TestDatabase("mysql", server.url, engine)
        started = time.monotonic()
        logs = process_one_call(database, tmp_path, timeout=120)
        took_s = time.monotonic() - started
        with engine.connect() as conn:
            status, error, retries = conn.execute(
                select(
                    AiCallRecording.processing_status,
                    AiCallRecording.processing_error,
                    AiCallRecording.retry_count,
                )
            ).one()
        engine.dispose()
    assert "Could not write the result" in logs, logs[-3000:]
    # refused for its data, not an outage: failed at once with a retry to come, not waited out
    assert status == "failed" and error.startswith("DATABASE_ERROR"), error
    assert retries == 1 and took_s < 120, took_s
    for value in SENSITIVE:
        assert value not in logs, value
        assert value not in error, value


def test_an_unexpected_api_error_logs_no_request_body(own_mariadb: TestDatabase) -> None:
    db = own_mariadb
    refuse_inserts(db, "ai_client_configs", "config_data")
    stream = io.StringIO()
    configure_logging(LoggingOptions(level="DEBUG", format="json"))
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    token = "t" * 64
    settings = db.settings(api_auth_token=token)
    app = bootstrap.build_api_app(settings, bootstrap.build_api_services(settings, db.engine))
    body = {"client_ref": "ACME", "config_type": "topics", "config_data": [f"Card {CARD}"]}
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.post("/api/config", json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 500
    try:
        with db.engine.begin() as conn:  # the error as the route met it, logged as uvicorn does
            conn.execute(
                text("INSERT INTO ai_client_configs (config_type, config_data) VALUES (:t, :d)"),
                {"t": "topics", "d": f'["Card {CARD}"]'},
            )
    except Exception:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    logs = stream.getvalue()
    assert "Exception in ASGI application" in logs and "api_unhandled_error" in logs
    assert CARD not in logs and "4111" not in logs, logs
