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


def test_until_the_pipeline_is_wired_the_worker_says_so(tmp_path: Path) -> None:
    assert angel("db", "upgrade", cwd=tmp_path).returncode == 0
    for command in (["worker", "--once"], ["process", "--apex-id", "1.2"]):
        result = angel(*command, cwd=tmp_path)
        assert result.returncode == 1
        assert "MODEL_LOAD_ERROR: the call pipeline is not wired yet" in result.stderr
        assert "Traceback" not in result.stderr
