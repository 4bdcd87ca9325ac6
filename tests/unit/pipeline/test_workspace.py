"""Per-job temp directories: empty when the job ends, whatever happened."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

from angel_intelligence.errors import DownloadFailedError
from angel_intelligence.pipeline.workspace import (
    OWNER_FILE,
    clean_stale_workspaces,
    job_workspace,
    workspace_name,
)


def fill(directory: Path) -> None:
    (directory / "1.2.gsm").write_bytes(b"\xd0" * 33)
    (directory / "nested").mkdir()
    (directory / "nested" / "1.2.wav").write_bytes(b"RIFF")


def test_after_success_nothing_is_left(tmp_path: Path) -> None:
    with job_workspace(tmp_path, 42, "token-a") as workspace:
        assert workspace == tmp_path / "job-42-token-a"
        fill(workspace)

    assert list(tmp_path.iterdir()) == []


def test_after_a_job_error_nothing_is_left_and_the_error_propagates(tmp_path: Path) -> None:
    with pytest.raises(DownloadFailedError), job_workspace(tmp_path, 42, "t") as workspace:
        fill(workspace)
        raise DownloadFailedError("boom")

    assert list(tmp_path.iterdir()) == []


def test_after_an_interrupt_nothing_is_left(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), job_workspace(tmp_path, 42, "t") as workspace:
        fill(workspace)
        raise KeyboardInterrupt

    assert list(tmp_path.iterdir()) == []


def test_a_workspace_left_by_an_earlier_attempt_with_the_same_claim_starts_empty(
    tmp_path: Path,
) -> None:
    leftover = tmp_path / "job-7-abc"
    leftover.mkdir()
    (leftover / "old.gsm").write_bytes(b"old")

    with job_workspace(tmp_path, 7, "abc") as workspace:
        assert sorted(p.name for p in workspace.iterdir()) == [OWNER_FILE]


def test_the_claim_token_cannot_escape_the_temp_dir() -> None:
    assert workspace_name(5, "../../etc/x y") == "job-5-etcxy"
    assert workspace_name(5, "") == "job-5-none"


def _workspace(temp_dir: Path, name: str, owner: dict[str, object] | None) -> Path:
    path = temp_dir / name
    path.mkdir(parents=True)
    (path / "audio.wav").write_bytes(b"RIFF" * 100)
    if owner is not None:
        (path / OWNER_FILE).write_text(json.dumps(owner))
    return path


def test_clean_removes_workspaces_of_gone_processes_and_keeps_live_ones(tmp_path: Path) -> None:
    host = socket.gethostname()
    gone = _workspace(tmp_path, "job-1-gone", {"host": host, "pid": 2**22 + 7, "started": 1})
    # pid 1 exists, but it started at another time than recorded: a reused pid.
    reused = _workspace(tmp_path, "job-2-reused", {"host": host, "pid": 1, "started": -5})
    other_host = _workspace(tmp_path, "job-3-other", {"host": "another-pod", "pid": 1})
    no_owner_new = _workspace(tmp_path, "job-4-new", None)
    no_owner_old = _workspace(tmp_path, "job-5-old", None)
    old = time.time() - 3600
    os.utime(no_owner_old, (old, old))
    not_a_workspace = tmp_path / "keep-me"
    not_a_workspace.mkdir()

    with job_workspace(tmp_path, 6, "mine") as mine:
        removed = clean_stale_workspaces(tmp_path)

        assert sorted(p.name for p in removed) == ["job-1-gone", "job-2-reused", "job-5-old"]
        assert mine.exists() and other_host.exists() and no_owner_new.exists()
        assert not gone.exists() and not reused.exists() and not no_owner_old.exists()
        assert not_a_workspace.exists()


def test_clean_removes_anything_older_than_the_maximum_age(tmp_path: Path) -> None:
    other_host = _workspace(tmp_path, "job-3-other", {"host": "another-pod", "pid": 1})

    removed = clean_stale_workspaces(tmp_path, max_age_s=60, now=time.time() + 120)

    assert removed == [other_host]
    assert list(tmp_path.iterdir()) == []


def test_clean_of_a_missing_temp_dir_does_nothing(tmp_path: Path) -> None:
    assert clean_stale_workspaces(tmp_path / "absent") == []
