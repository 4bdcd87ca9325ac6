"""Running the real `angel` command in a child process, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dbkit import REPO_ROOT

# What a child inherits from the test run: enough to find programs and stay offline, nothing
# that could configure Angel (every test states its own configuration).
INHERITED = ("PATH", "HOME", "LANG", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def run_angel(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`python -m angel_intelligence ARGS` in `cwd` with a clean environment plus `env`."""
    base = {k: v for k, v in os.environ.items() if k in INHERITED}
    base["PYTHONPATH"] = str(REPO_ROOT / "src")
    base.setdefault("HF_HUB_OFFLINE", "1")  # no model hub here: never try to reach one
    return subprocess.run(
        [sys.executable, "-m", "angel_intelligence", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
