"""The `angel` command on the embedded default, and its one-line errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from clikit import run_angel


def angel(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a clean directory with no configuration."""
    return run_angel(*args, cwd=cwd, env=env)


def test_help_lists_the_command_groups(tmp_path: Path) -> None:
    result = angel("--help", cwd=tmp_path)
    assert result.returncode == 0
    for group in ("db", "config"):
        assert group in result.stdout


def test_db_upgrade_and_check_work_with_no_configuration(tmp_path: Path) -> None:
    upgraded = angel("db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "0006_insights_index" in upgraded.stdout
    assert (tmp_path / "data" / "angel.sqlite3").exists()
    checked = angel("db", "check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "schema matches" in checked.stdout


def test_db_check_before_upgrade_fails_and_says_what_to_do(tmp_path: Path) -> None:
    result = angel("db", "check", cwd=tmp_path)
    assert result.returncode == 1
    assert "angel db upgrade" in result.stdout + result.stderr


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    result = angel(
        "config", "show", cwd=tmp_path, env={"API_AUTH_TOKEN": "t" * 64, "AI_DB_PASSWORD": "pw-xyz"}
    )
    assert result.returncode == 0
    assert "t" * 64 not in result.stdout and "pw-xyz" not in result.stdout
    assert "API_AUTH_TOKEN" in result.stdout and "**********" in result.stdout


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"ANGEL_ENV": "staging"}, "ANGEL_ENV"),
        ({"AI_DB_PORT": "x"}, "AI_DB_PORT"),
        ({"ANGEL_ENV": "production"}, "API_AUTH_TOKEN is missing"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    result = angel("db", "upgrade", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = angel(
        "db",
        "check",
        cwd=tmp_path,
        env={"AI_DB_HOST": "127.0.0.1", "AI_DB_PORT": "1", "AI_DB_PASSWORD": "pw"},
    )
    assert result.returncode == 1
    assert "cannot connect to the database" in result.stderr
    assert "AI_DB_HOST" in result.stderr
    assert "Traceback" not in result.stderr and "pw" not in result.stderr.replace("PASSWORD", "")
