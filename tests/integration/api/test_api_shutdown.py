"""`angel api` stops gracefully on SIGTERM (every Kubernetes rollout sends one): a real server
process on loopback finishes the request in flight, refuses new connections, and exits 0;
a request that does not finish within API_SHUTDOWN_GRACE_SECONDS is cut off and the process
still exits 0 (docs/operations.md, "Processes")."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from apikit import TOKEN
from sqlalchemy.orm import Session

from angel_intelligence.db.models import AiCallRecording
from dbkit import REPO_ROOT, TestDatabase
from worker_processes import wait_until

APEX_ID = "1737123456.777"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_api(
    db: TestDatabase, directory: Path, port: int, **settings: str
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env |= {
        "PYTHONPATH": str(REPO_ROOT / "src"),
        "HF_HUB_OFFLINE": "1",
        **db.env(),
        "API_AUTH_TOKEN": TOKEN,
        "USE_MOCK_MODELS": "true",
        "LOG_FORMAT": "json",
        **settings,
    }
    with (directory / "api.log").open("wb") as log:  # a file: a full pipe would block it
        process = subprocess.Popen(
            [sys.executable, "-m", "angel_intelligence", "api", "--port", str(port)],
            env=env, cwd=directory, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def listening() -> bool:
        assert process.poll() is None, (directory / "api.log").read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return False
        return True

    wait_until(listening, timeout_s=120, what="angel api listening")
    return process


def half_sent_request(port: int, body: bytes) -> socket.socket:
    """A POST whose headers and first half of the body are sent: in flight at the server."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    connection.sendall(
        b"POST /api/process HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + f"Authorization: Bearer {TOKEN}\r\n".encode()
        + b"Content-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body[: len(body) // 2]
    )
    return connection


def read_response(connection: socket.socket) -> tuple[int, bytes]:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


StartApi = Callable[..., tuple[subprocess.Popen[bytes], int]]


@pytest.fixture
def api_process(sqlite: TestDatabase, tmp_path: Path) -> Iterator[StartApi]:
    """Starts `angel api` on a free loopback port (with extra settings); kills what is left."""
    started: list[subprocess.Popen[bytes]] = []

    def start(**settings: str) -> tuple[subprocess.Popen[bytes], int]:
        port = free_port()
        started.append(start_api(sqlite, tmp_path, port, **settings))
        return started[-1], port

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=15)


def test_on_sigterm_the_request_in_flight_finishes_and_the_api_exits_0(
    api_process: StartApi, sqlite: TestDatabase, tmp_path: Path
) -> None:
    with Session(sqlite.engine) as session, session.begin():
        session.add(AiCallRecording(apex_id=APEX_ID))
    process, port = api_process()
    body = json.dumps({"apex_id": APEX_ID}).encode()
    connection = half_sent_request(port, body)
    time.sleep(0.5)  # the server has read the headers and waits for the rest
    process.send_signal(signal.SIGTERM)
    wait_until(lambda: "Shutting down" in (tmp_path / "api.log").read_text(), 30, "shutdown")
    with pytest.raises(OSError):  # no new connection once shutting down
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    connection.sendall(body[len(body) // 2 :])
    status, reply = read_response(connection)
    connection.close()
    assert (status, json.loads(reply)["status"]) == (200, "queued")  # served after SIGTERM
    assert process.wait(timeout=60) == 0
    log = (tmp_path / "api.log").read_text()
    assert "Finished server process" in log and '"signal": "SIGTERM"' in log, log


def test_a_request_that_outlasts_the_grace_is_cut_off_and_the_api_still_exits_0(
    api_process: StartApi,
) -> None:
    process, port = api_process(API_SHUTDOWN_GRACE_SECONDS="1")
    connection = half_sent_request(port, json.dumps({"apex_id": APEX_ID}).encode())
    time.sleep(0.5)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0  # the rest of the body never comes
    assert time.monotonic() - started < 30
    connection.close()
