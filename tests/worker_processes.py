"""Worker processes for tests: start the harness, signal it, read its log and executions."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dbkit import REPO_ROOT, TestDatabase

HARNESS = Path(__file__).resolve().parent / "worker_harness.py"

FAST_SETTINGS = {
    "POLL_INTERVAL_SECONDS": "1",
    "LEASE_SECONDS": "3",
    "HEARTBEAT_SECONDS": "1",
    "RETRY_DELAY_HOURS": "0",
    "SHUTDOWN_GRACE_SECONDS": "10",
    "MAX_CONCURRENT_JOBS": "1",
    "LOG_FORMAT": "json",
}
"""Seconds instead of minutes, so the suite stays fast; retries are due at once."""


class WorkerProcess:
    """One `worker_harness.py` process, its output in a file (a full pipe would block it)."""

    def __init__(
        self,
        db: TestDatabase,
        directory: Path,
        worker_id: str,
        *args: str,
        **settings: str,
    ) -> None:
        self.worker_id = worker_id
        self.log_path = directory / f"{worker_id}-{time.monotonic_ns()}.log"
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
        env |= {
            "PYTHONPATH": str(REPO_ROOT / "src"),
            "HF_HUB_OFFLINE": "1",
            **db.env(),
            **FAST_SETTINGS,
            "WORKER_ID": worker_id,
            "TEMP_DIR": str(directory / "temp"),
            "ANGEL_TEST_EXECUTIONS": str(directory / "executions.log"),
            **settings,
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(HARNESS), *(args or ("worker",))],
                env=env,
                cwd=directory,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout_s: float = 60) -> int:
        return self.process.wait(timeout=timeout_s)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Make sure the process is gone (test clean-up): SIGCONT, SIGTERM, then SIGKILL."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


@dataclass(frozen=True)
class Execution:
    recording_id: int
    claim_token: str
    worker_id: str
    attempt: int


def executions(directory: Path) -> list[Execution]:
    path = directory / "executions.log"
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0] == "started":
            found.append(Execution(int(parts[1]), parts[2], parts[3], int(parts[4])))
    return found


def wait_until(condition: Callable[[], bool], timeout_s: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what or condition}")
