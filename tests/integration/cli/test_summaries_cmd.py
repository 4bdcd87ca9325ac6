"""`angel summaries generate`: what the monthly CronJob runs, in a child process."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import angel

from angel_intelligence.db.summaries import SummaryRepository
from angel_intelligence.domain.insights import SummaryKey
from chatkit import seed_known_calls
from dbkit import TestDatabase


def test_all_clients_writes_one_summary_per_client_and_again_updates_them(
    sqlite: TestDatabase, tmp_path: Path
) -> None:
    seed_known_calls(sqlite.engine)
    env = {"USE_MOCK_MODELS": "true", **sqlite.env()}
    command = ("summaries", "generate", "--all-clients", "--month", "1", "--year", "2026")
    first = angel(*command, cwd=tmp_path, env=env)
    again = angel(*command, cwd=tmp_path, env=env)
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    lines = [json.loads(line) for line in first.stdout.splitlines()]
    assert [(line["client_ref"], line["calls"]) for line in lines] == [
        ("ACME001", 5),
        ("OTHER01", 1),
    ]
    assert [json.loads(line)["summary_id"] for line in again.stdout.splitlines()] == [
        line["summary_id"] for line in lines
    ]
    repo = SummaryRepository(sqlite.engine)
    stored = repo.get(lines[0]["summary_id"])
    assert stored is not None and stored["metrics"]["totals"]["quality_avg"] == 70.0
    assert repo.count(SummaryKey("call_quality", 1, 2026, "ACME001")) == 1


def test_one_client_campaign_and_agent_and_a_month_without_calls(
    sqlite: TestDatabase, tmp_path: Path
) -> None:
    seed_known_calls(sqlite.engine)
    env = {"USE_MOCK_MODELS": "true", **sqlite.env()}
    result = angel(
        "summaries", "generate", "--month", "3", "--year", "2026", "--client-ref", "ACME001",
        "--campaign", "spring", "--agent-id", "1002", "--feature", "agents",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout)
    assert (line["calls"], line["agent_id"], line["feature"]) == (0, 1002, "agents")
    stored = SummaryRepository(sqlite.engine).get(line["summary_id"])
    assert stored is not None
    assert stored["summary_data"]["summary"].startswith("There were no calls for ACME001, spring")


def test_bad_arguments_exit_non_zero_with_one_line(tmp_path: Path) -> None:
    result = angel("summaries", "generate", "--month", "13", "--year", "2026", cwd=tmp_path)
    assert result.returncode != 0 and "--month" in result.stderr
    both = angel(
        "summaries", "generate", "--month", "1", "--year", "2026", "--all-clients",
        "--client-ref", "A", cwd=tmp_path,
    )  # fmt: skip
    assert both.returncode == 1 and "not both" in both.stderr
