"""Column types that render as the spec's MySQL DDL and still work on SQLite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, SmallInteger, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeEngine

_MYSQL = ("mysql", "mariadb")


def _variant(generic: TypeEngine[Any], mysql_type: TypeEngine[Any]) -> TypeEngine[Any]:
    for name in _MYSQL:
        generic = generic.with_variant(mysql_type, name)
    return generic


# BIGINT PRIMARY KEY AUTO_INCREMENT (SQLite only auto-increments INTEGER PRIMARY KEY).
BigIntPK: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")
# BIGINT UNSIGNED
UnsignedBigInt: TypeEngine[int] = _variant(BigInteger(), mysql.BIGINT(unsigned=True))
# TINYINT UNSIGNED
UnsignedTinyInt: TypeEngine[int] = _variant(SmallInteger(), mysql.TINYINT(unsigned=True))
# SMALLINT UNSIGNED
UnsignedSmallInt: TypeEngine[int] = _variant(SmallInteger(), mysql.SMALLINT(unsigned=True))
# LONGTEXT
LongText: TypeEngine[str] = _variant(Text(), mysql.LONGTEXT())
# BLOB (64 KiB on MySQL: a 256-float fingerprint takes 1 KiB)
Blob: TypeEngine[bytes] = _variant(LargeBinary(), mysql.BLOB())
# JSON (MariaDB stores it as LONGTEXT with a json_valid check; round-trips the same)
Json: TypeEngine[Any] = JSON(none_as_null=True)
