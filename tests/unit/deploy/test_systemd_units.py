"""deploy/systemd/*.service: `systemd-analyze verify` where systemd is installed, and the keys
that matter (restart, hardening, a stop timeout above the worker's shutdown grace, only
variables Angel reads, a real `angel` command)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from angel_intelligence.settings import Settings
from dbkit import REPO_ROOT
from deploykit import NOT_ANGELS, angel_variables, parse_angel_command

UNITS = sorted((REPO_ROOT / "deploy" / "systemd").glob("*.service"))
INSTALLED_ANGEL = "/opt/angel/venv/bin/angel"
LIBRARY_VARIABLES = {
    "HF_HUB_OFFLINE": "read by huggingface_hub: never reach a model hub",
    "TRANSFORMERS_OFFLINE": "read by transformers: the same",
}


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections → keys → values, in order (a key such as Environment= may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}: {line!r} outside a section"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(unit: dict[str, dict[str, list[str]]], key: str) -> str:
    (value,) = unit["Service"][key]
    return value


def test_there_is_a_worker_unit_and_an_api_unit() -> None:
    assert [path.name for path in UNITS] == ["angel-api.service", "angel-worker.service"]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_the_unit_restarts_reads_its_environment_file_and_is_hardened(path: Path) -> None:
    unit = parse_unit(path)
    assert one(unit, "Restart") == "always"
    assert one(unit, "EnvironmentFile") == "/etc/angel/angel.env"
    assert one(unit, "User") == "angel"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "RestrictSUIDSGID": "yes",
        "CapabilityBoundingSet": "",
        "StateDirectory": "angel",
    }.items():
        assert one(unit, key) == value, key
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    # Under ProtectSystem=strict only the state directory is writable: the paths Angel writes
    # (temp files, the converted-model cache) must be inside it.
    env = dict(item.split("=", 1) for item in unit["Service"]["Environment"])
    for name in ("TEMP_DIR", "MODEL_CACHE_PATH"):
        assert env[name].startswith("/var/lib/angel/"), name


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_every_variable_is_one_angel_reads_and_the_command_is_real(path: Path) -> None:
    unit = parse_unit(path)
    names = {item.split("=", 1)[0] for item in unit["Service"]["Environment"]}
    known = angel_variables() | set(NOT_ANGELS) | set(LIBRARY_VARIABLES)
    assert sorted(names - known) == []
    program, *args = shlex.split(one(unit, "ExecStart"))
    assert program == INSTALLED_ANGEL
    parse_angel_command(args)


def test_the_worker_gets_longer_to_stop_than_its_shutdown_grace() -> None:
    unit = parse_unit(REPO_ROOT / "deploy" / "systemd" / "angel-worker.service")
    assert one(unit, "KillMode") == "mixed"  # SIGTERM to the worker, not to its SoX children
    assert one(unit, "KillSignal") == "SIGTERM"
    grace_s = Settings.model_fields["shutdown_grace_seconds"].default
    assert float(one(unit, "TimeoutStopSec")) >= grace_s + 15
    assert one(unit, "PrivateDevices") == "no"  # the GPU's device nodes


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_systemd_analyze_verify_finds_nothing(path: Path, tmp_path: Path) -> None:
    # verify checks that ExecStart's program exists: point it at this environment's `angel`.
    angel = Path(sys.executable).parent / "angel"
    assert angel.exists()
    copy = tmp_path / path.name
    copy.write_text(path.read_text().replace(INSTALLED_ANGEL, str(angel)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_systemd_analyze_verify_reports_a_misspelt_key(tmp_path: Path) -> None:
    angel = Path(sys.executable).parent / "angel"
    unit = (REPO_ROOT / "deploy" / "systemd" / "angel-worker.service").read_text()
    copy = tmp_path / "angel-worker.service"
    copy.write_text(unit.replace(INSTALLED_ANGEL, str(angel)).replace("KillMode=", "KilMode="))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert "Unknown key 'KilMode'" in result.stderr
