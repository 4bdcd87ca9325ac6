"""A small parser for the spec's CREATE TABLE statements (tests/data/spec_schema.sql).

It reads exactly the subset of MySQL DDL the spec uses: column definitions with NULL/NOT NULL,
DEFAULT, UNIQUE and AUTO_INCREMENT, and INDEX / UNIQUE KEY / FOREIGN KEY clauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SPEC_SQL = Path(__file__).resolve().parent / "data" / "spec_schema.sql"


@dataclass
class SpecColumn:
    name: str
    type: str  # as written, upper-case, e.g. "BIGINT UNSIGNED", "ENUM('a', 'b')"
    not_null: bool
    default: str | None
    unique: bool
    primary_key: bool


@dataclass
class SpecTable:
    name: str
    columns: dict[str, SpecColumn] = field(default_factory=dict)
    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unique_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    foreign_keys: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # col, table, col, on delete


_TYPE = re.compile(
    r"^(?P<type>(?:BIGINT|INT|TINYINT|SMALLINT)(?:\s+UNSIGNED)?|VARCHAR\(\d+\)|DECIMAL\(\d+,\s*\d+\)"
    r"|ENUM\([^)]*\)|LONGTEXT|TEXT|JSON|BLOB|BOOLEAN|DATE|TIMESTAMP)(?P<rest>.*)$",
    re.IGNORECASE,
)


def _upper_outside_quotes(text: str) -> str:
    parts = text.split("'")
    return "'".join(p.upper() if i % 2 == 0 else p for i, p in enumerate(parts))


def _strip_comment(line: str) -> str:
    return line.split("--", 1)[0].strip().rstrip(",").strip()


def parse_spec_schema(path: Path = SPEC_SQL) -> dict[str, SpecTable]:
    text = path.read_text()
    tables: dict[str, SpecTable] = {}
    for match in re.finditer(r"CREATE TABLE (\w+) \((.*?)\n\);", text, re.S):
        table = SpecTable(match.group(1))
        for raw in match.group(2).splitlines():
            line = _strip_comment(raw)
            if not line:
                continue
            if m := re.match(r"INDEX (\w+) \(([^)]*)\)", line):
                table.indexes[m.group(1)] = tuple(c.strip() for c in m.group(2).split(","))
            elif m := re.match(r"UNIQUE KEY (\w+) \(([^)]*)\)", line):
                table.unique_keys[m.group(1)] = tuple(c.strip() for c in m.group(2).split(","))
            elif m := re.match(
                r"FOREIGN KEY \((\w+)\) REFERENCES (\w+)\((\w+)\) ON DELETE (\w+)", line
            ):
                table.foreign_keys.append((m.group(1), m.group(2), m.group(3), m.group(4)))
            else:
                name, definition = line.split(None, 1)
                typed = _TYPE.match(definition)
                assert typed, f"cannot parse column {line!r}"
                rest = typed.group("rest").upper()
                default = re.search(r"DEFAULT\s+('[^']*'|\S+)", typed.group("rest"), re.I)
                table.columns[name] = SpecColumn(
                    name=name,
                    type=_upper_outside_quotes(typed.group("type")),
                    not_null="NOT NULL" in rest or "PRIMARY KEY" in rest,
                    default=default.group(1) if default else None,
                    unique=" UNIQUE" in f" {rest}",
                    primary_key="PRIMARY KEY" in rest,
                )
        tables[table.name] = table
    return tables
