"""`angel db grants ROLE`: the command prints the scripts committed in deploy/sql/, and refuses
an unknown role or a name that is not a plain identifier with one line and exit code 2."""

from __future__ import annotations

from pathlib import Path

from clikit import run_angel
from dbkit import REPO_ROOT


def test_the_command_prints_the_committed_scripts(tmp_path: Path) -> None:
    for role in ("worker", "api", "migration"):
        printed = run_angel("db", "grants", role, cwd=tmp_path)
        assert printed.returncode == 0, printed.stderr
        assert printed.stdout == (REPO_ROOT / "deploy" / "sql" / f"{role}.sql").read_text()
    other = run_angel(
        "db",
        "grants",
        "worker",
        "--database",
        "ai",
        "--user",
        "w1",
        "--host",
        "10.0.%",
        cwd=tmp_path,
    )
    assert "GRANT SELECT, UPDATE ON `ai`.`ai_call_recordings` TO 'w1'@'10.0.%';" in other.stdout


def test_bad_roles_and_names_are_refused_in_one_line(tmp_path: Path) -> None:
    for args in (["admin"], ["worker", "--user", "x'; DROP USER root; --"]):
        refused = run_angel("db", "grants", *args, cwd=tmp_path)
        assert refused.returncode == 2
        assert refused.stdout == ""
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert refused.stderr.startswith("angel: error: ")
