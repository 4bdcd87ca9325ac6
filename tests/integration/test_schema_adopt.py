"""`angel db upgrade` adopts a database whose ai_* tables Pulse created from the spec's DDL,
and `angel db check` reports drift."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from angel_intelligence.cli import app
from angel_intelligence.db import schema
from angel_intelligence.db.engine import engine_for_url
from dbkit import TestDatabase
from spec_ddl import SPEC_SQL

pytestmark = pytest.mark.mariadb


def _pulse_creates_tables(url: str, sql: str | None = None) -> None:
    """Play Pulse: run the spec's CREATE TABLE statements verbatim."""
    engine = create_engine(url)
    ddl = sql if sql is not None else SPEC_SQL.read_text()
    with engine.begin() as conn:
        for statement in ddl.split(";"):
            body = "\n".join(ln for ln in statement.splitlines() if not ln.startswith("--")).strip()
            if body:
                conn.exec_driver_sql(body)
    engine.dispose()


def test_adopting_pulse_tables_applies_only_the_additions_and_keeps_data(
    empty_mariadb: Callable[[], str],
) -> None:
    url = empty_mariadb()
    _pulse_creates_tables(url)
    engine = engine_for_url(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ai_call_recordings (apex_id, client_ref, created_at) "
                "VALUES ('1737123456.12345', 'ACME001', NOW())"
            )
        )
    database = TestDatabase("mariadb", url, engine)

    result = CliRunner().invoke(app, ["db", "upgrade"], env=database.env())

    assert result.exit_code == 0, result.output
    assert "adopted 9 existing Pulse tables" in result.output
    columns = {c["name"] for c in inspect(engine).get_columns("ai_call_recordings")}
    assert {"claimed_by", "claim_token", "lease_expires_at"} <= columns
    with engine.connect() as conn:
        assert conn.execute(text("SELECT apex_id FROM ai_call_recordings")).scalar_one() == (
            "1737123456.12345"
        )
    assert schema.check(engine).ok, [str(d) for d in schema.check(engine).items]
    again = CliRunner().invoke(app, ["db", "upgrade"], env=database.env())
    assert "up to date" in again.output


def test_adoption_adds_spec_columns_an_older_pulse_table_lacks(
    empty_mariadb: Callable[[], str],
) -> None:
    url = empty_mariadb()
    older = (
        SPEC_SQL.read_text()
        .replace(
            "    agent_actions_performed JSON NULL,           -- Actions agent took (from config)\n",
            "",
        )
        .replace(
            "    model_version VARCHAR(255) NULL,             -- Specific model version used\n", ""
        )
    )
    assert (
        "agent_actions_performed"
        not in older.split("CREATE TABLE ai_call_analysis")[1].split("CREATE TABLE")[0]
    )
    _pulse_creates_tables(url, older)
    engine = engine_for_url(url)

    schema.upgrade(engine)

    columns = {c["name"] for c in inspect(engine).get_columns("ai_call_analysis")}
    assert {"agent_actions_performed", "model_version"} <= columns
    assert schema.check(engine).ok


def test_upgrade_refuses_duplicate_results_with_a_clear_message(
    empty_mariadb: Callable[[], str],
) -> None:
    url = empty_mariadb()
    _pulse_creates_tables(url)
    engine = engine_for_url(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ai_call_recordings (id, apex_id) VALUES (1, '1.1')"))
        for _ in range(2):
            conn.execute(
                text(
                    "INSERT INTO ai_call_transcriptions "
                    "(ai_call_recording_id, full_transcript) VALUES (1, 'x')"
                )
            )
    with pytest.raises(RuntimeError, match="more than one row"):
        schema.upgrade(engine)


def test_check_reports_a_missing_index_and_a_changed_type(mariadb: TestDatabase) -> None:
    url = mariadb.url
    engine = engine_for_url(url)
    assert schema.check(engine).ok
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX idx_campaign ON ai_call_recordings"))
        conn.execute(text("ALTER TABLE ai_call_recordings MODIFY creative VARCHAR(100) NULL"))
    try:
        result = CliRunner().invoke(app, ["db", "check"], env=mariadb.env())
        assert result.exit_code == 1
        assert "idx_campaign" in result.output
        assert "creative has type VARCHAR(100), expected VARCHAR(255)" in result.output
    finally:
        with engine.begin() as conn:
            conn.execute(text("CREATE INDEX idx_campaign ON ai_call_recordings (campaign)"))
            conn.execute(text("ALTER TABLE ai_call_recordings MODIFY creative VARCHAR(255) NULL"))


def test_one_global_config_per_type(db: TestDatabase) -> None:
    insert = text(
        "INSERT INTO ai_client_configs (client_ref, config_type, config_data) "
        "VALUES (:client, 'topics', '[\"A\"]')"
    )
    with db.engine.begin() as conn:
        conn.execute(insert, {"client": None})
        conn.execute(insert, {"client": "ACME001"})
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(insert, {"client": None})
