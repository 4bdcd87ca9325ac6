"""A process killed mid-job leaves its workspace; the next worker's start-up removes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from angel_intelligence.pipeline.workspace import clean_stale_workspaces

_JOB = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from angel_intelligence.pipeline.workspace import job_workspace

    with job_workspace(Path(sys.argv[1]), int(sys.argv[2]), "claim") as workspace:
        (workspace / "1.2.gsm").write_bytes(b"\\xd0" * 33 * 1000)
        print("ready", flush=True)
        time.sleep(60)
    """
)


def _start_job(temp_dir: Path, recording_id: int) -> subprocess.Popen[str]:
    src = Path(__file__).resolve().parents[3] / "src"
    process = subprocess.Popen(
        [sys.executable, "-c", _JOB, str(temp_dir), str(recording_id)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(src)},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def test_start_up_clean_removes_a_killed_jobs_files_but_not_a_running_jobs(
    tmp_path: Path,
) -> None:
    killed = _start_job(tmp_path, 1)
    running = _start_job(tmp_path, 2)
    try:
        killed.send_signal(signal.SIGKILL)  # no `finally` runs
        killed.communicate(timeout=10)
        assert (tmp_path / "job-1-claim" / "1.2.gsm").exists()

        removed = clean_stale_workspaces(tmp_path)

        assert [path.name for path in removed] == ["job-1-claim"]
        assert (tmp_path / "job-2-claim" / "1.2.gsm").exists()
    finally:
        running.terminate()  # SIGTERM: Python exits without running `finally` either
        running.communicate(timeout=10)
    assert [path.name for path in clean_stale_workspaces(tmp_path)] == ["job-2-claim"]
    assert list(tmp_path.iterdir()) == []
