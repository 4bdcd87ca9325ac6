"""SQL expressions that differ by dialect: the database clock and error-code prefixes.

Every time the queue stores or compares comes from the database's clock (sessions run in UTC),
never from a worker's, so a pod with a skewed clock cannot shorten a lease or a retry delay.
MySQL/MariaDB and SQLite both keep these at one-second precision.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, DateTime, Integer, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class now_plus(FunctionElement[Any]):
    """The database's current UTC time plus `seconds` (which may be 0 or negative)."""

    type = DateTime()
    inherit_cache = True
    name = "now_plus"

    def __init__(self, seconds: int) -> None:
        super().__init__(literal(int(seconds), Integer()))


@compiles(now_plus)
def _now_plus_mysql(element: now_plus, compiler: SQLCompiler, **kw: Any) -> str:
    (seconds,) = element.clauses
    return f"(NOW() + INTERVAL {compiler.process(seconds, **kw)} SECOND)"


@compiles(now_plus, "sqlite")
def _now_plus_sqlite(element: now_plus, compiler: SQLCompiler, **kw: Any) -> str:
    (seconds,) = element.clauses
    # the same text format as CURRENT_TIMESTAMP, so comparisons between the two are exact
    return f"datetime('now', ({compiler.process(seconds, **kw)} || ' seconds'))"


class error_code_prefix(FunctionElement[Any]):
    """The part of `processing_error` before the first colon (the error code)."""

    type = String()
    inherit_cache = True
    name = "error_code_prefix"

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)


@compiles(error_code_prefix)
def _prefix_mysql(element: error_code_prefix, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return f"SUBSTRING_INDEX({compiler.process(column, **kw)}, ':', 1)"


@compiles(error_code_prefix, "sqlite")
def _prefix_sqlite(element: error_code_prefix, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    c = compiler.process(column, **kw)
    return f"(CASE WHEN instr({c}, ':') > 0 THEN substr({c}, 1, instr({c}, ':') - 1) ELSE {c} END)"


class json_table(FunctionElement[Any]):
    """The items of a JSON array as rows, one column per field (MySQL/MariaDB's JSON_TABLE).

    `fields` maps a column name to its path inside an item (`$.name`, or `$` for the item
    itself) and its SQL type. Used as a table-valued function (`.table_valued(*fields)`), joined
    after the table whose column it reads; SQLite has no JSON_TABLE, so `db/insights.py` uses
    `json_each` there instead.
    """

    inherit_cache = False
    name = "json_table"

    def __init__(self, source: ColumnElement[Any], fields: dict[str, tuple[str, str]]) -> None:
        self.fields = fields
        super().__init__(source)


@compiles(json_table)
def _json_table_mysql(element: json_table, compiler: SQLCompiler, **kw: Any) -> str:
    (source,) = element.clauses
    columns = ", ".join(
        f"{name} {sql_type} PATH '{path}'" for name, (path, sql_type) in element.fields.items()
    )
    return f"JSON_TABLE({compiler.process(source, **kw)}, '$[*]' COLUMNS ({columns}))"


class json_array_length(FunctionElement[Any]):
    """The number of items of a JSON array column (0 for NULL)."""

    type = Integer()
    inherit_cache = True
    name = "json_array_length"

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)


@compiles(json_array_length)
def _json_length_mysql(element: json_array_length, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return f"COALESCE(JSON_LENGTH({compiler.process(column, **kw)}), 0)"


@compiles(json_array_length, "sqlite")
def _json_length_sqlite(element: json_array_length, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return f"COALESCE(json_array_length({compiler.process(column, **kw)}), 0)"
