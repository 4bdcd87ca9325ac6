"""Peak memory of a running `angel api`, for the Kubernetes resource requests (deploy/k8s).

Starts the real command (`python -m angel_intelligence api`) on a fresh SQLite database in a
temporary directory, with no model loaded (API_PROMPT_CHECK=auto and no ANALYSIS_LLM_URL:
placeholder checks only, the production API's usual set-up), sends ROUNDS of the requests Pulse
and Prometheus make (`/livez`, `/readyz`, `/health`, `/metrics`, `/api/statistics`,
`/api/config`), and prints the process's resident memory now and at its peak (VmRSS, VmHWM).

    PYTHONPATH=src python benchmarks/api_memory.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PATHS = ("/livez", "/readyz", "/health", "/metrics", "/api/statistics", "/api/config")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _memory_kib(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        line.split(":")[0]: int(line.split()[1])
        for line in status.splitlines()
        if line.startswith(("VmRSS", "VmHWM"))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    token = secrets.token_hex(32)
    port = _free_port()
    with tempfile.TemporaryDirectory() as workdir:
        env = {
            "PATH": os.environ["PATH"],
            "PYTHONPATH": os.environ.get("PYTHONPATH", "src"),
            "HF_HUB_OFFLINE": "1",
            "API_AUTH_TOKEN": token,
            "AI_DB_SQLITE_PATH": str(Path(workdir) / "angel.sqlite3"),
        }
        command = [sys.executable, "-m", "angel_intelligence"]
        subprocess.run([*command, "db", "upgrade"], cwd=workdir, env=env, check=True,
                       capture_output=True)  # fmt: skip
        started = time.monotonic()
        api = subprocess.Popen(
            [*command, "api", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            while True:
                try:
                    urllib.request.urlopen(f"{base}/livez", timeout=1).close()
                    break
                except OSError:
                    if api.poll() is not None or time.monotonic() - started > 120:
                        raise SystemExit("angel api did not start") from None
                    time.sleep(0.2)
            ready_s = time.monotonic() - started
            idle = _memory_kib(api.pid)
            for _ in range(args.rounds):
                for path in PATHS:
                    request = urllib.request.Request(
                        base + path, headers={"Authorization": f"Bearer {token}"}
                    )
                    urllib.request.urlopen(request, timeout=30).close()
            after = _memory_kib(api.pid)
        finally:
            api.terminate()
            api.wait(timeout=30)
    print(f"angel api ready in {ready_s:.1f} s")
    print(f"RSS at start: {idle['VmRSS'] / 1024:.0f} MiB")
    print(f"after {args.rounds * len(PATHS)} requests: RSS {after['VmRSS'] / 1024:.0f} MiB, "
          f"peak {after['VmHWM'] / 1024:.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
