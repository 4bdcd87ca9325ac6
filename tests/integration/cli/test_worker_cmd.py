"""`angel worker` and `angel process` on the embedded default: their contract and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import angel

from dbkit import TestDatabase


def test_the_worker_commands_take_their_contract_options(tmp_path: Path) -> None:
    assert "--once" in angel("worker", "--help", cwd=tmp_path).stdout
    process_help = angel("process", "--help", cwd=tmp_path).stdout
    assert "--apex-id" in process_help and "--force" in process_help


def test_the_worker_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = angel("worker", "--once", cwd=tmp_path)
    assert result.returncode == 1
    assert "angel db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


def test_with_nothing_queued_the_worker_exits_cleanly_and_process_names_the_missing_call(
    tmp_path: Path,
) -> None:
    # USE_MOCK_MODELS: the spec's mode for exercising the commands without model inference.
    assert angel("db", "upgrade", cwd=tmp_path).returncode == 0
    env = {"USE_MOCK_MODELS": "true"}
    assert angel("worker", "--once", cwd=tmp_path, env=env).returncode == 0
    result = angel("process", "--apex-id", "1737123456.2", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "no recording with apex id 1737123456.2" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.mariadb
def test_in_production_without_r2_the_worker_refuses_to_start_naming_the_variables(
    tmp_path: Path, mariadb: TestDatabase
) -> None:
    # A retain_audio call would otherwise keep its audio on the pod's disk, with an r2_path
    # Pulse cannot fetch (docs/decisions.md, 41).
    env = {
        **mariadb.env(),
        "ANGEL_ENV": "production",
        "API_AUTH_TOKEN": "t" * 64,
        "USE_MOCK_MODELS": "true",
    }
    for command in (("worker", "--once"), ("process", "--apex-id", "1737123456.2")):
        result = angel(*command, cwd=tmp_path, env=env)
        assert result.returncode == 2, result.stderr
        assert "production needs R2 to retain audio" in result.stderr
        assert "R2_ENDPOINT, R2_ACCESS_KEY and R2_SECRET_KEY" in result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("angel: error:")]
        assert "Traceback" not in result.stderr and len(errors) == 1
