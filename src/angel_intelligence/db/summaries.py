"""Monthly summaries (`ai_monthly_summaries`): one row per feature, month and filter set.

The spec's unique key (feature, month, year, client_ref, campaign, agent_id) does not stop
duplicates when a filter is NULL (MySQL and MariaDB treat NULLs as distinct in a unique key),
and most summaries have NULL filters. So `upsert` finds the row and updates it, or inserts one,
inside a transaction that holds a lock on the key: a named lock (`GET_LOCK`) on MySQL/MariaDB,
the write lock that `BEGIN IMMEDIATE` takes on SQLite. Two generations of the same summary at
once therefore leave one row, the later one's (docs/chat.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    func,
    insert,
    select,
    text,
    update,
)

from angel_intelligence.db.models import AiMonthlySummary
from angel_intelligence.domain.insights import SummaryKey
from angel_intelligence.errors import DatabaseUnavailableError

S = cast(Table, AiMonthlySummary.__table__)
LOCK_TIMEOUT_S = 30


def _is(column: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _key_where(key: SummaryKey) -> list[ColumnElement[bool]]:
    return [
        S.c.feature == key.feature,
        S.c.month == key.month,
        S.c.year == key.year,
        _is(S.c.client_ref, key.client_ref),
        _is(S.c.campaign, key.campaign),
        _is(S.c.agent_id, key.agent_id),
    ]


def _row(row: Any) -> dict[str, Any]:
    def iso(moment: dt.datetime | None) -> str | None:
        return None if moment is None else moment.isoformat(timespec="seconds")

    return {
        "id": row.id,
        "feature": row.feature,
        "month": row.month,
        "year": row.year,
        "client_ref": row.client_ref,
        "campaign": row.campaign,
        "agent_id": row.agent_id,
        "summary_data": row.summary_data,
        "metrics": row.metrics,
        "generated_at": iso(row.generated_at),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


class SummaryRepository:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._mysql = engine.dialect.name in ("mysql", "mariadb")

    @contextmanager
    def _locked(self, key: SummaryKey) -> Iterator[Connection]:
        """A connection in a transaction that no other upsert of `key` runs beside."""
        with self._engine.connect() as conn:
            if not self._mysql:
                with conn.begin():  # BEGIN IMMEDIATE: SQLite's one writer
                    yield conn
                return
            name = key.lock_name()
            got = conn.execute(
                text("SELECT GET_LOCK(:name, :timeout)"),
                {"name": name, "timeout": LOCK_TIMEOUT_S},
            ).scalar()
            conn.commit()
            if got != 1:
                raise DatabaseUnavailableError(
                    f"another generation of this summary held its lock for {LOCK_TIMEOUT_S} s"
                )
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})
                conn.commit()

    def upsert(self, key: SummaryKey, summary_data: dict[str, Any], metrics: dict[str, Any]) -> int:
        """Store the summary of `key` (updating the row that has it); returns the row id."""
        values = {"summary_data": summary_data, "metrics": metrics, "generated_at": func.now()}
        with self._locked(key) as conn:
            found = conn.execute(select(S.c.id).where(*_key_where(key)).order_by(S.c.id)).first()
            if found is not None:
                conn.execute(update(S).where(S.c.id == found.id).values(**values))
                return int(found.id)
            result = conn.execute(
                insert(S).values(
                    feature=key.feature,
                    month=key.month,
                    year=key.year,
                    client_ref=key.client_ref,
                    campaign=key.campaign,
                    agent_id=key.agent_id,
                    **values,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def get(self, summary_id: int) -> dict[str, Any] | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(S).where(S.c.id == summary_id)).first()
        return None if row is None else _row(row)

    def find(
        self,
        *,
        month: int,
        year: int,
        feature: str | None = None,
        client_ref: str | None = None,
        campaign: str | None = None,
        agent_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """The summaries of a month; each filter given narrows them, one not given does not."""
        query = select(S).where(S.c.month == month, S.c.year == year)
        for column, value in (
            (S.c.feature, feature),
            (S.c.client_ref, client_ref),
            (S.c.campaign, campaign),
            (S.c.agent_id, agent_id),
        ):
            if value is not None:
                query = query.where(column == value)
        with self._engine.connect() as conn:
            return [_row(row) for row in conn.execute(query.order_by(S.c.id))]

    def count(self, key: SummaryKey) -> int:
        """How many rows hold `key` (one, after any number of generations)."""
        with self._engine.connect() as conn:
            return int(
                conn.execute(select(func.count()).select_from(S).where(*_key_where(key))).scalar()
                or 0
            )
