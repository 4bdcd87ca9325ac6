"""A private temp directory per job, removed when the job ends, and start-up clean-up.

Every file a job writes (the downloaded GSM, the WAV, the redacted WAV) lives in
``TEMP_DIR/job-<recording id>-<claim token>/``. `job_workspace` deletes the whole directory
when the ``with`` block ends, on success, on failure and on any exception, so audio never
outlives its job (spec: "Delete the audio file after processing"). A process that dies cannot
run its ``finally``; `clean_stale_workspaces`, called when a worker starts, removes what such a
process left, without touching directories of processes still running (two processes may
share ``TEMP_DIR``, e.g. ``angel worker`` and ``angel process``).

Each workspace holds an ``owner.json``: host name, process id and that process's start time
(from ``/proc``, so a reused pid, such as pid 1 after a container restarts, is not mistaken for
the owner). A workspace is stale when its owner on this host is gone, when it has no readable
owner file and is older than a minute, or when it is older than ``max_age_s`` whoever owns it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from angel_intelligence.logging import get_logger

log = get_logger(__name__)

WORKSPACE_PREFIX = "job-"
OWNER_FILE = "owner.json"
DEFAULT_MAX_AGE_S = 24 * 3600.0
_UNOWNED_GRACE_S = 60.0
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def worker_temp_dir(temp_dir: Path, worker_id: str) -> Path:
    """``TEMP_DIR/<worker id>``: each worker's workspaces live in a directory of its own, so
    workers sharing TEMP_DIR never touch each other's jobs."""
    return temp_dir / re.sub(r"[^A-Za-z0-9._-]", "_", worker_id)


def remove_workspace(path: Path) -> None:
    """Delete a workspace and everything in it (logging, not raising, what cannot go)."""
    _remove(path)


def workspace_name(recording_id: int, claim_token: str) -> str:
    """``job-<recording id>-<claim token>``, with the token reduced to safe characters."""
    token = _UNSAFE.sub("", claim_token)[:64] or "none"
    return f"{WORKSPACE_PREFIX}{int(recording_id)}-{token}"


@contextlib.contextmanager
def job_workspace(temp_dir: Path, recording_id: int, claim_token: str) -> Iterator[Path]:
    """A fresh, empty directory for one job, deleted (with everything in it) on exit."""
    path = temp_dir / workspace_name(recording_id, claim_token)
    if path.exists():  # left by an earlier attempt with the same claim
        _remove(path)
    path.mkdir(parents=True, mode=0o700)
    try:
        (path / OWNER_FILE).write_text(json.dumps(_this_process()))
        yield path
    finally:
        _remove(path)


def clean_stale_workspaces(
    temp_dir: Path,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    now: float | None = None,
) -> list[Path]:
    """Remove job workspaces whose process is gone; returns the paths removed."""
    if not temp_dir.is_dir():
        return []
    now = time.time() if now is None else now
    me = _this_process()
    removed: list[Path] = []
    freed_bytes = 0
    for path in sorted(temp_dir.glob(f"{WORKSPACE_PREFIX}*")):
        if not path.is_dir() or path.is_symlink():
            continue
        reason = _stale_reason(path, me, now, max_age_s)
        if reason is None:
            continue
        size = _size(path)
        _remove(path)
        if not path.exists():
            removed.append(path)
            freed_bytes += size
            log.info("stale_workspace_removed", workspace=path.name, reason=reason, bytes=size)
    if removed:
        log.info("stale_workspaces_cleaned", count=len(removed), bytes=freed_bytes)
    return removed


def _stale_reason(path: Path, me: dict[str, Any], now: float, max_age_s: float) -> str | None:
    try:
        age_s = now - path.stat().st_mtime
    except FileNotFoundError:
        return None
    if age_s > max_age_s:
        return "older than the maximum age"
    owner = _read_owner(path)
    if owner is None:
        return "no owner file" if age_s > _UNOWNED_GRACE_S else None
    if owner.get("host") != me["host"]:
        return None  # another machine's process: only its age can tell
    pid, started = owner.get("pid"), owner.get("started")
    if not isinstance(pid, int):
        return "unreadable owner file"
    if pid == me["pid"] and started == me["started"]:
        return None  # ours, in use
    if _process_started(pid) == started and started is not None:
        return None  # that process is still running
    if started is None and _pid_alive(pid):
        return None  # no start time to compare (no /proc); trust the pid
    return "owner process gone"


def _this_process() -> dict[str, Any]:
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "started": _process_started(pid)}


def _process_started(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux ``/proc``), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ")".
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return int(fields[19])  # field 22 of the whole line
    except (IndexError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_owner(path: Path) -> dict[str, Any] | None:
    try:
        owner = json.loads((path / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return None
    return owner if isinstance(owner, dict) else None


def _size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).lstat().st_size
    return total


def _remove(path: Path) -> None:
    if not path.exists():
        return

    def report(_function: Any, failed: str, error: BaseException) -> None:
        log.warning("workspace_cleanup_failed", path=failed, error=str(error))

    # Never raise from here: it runs in `finally`, where it would hide the job's own error.
    # What cannot be removed now is removed by `clean_stale_workspaces` later.
    shutil.rmtree(path, onerror=lambda f, p, e: report(f, p, e[1]))
