"""`angel worker` and `angel process` on the embedded default: their contract and one-line errors."""

from __future__ import annotations

from pathlib import Path

from test_cli import angel


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
