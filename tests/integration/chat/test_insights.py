"""The figures behind chat answers and summaries, computed by SQLite and by MariaDB, against
calls whose figures were worked out by hand (tests/chatkit.py)."""

from __future__ import annotations

import datetime as dt

from angel_intelligence.db.insights import InsightsRepository, keywords
from angel_intelligence.domain.insights import (
    AgentFigures,
    CallFilters,
    Count,
    Feature,
    FlagCount,
    Period,
    month_period,
)
from angel_intelligence.services.brief import build_brief
from angel_intelligence.services.numbers import Allowed
from chatkit import KNOWN, seed_known_calls
from dbkit import TestDatabase

JANUARY = month_period(2026, 1)
ACME = CallFilters(client_ref="ACME001")


def test_the_figures_of_a_month_are_the_seeded_ones(db: TestDatabase) -> None:
    seed_known_calls(db.engine)
    figures = InsightsRepository(db.engine).figures(ACME, JANUARY, question="refund complaints")

    t, p = figures.totals, figures.previous
    assert (t.calls, t.completed, t.failed, t.analysed) == (5, 4, 1, 4)
    assert (t.quality_avg, t.sentiment_avg, t.compliance_flags) == (70.0, 3.0, 3)
    assert (p.calls, p.quality_avg) == (KNOWN["previous_calls"], KNOWN["previous_quality_avg"])
    assert figures.topics == (Count("Regular giving signup", 3), Count("Complaint", 2))
    assert figures.flags == (
        FlagCount("missing_disclosure", "high", 2),
        FlagCount("pressure_selling", "medium", 1),
    )
    assert {c.name: c.count for c in figures.sentiment_labels} == {
        "very_positive": 2,
        "negative": 1,
        "positive": 1,
    }
    assert [(c.name, c.count) for c in figures.quality_bands] == [
        ("50 to 69", 2),
        ("70 to 84", 1),
        ("85 to 100", 1),
    ]
    assert figures.rubric_avgs == (("clarity", 7.0), ("empathy", 7.0))
    assert figures.agents == (
        AgentFigures(1001, "Agent One", 2, 85.0, 7.0, 1),
        AgentFigures(1002, "Agent Two", 2, 55.0, -1.0, 2),
    )
    # the question's words find the refund complaint first
    assert figures.notes[0].apex_id == "1001.2"
    assert {n.apex_id for n in figures.notes} == {"1001.1", "1001.2", "1001.3", "1001.4"}


def test_filters_narrow_the_figures_and_no_match_gives_zero_calls(db: TestDatabase) -> None:
    seed_known_calls(db.engine)
    repo = InsightsRepository(db.engine)
    agent = repo.figures(CallFilters("ACME001", agent_id=1002), JANUARY)
    assert (agent.totals.calls, agent.totals.quality_avg) == (2, 55.0)
    everyone = repo.figures(CallFilters(), JANUARY)
    assert everyone.totals.calls == 6  # OTHER01's call too
    nobody = repo.figures(CallFilters(campaign="no such campaign"), JANUARY)
    assert nobody.totals.calls == 0 and nobody.topics == () and nobody.notes == ()
    assert repo.clients(JANUARY) == ["ACME001", "OTHER01"]


def test_deleted_calls_and_other_days_do_not_count(db: TestDatabase) -> None:
    seed_known_calls(db.engine)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE ai_call_recordings SET deleted_at = CURRENT_TIMESTAMP WHERE apex_id = '1001.2'"
        )
    repo = InsightsRepository(db.engine)
    assert repo.figures(ACME, JANUARY).totals.calls == 4
    day = Period(dt.date(2026, 1, 11), dt.date(2026, 1, 31))
    assert repo.figures(ACME, day).totals.calls == 0


def test_the_brief_states_every_figure_and_keeps_to_its_budget(db: TestDatabase) -> None:
    seed_known_calls(db.engine)
    figures = InsightsRepository(db.engine).figures(ACME, JANUARY, question="refund")
    brief = build_brief(figures, Feature.COMPLIANCE, budget_tokens=2000)
    assert brief.text.index("Compliance flags") < brief.text.index("Average quality score")
    allowed = Allowed.of(brief.text)
    for value in ("5", "4", "1", "70.0", "3.00", "3", "2", "50.0", "01/01/2026", "31/01/2026"):
        assert allowed.supports(value), value
    assert "[1001.2]" in brief.text and "1001.2" in brief.calls_quoted
    for fact in brief.facts:
        assert fact.value in brief.text, fact
    small = build_brief(figures, Feature.COMPLIANCE, budget_tokens=200)
    assert small.tokens <= 200 < brief.tokens
    assert small.text.startswith("Data brief for client ACME001")


def test_keywords_leave_out_common_words() -> None:
    assert keywords("What are the main compliance issues this month?") == ["compliance", "issues"]
