"""Per-job working directories under `TEMP_DIR`, removed on every path.

Layout: `TEMP_DIR/<worker id>/job-<recording id>-<claim token prefix>/`. A worker owns its own
subdirectory, so several workers may share `TEMP_DIR` and each cleans only its own leftovers at
start (a killed pod leaves its job directory behind; in Kubernetes `TEMP_DIR` is an `emptyDir`
that goes with the pod anyway). Issue 4's temp-dir utilities can replace these few functions.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from angel_intelligence.domain.job import ClaimedJob

JOB_DIR_PREFIX = "job-"


def worker_dir(temp_dir: Path, worker_id: str) -> Path:
    return temp_dir / re.sub(r"[^A-Za-z0-9._-]", "_", worker_id)


def job_dir(temp_dir: Path, job: ClaimedJob) -> Path:
    name = f"{JOB_DIR_PREFIX}{job.recording_id}-{job.claim_token[:12]}"
    return worker_dir(temp_dir, job.worker_id) / name


def remove_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def clean_worker_dir(temp_dir: Path, worker_id: str) -> int:
    """Remove job directories a previous run of this worker left behind; returns how many."""
    base = worker_dir(temp_dir, worker_id)
    if not base.is_dir():
        return 0
    stale = [p for p in base.iterdir() if p.is_dir() and p.name.startswith(JOB_DIR_PREFIX)]
    for path in stale:
        remove_dir(path)
    return len(stale)
