"""scripts/image-smoke.sh for real: build the CPU image with podman, `angel demo` inside it with
no network, then SIGTERM to a running `angel worker` container (a clean exit 0 inside the grace).

Minutes long (the build, then the demo on the bundled models), so it carries the `image` marker:
`make test` runs it where podman is installed (as root: the script configures podman the first
time) and skips it elsewhere; `-m "not image"` leaves it out.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from dbkit import REPO_ROOT

pytestmark = [
    pytest.mark.image,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the smoke script runs podman as root"),
]


def test_the_image_builds_runs_the_demo_offline_and_stops_cleanly_on_sigterm() -> None:
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "image-smoke.sh")],
        capture_output=True,
        text=True,
        timeout=45 * 60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "apex id 1737123456.12345: completed" in output  # the demo, inside the container
    assert "HEALTHCHECK: healthy" in output and "HEALTHCHECK (api): healthy" in output
    assert "Received SIGTERM" in output and "Worker stopped" in output
    assert "Finished server process" in output  # the API's graceful stop
    assert "image-smoke: OK" in output
    print("\n" + output[output.index("== summary") :])
