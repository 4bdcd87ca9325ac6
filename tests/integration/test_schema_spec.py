"""The schema `angel db upgrade` builds on MariaDB holds every column, type, enum value,
default, index, unique key and foreign key of the spec's DDL (tests/data/spec_schema.sql)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from angel_intelligence.cli import app
from dbkit import TestDatabase
from spec_ddl import SpecColumn, parse_spec_schema

pytestmark = pytest.mark.mariadb

SPEC = parse_spec_schema()


def _mariadb_column_type(spec_type: str) -> str:
    """The spec's type as information_schema.COLUMN_TYPE spells it (display widths dropped)."""
    t = spec_type.replace("BOOLEAN", "TINYINT(1)")
    if t == "JSON":
        return "longtext"  # MariaDB: JSON is an alias of LONGTEXT with a json_valid() check
    if t.startswith("ENUM("):
        values = re.findall(r"'([^']*)'", t)
        return "enum(" + ",".join(f"'{v}'" for v in values) + ")"
    return re.sub(r"\s+", " ", t.lower().replace(", ", ","))


def _strip_width(column_type: str) -> str:
    return re.sub(
        r"\b(tinyint|smallint|int|bigint)\((\d+)\)",
        lambda m: m.group(1) if m.group(1) != "tinyint" or m.group(2) != "1" else "tinyint(1)",
        column_type,
    )


def _default(spec: SpecColumn) -> str | None:
    if spec.default is None:
        return None
    return {"FALSE": "0", "TRUE": "1"}.get(spec.default.upper(), spec.default).strip("'")


@pytest.fixture
def upgraded(empty_mariadb: Callable[[], str]) -> TestDatabase:
    """An empty database on which the real `angel db upgrade` command has run."""
    url = empty_mariadb()
    database = TestDatabase("mariadb", url, create_engine(url))
    result = CliRunner().invoke(app, ["db", "upgrade"], env=database.env())
    assert result.exit_code == 0, result.output
    assert "0006_insights_index" in result.output
    return database


def test_every_spec_column_has_the_spec_type_default_and_nullability(
    upgraded: TestDatabase,
) -> None:
    with upgraded.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA "
                "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
            )
        ).all()
    live = {(r[0], r[1]): r for r in rows}
    checked = 0
    for table in SPEC.values():
        for column in table.columns.values():
            row = live.get((table.name, column.name))
            assert row is not None, f"{table.name}.{column.name} is missing"
            assert _strip_width(row[2]) == _strip_width(_mariadb_column_type(column.type)), (
                f"{table.name}.{column.name}: {row[2]} is not {column.type}"
            )
            assert (row[3] == "NO") == column.not_null, f"{table.name}.{column.name} nullability"
            live_default = None if row[4] in (None, "NULL") else row[4].strip("'")
            assert live_default == _default(column), f"{table.name}.{column.name} default"
            if column.primary_key:
                assert "auto_increment" in row[5]
            checked += 1
    assert checked == sum(len(t.columns) for t in SPEC.values()) == 112


def test_json_columns_only_accept_json(upgraded: TestDatabase) -> None:
    with upgraded.engine.begin() as conn:
        conn.execute(text("INSERT INTO ai_call_recordings (apex_id) VALUES ('1.1')"))
        with pytest.raises(Exception, match=r"CONSTRAINT|check"):
            conn.execute(
                text(
                    "INSERT INTO ai_call_transcriptions "
                    "(ai_call_recording_id, full_transcript, segments) "
                    "VALUES (1, 'x', 'not json')"
                )
            )


def test_every_spec_index_unique_key_and_foreign_key_exists(upgraded: TestDatabase) -> None:
    with upgraded.engine.connect() as conn:
        stats = conn.execute(
            text(
                "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM "
                "information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                "ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
            )
        ).all()
        fks = conn.execute(
            text(
                "SELECT k.TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, "
                "k.REFERENCED_COLUMN_NAME, r.DELETE_RULE FROM information_schema.KEY_COLUMN_USAGE k "
                "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_NAME = "
                "k.CONSTRAINT_NAME AND r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
                "WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL"
            )
        ).all()
    indexes: dict[tuple[str, str], tuple[bool, list[str]]] = {}
    for table, name, non_unique, column in stats:
        indexes.setdefault((table, name), (not non_unique, []))[1].append(column)
    for table in SPEC.values():
        for name, cols in table.indexes.items():
            assert indexes.get((table.name, name)) == (False, list(cols)), f"{table.name}.{name}"
        for name, cols in table.unique_keys.items():
            assert indexes.get((table.name, name)) == (True, list(cols)), f"{table.name}.{name}"
        for column in table.columns.values():
            if column.unique:
                assert any(
                    u and c == [column.name]
                    for (t, _), (u, c) in indexes.items()
                    if t == table.name
                ), f"{table.name}.{column.name} UNIQUE"
            if column.primary_key:
                assert indexes[(table.name, "PRIMARY")] == (True, [column.name])
        for fk in table.foreign_keys:
            assert (table.name, *fk) in {tuple(r) for r in fks}, f"{table.name} FK {fk}"


def test_tables_are_innodb_utf8mb4(upgraded: TestDatabase) -> None:
    with upgraded.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'ai\\_%'"
            )
        ).all()
    assert {r[0] for r in rows} >= set(SPEC)
    for name, engine, collation in rows:
        assert engine == "InnoDB", name
        assert collation.startswith("utf8mb4"), name
