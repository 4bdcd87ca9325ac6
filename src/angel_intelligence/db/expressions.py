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
