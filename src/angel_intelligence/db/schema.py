"""Creating, migrating, adopting and checking the schema (`angel db upgrade`, `angel db check`).

Migrations are Alembic revisions under `db/migrations/versions`. The first revision adopts
tables Pulse already created from the spec's DDL (it creates only what is missing), so
`upgrade` is the same call on an empty database, on Pulse's database and on our own.
`check` compares the live schema with the models and reports drift, dialect-aware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Engine, Enum, Table, inspect
from sqlalchemy.engine.interfaces import Dialect

from angel_intelligence.db.models import SPEC_TABLES, Base
from angel_intelligence.db.naming import logical_index_name

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "ai_angel_migrations"


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_table", VERSION_TABLE)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


@dataclass(frozen=True)
class UpgradeReport:
    """What `upgrade` did."""

    before: str | None
    after: str
    adopted_tables: tuple[str, ...] = ()
    created_tables: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.before == self.after:
            return f"schema is up to date (revision {self.after})"
        parts = []
        if self.adopted_tables:
            parts.append(f"adopted {len(self.adopted_tables)} existing Pulse tables")
        if self.created_tables:
            parts.append(f"created {len(self.created_tables)} tables")
        parts.append(f"migrated {self.before or 'empty'} → {self.after}")
        return "; ".join(parts)


def upgrade(engine: Engine, revision: str = "head") -> UpgradeReport:
    """Create, migrate or adopt the schema up to `revision`."""
    with engine.connect() as connection:
        before_tables = set(inspect(connection).get_table_names())
        before = current_revision(connection)
        connection.commit()
        command.upgrade(_alembic_config(connection), revision)
        connection.commit()
        after = current_revision(connection) or ""
        after_tables = set(inspect(connection).get_table_names())
    adopted = tuple(t for t in SPEC_TABLES if t in before_tables) if before is None else ()
    created = tuple(sorted(after_tables - before_tables - {VERSION_TABLE}))
    return UpgradeReport(before=before, after=after, adopted_tables=adopted, created_tables=created)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.connect() as connection:
        command.downgrade(_alembic_config(connection), revision)
        connection.commit()


# --- Drift ------------------------------------------------------------------------------------

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Drift:
    """One difference between the live schema and the models."""

    severity: Severity
    table: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity.upper():7} {self.table}: {self.message}"


@dataclass
class DriftReport:
    items: list[Drift] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.items)

    def add(self, severity: Severity, table: str, message: str) -> None:
        self.items.append(Drift(severity, table, message))


_DISPLAY_WIDTH = re.compile(r"\b(TINYINT|SMALLINT|MEDIUMINT|INT|BIGINT)\(\d+\)")
_CHARSET = re.compile(r"\s+(COLLATE|CHARACTER SET)\s+\"?[\w]+\"?", re.IGNORECASE)


def canonical_type(type_: Any, dialect: Dialect) -> str:
    """A comparable spelling of a column type on `dialect` (see docs/schema.md, 'Drift')."""
    if isinstance(type_, Enum):
        return "ENUM(" + ",".join(sorted(type_.enums)) + ")"
    try:
        compiled = type_.compile(dialect=dialect)
    except Exception:  # a reflected type the dialect cannot compile: compare by class name
        compiled = type(type_).__name__
    text_ = _CHARSET.sub("", str(compiled).upper())
    text_ = text_.replace("INTEGER", "INT").replace("NUMERIC", "DECIMAL")
    text_ = _DISPLAY_WIDTH.sub(r"\1", text_)
    text_ = re.sub(r"\bBOOL(EAN)?\b", "TINYINT", text_)
    if dialect.name in ("mysql", "mariadb"):
        text_ = text_.replace("JSON", "LONGTEXT")  # MariaDB's JSON is LONGTEXT + json_valid()
    if dialect.name == "sqlite":
        # SQLite keeps declared names but has no unsigned, enum or sized-int distinctions.
        text_ = re.sub(r"\b(SMALLINT|BIGINT|TINYINT)\b", "INT", text_.replace(" UNSIGNED", ""))
        text_ = text_.replace("DATETIME", "TIMESTAMP")
        if text_.startswith("ENUM("):
            text_ = "VARCHAR"
        text_ = re.sub(r"^VARCHAR\(\d+\)$", "VARCHAR", text_)
    return text_.strip()


def _expected_type(column: Column[Any], dialect: Dialect) -> str:
    type_ = column.type.dialect_impl(dialect)
    if isinstance(column.type, Enum) and dialect.name == "sqlite":
        return "VARCHAR"
    return canonical_type(type_, dialect)


def check(engine: Engine) -> DriftReport:
    """Compare the live schema with the models; errors mean Angel cannot run correctly."""
    report = DriftReport()
    with engine.connect() as connection:
        inspector = inspect(connection)
        dialect = connection.dialect
        live_tables = set(inspector.get_table_names())
        current = current_revision(connection)
        if current != head_revision():
            report.add(
                "error",
                VERSION_TABLE,
                f"schema revision is {current or 'none'}, code expects {head_revision()}:"
                " run `angel db upgrade`",
            )
        for table in Base.metadata.sorted_tables:
            if table.name not in live_tables:
                report.add("error", table.name, "table is missing")
                continue
            _check_table(report, inspector, dialect, table)
        extra = sorted(
            t
            for t in live_tables
            if t.startswith("ai_") and t not in Base.metadata.tables and t != VERSION_TABLE
        )
        for name in extra:
            report.add("info", name, "table is not known to Angel (left alone)")
    return report


def _check_table(report: DriftReport, inspector: Any, dialect: Dialect, table: Table) -> None:
    live_columns = {c["name"]: c for c in inspector.get_columns(table.name)}
    for column in table.columns:
        live = live_columns.get(column.name)
        if live is None:
            report.add("error", table.name, f"column {column.name} is missing")
            continue
        expected = _expected_type(column, dialect)
        actual = canonical_type(live["type"], dialect)
        if isinstance(column.type, Enum) and dialect.name != "sqlite":
            actual_values = set(getattr(live["type"], "enums", []) or [])
            if actual_values != set(column.type.enums):
                report.add(
                    "error",
                    table.name,
                    f"column {column.name} enum values {sorted(actual_values)} differ from "
                    f"{sorted(column.type.enums)}",
                )
        elif expected != actual:
            report.add(
                "error", table.name, f"column {column.name} has type {actual}, expected {expected}"
            )
        if not column.primary_key and bool(live["nullable"]) != bool(column.nullable):
            report.add(
                "error",
                table.name,
                f"column {column.name} is {'NULL' if live['nullable'] else 'NOT NULL'}, "
                f"expected {'NULL' if column.nullable else 'NOT NULL'}",
            )
    for name in sorted(set(live_columns) - set(table.columns.keys())):
        report.add("info", table.name, f"extra column {name} (left alone)")

    _check_keys(report, inspector, dialect, table)


def _check_keys(report: DriftReport, inspector: Any, dialect: Dialect, table: Table) -> None:
    live: dict[str, tuple[tuple[str, ...], bool]] = {}
    for index in inspector.get_indexes(table.name):
        key = logical_index_name(dialect.name, table.name, index["name"])
        live[key] = (tuple(index["column_names"]), bool(index["unique"]))
    for unique in inspector.get_unique_constraints(table.name):
        key = unique["name"] or "unique(" + ",".join(unique["column_names"]) + ")"
        live[logical_index_name(dialect.name, table.name, key)] = (
            tuple(unique["column_names"]),
            True,
        )
    by_shape = {shape: name for name, shape in live.items()}

    expected: list[tuple[str | None, tuple[str, ...], bool]] = []
    for index in table.indexes:
        expected.append((index.name, tuple(c.name for c in index.columns), bool(index.unique)))
    for constraint in table.constraints:
        if constraint.__class__.__name__ == "UniqueConstraint":
            cols = tuple(c.name for c in constraint.columns)  # type: ignore[attr-defined]
            expected.append((str(constraint.name) if constraint.name else None, cols, True))
    for column in table.columns:
        if column.unique:
            expected.append((None, (column.name,), True))

    for name, cols, unique in expected:
        kind = "unique key" if unique else "index"
        if name and name in live:
            if live[name] != (cols, unique):
                report.add(
                    "error",
                    table.name,
                    f"{kind} {name} is on {live[name][0]} (unique={live[name][1]}), "
                    f"expected {cols} (unique={unique})",
                )
        elif (cols, unique) in by_shape:
            if name:
                report.add(
                    "warning", table.name, f"{kind} {name} exists as {by_shape[(cols, unique)]}"
                )
        else:
            report.add("error", table.name, f"{kind} {name or ''} on {cols} is missing")

    live_fks = {
        (
            tuple(fk["constrained_columns"]),
            fk["referred_table"],
            (fk.get("options") or {}).get("ondelete", "").upper() or None,
        )
        for fk in inspector.get_foreign_keys(table.name)
    }
    for fk in table.foreign_key_constraints:
        cols = tuple(c.name for c in fk.columns)
        wanted = (cols, fk.referred_table.name, (fk.ondelete or "").upper() or None)
        if wanted not in live_fks:
            report.add(
                "error",
                table.name,
                f"foreign key {cols} → {fk.referred_table.name} "
                f"(ON DELETE {fk.ondelete or 'RESTRICT'}) is missing",
            )
