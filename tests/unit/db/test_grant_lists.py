"""The grant lists of db/grants.py: the worker and API hold no DDL, and excess is reported."""

from __future__ import annotations

import pytest

from angel_intelligence.db import grants


def test_the_worker_and_api_users_hold_no_ddl_and_no_pulse_table() -> None:
    for role in ("worker", "api"):
        for table, privileges in grants.GRANTS[role].items():
            assert not set(privileges) & grants.DDL, (role, table)
            assert table in grants.SPEC_TABLES + grants.ANGEL_TABLES, (role, table)
    assert "DELETE" not in {p for ps in grants.GRANTS["worker"].values() for p in ps}


def test_names_that_are_not_plain_identifiers_are_refused() -> None:
    for bad in ("pulse`; DROP DATABASE x; --", "", "a b", "x" * 65):
        with pytest.raises(ValueError):
            grants.Account(database=bad, user="angel_worker")
        with pytest.raises(ValueError):
            grants.Account(database="pulse", user=bad)
    with pytest.raises(ValueError):
        grants.Account(user="angel_worker", host="%' OR '1")


def test_excess_grants_are_reported_one_line_per_table() -> None:
    held = grants.parse_show_grants(
        [
            "GRANT USAGE ON *.* TO `angel_worker`@`%` IDENTIFIED BY PASSWORD '*AB'",
            "GRANT SELECT, UPDATE, DELETE ON `pulse`.`ai_call_recordings` TO `angel_worker`@`%`",
            "GRANT SELECT (id) ON `pulse`.`users` TO `angel_worker`@`%`",
            "GRANT ALL PRIVILEGES ON `pulse`.* TO `angel_worker`@`%`",
            "GRANT SELECT ON `pulse`.`ai_client_configs` TO `angel_worker`@`%`",
        ]
    )
    assert grants.excess_privileges("worker", "pulse", held) == [
        "ALL PRIVILEGES on pulse.*",
        "DELETE on pulse.ai_call_recordings",
        "SELECT on pulse.users",
    ]
    assert grants.excess_privileges("migration", "other", held) != []
