"""The image's entrypoint forwards SIGTERM to the worker: a real process tree, no container.

The Dockerfile's ENTRYPOINT and CMD are read from the file and run as they are (`tini -- angel
worker`, with this checkout's `angel` first on PATH), so the test breaks if the image's command
line changes to one that swallows the signal. scripts/image-smoke.sh does the same inside a real
container (tests/integration/deploy/test_image_smoke.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dbkit import REPO_ROOT, TestDatabase
from queue_helpers import add_recording, row, status_counts
from worker_processes import FAST_SETTINGS, executions, wait_until

HARNESS = REPO_ROOT / "tests" / "worker_harness.py"


def dockerfile_instruction(name: str, stage: str = "runtime") -> list[str]:
    """The exec-form (JSON) value of ENTRYPOINT or CMD in one stage of the Dockerfile."""
    text = (REPO_ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM .* AS (\S+)$", text, flags=re.M)
    body = stages[stages.index(stage) + 1]
    values = re.findall(rf"^{name} (.+)$", body, flags=re.M)
    assert values, f"no {name} in the {stage} stage"
    parsed = json.loads(values[-1])  # a shell-form value is not JSON: it would fail here
    assert isinstance(parsed, list)
    return [str(part) for part in parsed]


ENTRYPOINT = dockerfile_instruction("ENTRYPOINT")
CMD = dockerfile_instruction("CMD")

needs_the_init = pytest.mark.skipif(
    shutil.which(ENTRYPOINT[0]) is None,
    reason=f"{ENTRYPOINT[0]} is not installed (apt-get install {ENTRYPOINT[0]}; "
    "scripts/ensure-system-packages.sh installs it)",
)


class EntrypointProcess:
    """The image's command line as a child process, its output in a file."""

    def __init__(self, command: list[str], directory: Path, env: dict[str, str]) -> None:
        self.log_path = directory / f"entrypoint-{time.monotonic_ns()}.log"
        base = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG")}
        base |= {
            # this checkout's `angel` (the venv's console script) first, as /opt/angel/bin is
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(REPO_ROOT / "src"),
            "HF_HUB_OFFLINE": "1",
            "TEMP_DIR": str(directory / "temp"),
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, env=base | env, cwd=directory, stdout=log, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=15)


@pytest.fixture
def processes() -> Iterator[list[EntrypointProcess]]:
    started: list[EntrypointProcess] = []
    yield started
    for process in started:
        process.stop()


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().rstrip("\0").split("\0")


def test_the_entrypoint_is_exec_form_with_an_init_that_forwards_signals() -> None:
    assert ENTRYPOINT == ["tini", "--", "angel"]
    assert CMD == ["worker"]


@needs_the_init
def test_sigterm_to_the_entrypoint_stops_the_real_worker_cleanly(
    sqlite: TestDatabase, tmp_path: Path, processes: list[EntrypointProcess]
) -> None:
    # The real `angel worker` (mock models: the spec's USE_MOCK_MODELS, so it starts in seconds).
    env = sqlite.env() | FAST_SETTINGS | {"USE_MOCK_MODELS": "true", "WORKER_ID": "pod-a"}
    entry = EntrypointProcess([*ENTRYPOINT, *CMD], tmp_path, env)
    processes.append(entry)
    wait_until(lambda: "Worker started" in entry.output(), 120, "the worker to start")

    # PID 1's only child is the Python process running `angel worker`.
    (child,) = entry.children()
    assert command_line(child)[-1] == "worker"
    assert Path(command_line(child)[1]).name == "angel"

    signalled_at = time.monotonic()
    entry.process.send_signal(signal.SIGTERM)  # what `docker stop` / the kubelet sends PID 1
    assert entry.process.wait(timeout=30) == 0
    exit_s = time.monotonic() - signalled_at
    output = entry.output()
    assert "Received SIGTERM: finishing running jobs, claiming no more" in output
    stopped = [json.loads(line) for line in output.splitlines() if "Worker stopped" in line]
    assert [event["exit_code"] for event in stopped] == [0]
    assert not Path(f"/proc/{child}").exists()
    assert exit_s < 5  # an idle worker: one signal check (0.2 s) and the shutdown
    print(f"\nSIGTERM to exit through {ENTRYPOINT[0]}, idle worker: {exit_s:.2f} s")


@needs_the_init
def test_sigterm_through_the_entrypoint_releases_a_running_call_within_the_grace(
    sqlite: TestDatabase, tmp_path: Path, processes: list[EntrypointProcess]
) -> None:
    # A call that works longer than the grace: it must be released, not lost or left processing.
    rid = add_recording(sqlite.engine, "slow-1")
    env = (
        sqlite.env()
        | FAST_SETTINGS
        | {
            "WORKER_ID": "pod-a",
            "SHUTDOWN_GRACE_SECONDS": "4",
            "ANGEL_TEST_WORK_S": "60",
            "ANGEL_TEST_EXECUTIONS": str(tmp_path / "executions.log"),
        }
    )
    # The same init, with the harness (the real worker command path, a controlled pipeline).
    init = ENTRYPOINT[: ENTRYPOINT.index("--") + 1]
    entry = EntrypointProcess([*init, sys.executable, str(HARNESS), *CMD], tmp_path, env)
    processes.append(entry)
    wait_until(lambda: len(executions(tmp_path)) == 1, 60, "the call to start")

    signalled_at = time.monotonic()
    entry.process.send_signal(signal.SIGTERM)
    assert entry.process.wait(timeout=30) == 0
    exit_s = time.monotonic() - signalled_at
    after = row(sqlite.engine, rid)
    assert after.processing_status == "queued"
    assert after.processing_error.startswith("RELEASED_ON_SHUTDOWN: ")
    assert after.retry_count == 0
    assert "processing" not in status_counts(sqlite.engine)
    assert exit_s < 4 + 3  # the grace, plus a little for the release and the exit
    assert list((tmp_path / "temp" / "pod-a").glob("job-*")) == []
