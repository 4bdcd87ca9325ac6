"""The compose stack's PBX service (`python -m angel_intelligence.testing.pbx_serve`) as a real
process: it serves the sample call under the archive layout, queues it as Pulse does, and stops on
SIGTERM."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from angel_intelligence.testing.pbx_stub import PbxStub
from dbkit import REPO_ROOT, TestDatabase
from queue_helpers import status_counts
from worker_processes import wait_until

APEX_ID = "1737123456.12345"


def serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / f"pbx-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "angel_intelligence.testing.pbx_serve", "--port", "0", *args],
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT / "src")},
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, log


@pytest.mark.slow
def test_it_serves_the_sample_call_queues_it_once_and_stops_on_sigterm(
    sqlite: TestDatabase, tmp_path: Path
) -> None:
    process, log = serve(tmp_path, "--queue-into", sqlite.url)
    try:
        wait_until(lambda: "queued recording" in log.read_text(), 120, "the call to be queued")
        base = re.search(r"PBX_ARCHIVE_URL=(\S+)/", log.read_text())
        assert base is not None
        live, archive, _ = PbxStub.paths(APEX_ID)
        assert httpx2.get(base.group(1) + live).status_code == 404
        reply = httpx2.get(base.group(1) + archive)
        assert reply.status_code == 200
        assert len(reply.content) > 10_000 and len(reply.content) % 33 == 0  # GSM 6.10 frames
        assert status_counts(sqlite.engine) == {"pending": 1}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert "PBX stub stopped after 2 request(s)" in log.read_text()
    finally:
        process.kill()
        process.wait()

    again, log = serve(tmp_path, "--queue-into", sqlite.url)
    try:
        wait_until(lambda: "not queued" in log.read_text(), 120, "the second start")
        assert status_counts(sqlite.engine) == {"pending": 1}
    finally:
        again.send_signal(signal.SIGINT)
        assert again.wait(timeout=15) == 0


def test_an_unmigrated_database_is_refused_with_a_hint(tmp_path: Path) -> None:
    process, log = serve(tmp_path, "--queue-into", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        assert process.wait(timeout=120) == 1
    finally:
        process.kill()
    assert "is the database reachable and migrated (`angel db upgrade`)?" in log.read_text()
