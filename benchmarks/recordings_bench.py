"""Recordings in and out: how long each step takes on a long call, and the memory it needs.

    PYTHONPATH=src python benchmarks/recordings_bench.py [--minutes 60] [--intervals 100] [--s3]

Makes a synthetic GSM call of the given length, then times: the download from the PBX stub on
loopback, the SoX conversion (with its checks), redaction of N PII intervals, retention to the
local storage directory and, with --s3, to a SeaweedFS S3 server on loopback. Prints seconds,
real-time factors (call seconds per processing second) and peak traced Python/numpy memory per
step. Figures depend on the machine; quote them with its description.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from angel_intelligence.backends.recordings import PbxRecordingSource
from angel_intelligence.backends.storage import LocalStorage, R2Storage
from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.pipeline.convert import convert_recording
from angel_intelligence.pipeline.redact_audio import redact_audio
from angel_intelligence.pipeline.retain import retain_redacted_audio
from angel_intelligence.testing.gsm import tone_gsm
from angel_intelligence.testing.pbx_stub import Layout, PbxStub

APEX_ID = "1737123456.12345"


def measure(label: str, call_s: float, step: Callable[[], Any]) -> Any:
    tracemalloc.start()
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<34} {seconds:8.3f} s   {call_s / seconds:9.0f}x real time   "
        f"peak traced memory {peak / 2**20:7.1f} MiB"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--intervals", type=int, default=100)
    parser.add_argument("--s3", action="store_true", help="also upload to SeaweedFS on loopback")
    args = parser.parse_args()
    call_s = args.minutes * 60

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        started = time.perf_counter()
        gsm = tone_gsm(work / "source.gsm", call_s)
        print(
            f"synthetic call: {args.minutes:g} min, GSM {gsm.stat().st_size / 2**20:.2f} MiB "
            f"(made in {time.perf_counter() - started:.1f} s)"
        )

        with PbxStub() as pbx:
            pbx.add_recording(APEX_ID, gsm.read_bytes(), layout=Layout.ARCHIVE_MONITOR)
            source = PbxRecordingSource(pbx.recording_url, pbx.archive_url)
            downloaded = measure(
                "download (2 × 404, then 200)",
                call_s,
                lambda: source.fetch(APEX_ID, None, work / "job"),
            )
        audio = measure(
            "convert (checks + SoX)",
            call_s,
            lambda: convert_recording(downloaded, work / "job", timeout_s=600),
        )
        print(f"  WAV {audio.path.stat().st_size / 2**20:.1f} MiB, {audio.duration_s:.0f} s")
        spacing = call_s / (args.intervals + 1)
        intervals = [
            TimeInterval(spacing * (i + 1), spacing * (i + 1) + 1.5) for i in range(args.intervals)
        ]
        redacted = measure(
            f"redact ({args.intervals} intervals, tone)",
            call_s,
            lambda: redact_audio(audio.path, intervals, work / "job" / "redacted.wav"),
        )
        local = LocalStorage(work / "storage")
        measure(
            "retain to local storage",
            call_s,
            lambda: retain_redacted_audio(local, redacted, APEX_ID, None),
        )
        if args.s3:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
            from seaweedfs_server import ACCESS_KEY, SECRET_KEY, SeaweedS3

            server = SeaweedS3.start(work / "seaweedfs")
            try:
                server.client().create_bucket(Bucket="angel-bench")
                r2 = R2Storage(server.endpoint_url, ACCESS_KEY, SECRET_KEY, "angel-bench")
                measure(
                    "retain to S3 (SeaweedFS, loopback)",
                    call_s,
                    lambda: retain_redacted_audio(r2, redacted, APEX_ID, None),
                )
            finally:
                server.stop()


if __name__ == "__main__":
    main()
