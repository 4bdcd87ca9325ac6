"""The number check and its repair, on a brief of known figures (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from angel_intelligence.domain.insights import (
    CallFilters,
    CallNote,
    ChatTurn,
    Count,
    Feature,
    Figures,
    Period,
    Totals,
    month_period,
)
from angel_intelligence.services.brief import build_brief, headline_answer
from angel_intelligence.services.chat import cap_history, default_period
from angel_intelligence.services.numbers import Allowed, numbers_in, repair, unsupported

FIGURES = Figures(
    CallFilters("ACME001"),
    month_period(2026, 1),
    Totals(1234, 1200, 34, 1180, 2.46, 72.46, 17),
    Totals(1000, 990, 10, 980, 3.0, 70.0, 5),
    topics=(Count("Complaint", 40),),
    notes=(CallNote("1700000000.12", dt.date(2026, 1, 5), "A complaint about a refund."),),
)
BRIEF = build_brief(FIGURES, Feature.CALL_QUALITY, budget_tokens=1500)
ALLOWED = Allowed.of(BRIEF.text)


@pytest.mark.parametrize(
    "number",
    [
        "1234",  # as written
        "1,234",  # with a thousands separator
        "72.5",  # 72.46 rounded to one decimal
        "72",  # and to none
        "234",  # the change in calls, +234, stated as an amount
        "1700000000.12",  # an apex id
        "01/01/2026",  # a date of the brief
    ],
)
def test_when_the_brief_has_the_number_then_it_is_supported(number: str) -> None:
    assert ALLOWED.supports(number)


@pytest.mark.parametrize("number", ["1235", "72.4", "99", "12/01/2026", "1700000000.13"])
def test_when_the_brief_lacks_the_number_then_it_is_not(number: str) -> None:
    assert not ALLOWED.supports(number)


def test_dates_in_prose_are_checked_as_the_brief_writes_them_and_list_markers_are_not_figures() -> (
    None
):
    text = (
        "1. From 1 January 2026 to 31 January 2026 quality was 72.5.\n2. In January 2026 it rose."
    )
    assert numbers_in(text) == ["01/01/2026", "31/01/2026", "72.5", "2026"]
    assert unsupported(text, ALLOWED) == []
    assert unsupported("It fell on 15 January 2026.", ALLOWED) == ["15/01/2026"]


def test_a_wrong_figure_is_replaced_by_the_one_its_words_name() -> None:
    fixed, report = repair("The average quality score was 95.5 this month.", BRIEF)
    assert fixed == "The average quality score was 72.5 this month."
    assert (
        report.replaced == [{"from": "95.5", "to": "72.5", "figure": "average quality score"}]
        and report.removed_sentences == 0
    )


def test_a_number_no_figure_fits_loses_its_sentence_and_an_empty_answer_gets_the_headline() -> None:
    fixed, report = repair("There were 1234 calls. Widgets rose by 77. Thanks.", BRIEF)
    assert fixed == "There were 1234 calls. Thanks." and report.removed_sentences == 1
    assert repair("Widgets rose by 77.", BRIEF)[0] == ""
    assert "1234 calls" in headline_answer(BRIEF)
    assert unsupported(headline_answer(BRIEF), ALLOWED) == []


def test_the_default_period_and_the_previous_one() -> None:
    today = dt.date(2026, 3, 17)
    assert default_period(None, None, today) == Period(dt.date(2026, 3, 1), today)
    assert default_period(None, dt.date(2026, 2, 10), today).start == dt.date(2026, 1, 12)
    assert default_period(dt.date(2026, 3, 1), None, today).end == today
    assert month_period(2026, 3).previous() == month_period(2026, 2)
    ten_days = Period(dt.date(2026, 3, 11), dt.date(2026, 3, 20))
    assert ten_days.previous() == Period(dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    with pytest.raises(ValueError, match="ends before"):
        Period(dt.date(2026, 3, 2), dt.date(2026, 3, 1))


def test_history_keeps_the_newest_messages_that_fit() -> None:
    history = [ChatTurn("user", "a" * 400), ChatTurn("assistant", "b" * 40), ChatTurn("user", "c")]
    assert cap_history(history, 30) == history[1:]
    assert cap_history(history, 0) == []
