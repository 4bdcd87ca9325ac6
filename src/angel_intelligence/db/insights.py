"""The figures behind a chat answer or a monthly summary, aggregated in the database.

Every figure is one SQL aggregate over `ai_call_recordings` joined to `ai_call_analysis`
(SQLAlchemy Core; MySQL/MariaDB and SQLite): counts by status, averages, label and band
distributions, and the JSON columns unnested in SQL (`JSON_TABLE` on MySQL/MariaDB,
`json_each` on SQLite) for topics, agent actions, rubric scores and compliance flags. Rows are
never loaded to be counted in Python, so a month of a client with a hundred thousand calls in
the table is one index range per query (docs/performance.md).

A call belongs to a period by `call_date`; deleted calls (`deleted_at`) never count. The call
summaries quoted are the analysis model's, written from the redacted transcript; the
transcripts themselves are never read here.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    FromClause,
    String,
    Table,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    true,
)

from angel_intelligence.db.expressions import json_array_length, json_table
from angel_intelligence.db.models import AiCallAnalysis, AiCallRecording, ProcessingStatus
from angel_intelligence.domain.insights import (
    AgentFigures,
    CallFilters,
    CallNote,
    Count,
    Figures,
    FlagCount,
    Period,
    Totals,
)

R = typing.cast(Table, AiCallRecording.__table__)
A = typing.cast(Table, AiCallAnalysis.__table__)

TOP = 8
TOP_AGENTS = 10
QUALITY_BANDS = (("below 50", 0, 50), ("50 to 69", 50, 70), ("70 to 84", 70, 85))
TOP_BAND = "85 to 100"
_WORD = re.compile(r"[a-z][a-z'-]{3,}")
_STOPWORDS = frozenset(
    [
        "what",
        "which",
        "where",
        "when",
        "about",
        "this",
        "that",
        "these",
        "those",
        "with",
        "from",
        "have",
        "there",
        "their",
        "them",
        "they",
        "were",
        "been",
        "being",
        "calls",
        "call",
        "does",
        "show",
        "tell",
        "give",
        "most",
        "main",
        "many",
        "much",
        "more",
        "some",
        "into",
        "over",
        "than",
        "then",
        "also",
        "month",
        "week",
        "year",
        "today",
        "please",
        "could",
        "would",
        "should",
    ]
)


def _round(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(Decimal(str(value))), digits)


def _where(filters: CallFilters, period: Period) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        R.c.deleted_at.is_(None),
        R.c.call_date >= period.start,
        R.c.call_date <= period.end,
    ]
    if filters.client_ref is not None:
        conditions.append(R.c.client_ref == filters.client_ref)
    if filters.campaign is not None:
        conditions.append(R.c.campaign == filters.campaign)
    if filters.agent_id is not None:
        conditions.append(R.c.halo_id == filters.agent_id)
    return conditions


def keywords(question: str, limit: int = 6) -> list[str]:
    """The words of a question worth matching against call summaries and topics."""
    seen: list[str] = []
    for word in _WORD.findall(question.lower()):
        if word not in _STOPWORDS and word not in seen:
            seen.append(word)
    return seen[:limit]


class InsightsRepository:
    """Aggregates for one filter set and period, computed by the database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._mysql = engine.dialect.name in ("mysql", "mariadb")

    def figures(
        self, filters: CallFilters, period: Period, *, question: str = "", notes: int = 5
    ) -> Figures:
        """Every figure of the brief, and up to `notes` call summaries most relevant to
        `question` (its words matched against summaries and topics; the latest calls first
        when nothing matches)."""
        with self._engine.connect() as conn:
            run = conn.execute
            totals = self._totals(run, filters, period)
            previous = self._totals(run, filters, period.previous())
            if totals.calls == 0:
                return Figures(filters, period, totals, previous)
            where = _where(filters, period)
            return Figures(
                filters=filters,
                period=period,
                totals=totals,
                previous=previous,
                sentiment_labels=self._labels(run, where),
                quality_bands=self._bands(run, where),
                rubric_avgs=self._rubric(run, where),
                topics=self._items(run, where, A.c.key_topics, "$.name"),
                actions=self._items(run, where, A.c.agent_actions_performed, "$.action"),
                flags=self._flags(run, where),
                agents=self._agents(run, where),
                notes=self._notes(run, where, keywords(question), notes),
            )

    def clients(self, period: Period) -> list[str]:
        """Every client_ref with calls in `period`, in order."""
        query = (
            select(R.c.client_ref)
            .where(*_where(CallFilters(), period), R.c.client_ref.is_not(None))
            .group_by(R.c.client_ref)
            .order_by(R.c.client_ref)
        )
        with self._engine.connect() as conn:
            return [str(ref) for (ref,) in conn.execute(query)]

    # --- The queries ---------------------------------------------------------------------------

    def _totals(self, run: Any, filters: CallFilters, period: Period) -> Totals:
        status = R.c.processing_status
        query = (
            select(
                func.count(R.c.id),
                func.sum(case((status == ProcessingStatus.COMPLETED.value, 1), else_=0)),
                func.sum(case((status == ProcessingStatus.FAILED.value, 1), else_=0)),
                func.count(A.c.id),
                func.avg(A.c.sentiment_score),
                func.avg(A.c.quality_score),
                func.sum(json_array_length(A.c.compliance_flags)),
            )
            .select_from(R.outerjoin(A, A.c.ai_call_recording_id == R.c.id))
            .where(*_where(filters, period))
        )
        calls, completed, failed, analysed, sentiment, quality, flags = run(query).one()
        return Totals(
            calls=int(calls or 0),
            completed=int(completed or 0),
            failed=int(failed or 0),
            analysed=int(analysed or 0),
            sentiment_avg=_round(sentiment),
            quality_avg=_round(quality, 1),
            compliance_flags=int(flags or 0),
        )

    def _labels(self, run: Any, where: list[ColumnElement[bool]]) -> tuple[Count, ...]:
        label = A.c.sentiment_label
        query = (
            select(label, func.count())
            .select_from(_analysed_join())
            .where(*where, label.is_not(None))
            .group_by(label)
            .order_by(func.count().desc(), label)
        )
        return tuple(Count(str(name), int(count)) for name, count in run(query))

    def _bands(self, run: Any, where: list[ColumnElement[bool]]) -> tuple[Count, ...]:
        score = A.c.quality_score
        band = case(
            *((score < high, literal(name)) for name, _low, high in QUALITY_BANDS),
            else_=literal(TOP_BAND),
        ).label("band")
        query = (
            select(band, func.count())
            .select_from(_analysed_join())
            .where(*where, score.is_not(None))
            .group_by(band)
        )
        counts = {str(name): int(count) for name, count in run(query)}
        order = [name for name, _l, _h in QUALITY_BANDS] + [TOP_BAND]
        return tuple(Count(name, counts[name]) for name in order if name in counts)

    def _unnest(
        self, column: ColumnElement[Any], fields: dict[str, str], *, keys: bool = False
    ) -> tuple[FromClause, dict[str, ColumnElement[Any]]]:
        """The items of a JSON array column as a joinable table, and an expression per field
        (`keys`: the keys of a JSON object instead, as field `key`)."""
        if self._mysql:
            source = func.json_keys(column) if keys else column
            named = {"item_key": "$"} if keys else fields  # KEY is a reserved word
            spec = {name: (path, "VARCHAR(255)") for name, path in named.items()}
            items = (
                json_table(source, spec).table_valued(*spec, joins_implicitly=True).alias("items")
            )
            if keys:
                return items, {"key": items.c.item_key}
            return items, {name: items.c[name] for name in spec}
        each = (
            func.json_each(column)
            .table_valued("key", "value", joins_implicitly=True)
            .alias("items")
        )
        if keys:
            return each, {"key": each.c.key}
        return each, {
            name: func.json_extract(each.c.value, path).label(name) for name, path in fields.items()
        }

    def _items(
        self, run: Any, where: list[ColumnElement[bool]], column: ColumnElement[Any], path: str
    ) -> tuple[Count, ...]:
        items, field = self._unnest(column, {"name": path})
        name = field["name"]
        query = (
            select(name, func.count())
            .select_from(_analysed_join().join(items, true()))
            .where(*where, name.is_not(None))
            .group_by(name)
            .order_by(func.count().desc(), name)
            .limit(TOP)
        )
        return tuple(Count(str(n), int(c)) for n, c in run(query))

    def _flags(self, run: Any, where: list[ColumnElement[bool]]) -> tuple[FlagCount, ...]:
        items, field = self._unnest(A.c.compliance_flags, {"type": "$.type", "sev": "$.severity"})
        kind, severity = field["type"], field["sev"]
        query = (
            select(kind, severity, func.count())
            .select_from(_analysed_join().join(items, true()))
            .where(*where, kind.is_not(None))
            .group_by(kind, severity)
            .order_by(func.count().desc(), kind, severity)
            .limit(TOP * 2)
        )
        return tuple(FlagCount(str(k), str(s or "unknown"), int(c)) for k, s, c in run(query))

    def _rubric(self, run: Any, where: list[ColumnElement[bool]]) -> tuple[tuple[str, float], ...]:
        scores = A.c.performance_scores
        items, field = self._unnest(scores, {}, keys=True)
        key = field["key"]
        if self._mysql:
            path = func.concat(literal('$."'), key, literal('"'))
            value: ColumnElement[Any] = func.json_extract(scores, path)
        else:
            value = literal_column("items.value")
        query = (
            select(key, func.avg(value))
            .select_from(_analysed_join().join(items, true()))
            .where(*where)
            .group_by(key)
            .order_by(key)
        )
        return tuple((str(k), avg) for k, v in run(query) if (avg := _round(v)) is not None)

    def _agents(self, run: Any, where: list[ColumnElement[bool]]) -> tuple[AgentFigures, ...]:
        query = (
            select(
                R.c.halo_id,
                func.max(R.c.agent_name),
                func.count(),
                func.avg(A.c.quality_score),
                func.avg(A.c.sentiment_score),
                func.sum(json_array_length(A.c.compliance_flags)),
            )
            .select_from(_analysed_join())
            .where(*where, R.c.halo_id.is_not(None))
            .group_by(R.c.halo_id)
            .order_by(func.count().desc(), R.c.halo_id)
            .limit(TOP_AGENTS)
        )
        return tuple(
            AgentFigures(
                halo_id=int(halo),
                agent_name=name,
                calls=int(calls),
                quality_avg=_round(quality, 1),
                sentiment_avg=_round(sentiment),
                compliance_flags=int(flags or 0),
            )
            for halo, name, calls, quality, sentiment, flags in run(query)
        )

    def _notes(
        self, run: Any, where: list[ColumnElement[bool]], words: Sequence[str], limit: int
    ) -> tuple[CallNote, ...]:
        if limit <= 0:
            return ()
        summary = func.lower(func.coalesce(A.c.summary, ""))
        topics = func.lower(func.coalesce(cast(A.c.key_topics, String), ""))
        order: list[ColumnElement[Any]] = [R.c.call_date.desc(), R.c.id.desc()]
        if words:
            matches = [case((summary.like(f"%{w}%"), 1), else_=0) for w in words]
            matches += [case((topics.like(f"%{w}%"), 2), else_=0) for w in words]
            score: ColumnElement[Any] = matches[0]
            for match in matches[1:]:
                score = score + match
            order.insert(0, score.desc())
        query = (
            select(R.c.apex_id, R.c.call_date, A.c.summary, A.c.key_topics)
            .select_from(_analysed_join())
            .where(*where, A.c.summary.is_not(None), A.c.summary != "")
            .order_by(*order)
            .limit(limit)
        )
        notes = []
        for apex_id, call_date, text, topics_json in run(query):
            names = tuple(
                str(t["name"]) for t in topics_json or () if isinstance(t, dict) and "name" in t
            )
            notes.append(CallNote(str(apex_id), call_date, str(text), names))
        return tuple(notes)


def _analysed_join() -> FromClause:
    return R.join(A, A.c.ai_call_recording_id == R.c.id)
