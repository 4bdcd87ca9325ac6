"""`angel doctor` against the real MariaDB, a SeaweedFS S3 server and the PBX stub.

Everything set up right is all OK (exit 0); each injected fault (a wrong database password, a
missing bucket, an unreachable PBX, a model path with no model, a DDL grant) is a FAIL on its
own line with its fix, the other lines unchanged, and the exit code is 1.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from test_cli import angel

from angel_intelligence.bootstrap import build_doctor
from angel_intelligence.db import grants
from angel_intelligence.services.doctor import CheckStatus
from angel_intelligence.settings import Settings
from angel_intelligence.testing.gsm import tone_gsm
from angel_intelligence.testing.pbx_stub import Layout, PbxStub
from dbkit import TestDatabase
from seaweedfs_server import ACCESS_KEY, SECRET_KEY, SeaweedS3

pytestmark = [pytest.mark.mariadb, pytest.mark.s3, pytest.mark.slow]

APEX_ID = "1737123456.2"
PASSWORD = "doctor-pw-1"
LINES = (
    "database",
    "database.skip_locked",
    "database.schema",
    "database.grants",
    "pbx",
    "r2",
    "cuda",
    "model.whisper",
    "model.analysis",
    "model.chat",
    "disk.temp",
)


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3.start(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxStub]:
    with PbxStub() as stub:
        # In the first archive layout: the live URL answers 404, so the fallback is exercised.
        stub.add_recording(
            APEX_ID, tone_gsm(tmp_path / "call.gsm", 1.0).read_bytes(), layout=Layout.ARCHIVE
        )
        yield stub


@pytest.fixture
def worker_user(mariadb: TestDatabase) -> Iterator[Callable[..., str]]:
    """Creates a database user with the given grants on the test database; dropped after."""
    made: list[str] = []
    database = mariadb.engine.url.database

    def make(privileges: str | None = None) -> str:
        """A user with the worker's own grants (db/grants.py), or `privileges` on every table."""
        user = f"angel_doc_{uuid.uuid4().hex[:8]}"
        with mariadb.engine.begin() as conn:
            for host in ("%", "localhost"):
                conn.execute(text(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{PASSWORD}'"))
                account = grants.Account(database=database, user=user, host=host)
                statements = (
                    grants.grant_statements("worker", account)
                    if privileges is None
                    else [f"GRANT {privileges} ON `{database}`.* TO '{user}'@'{host}'"]
                )
                for statement in statements:
                    conn.execute(text(statement))
        made.append(user)
        return user

    yield make
    with mariadb.engine.begin() as conn:
        for user in made:
            for host in ("%", "localhost"):
                conn.execute(text(f"DROP USER IF EXISTS '{user}'@'{host}'"))


@pytest.fixture
def healthy(
    mariadb: TestDatabase,
    worker_user: Callable[..., str],
    seaweed: SeaweedS3,
    pbx: PbxStub,
    tmp_path: Path,
) -> dict[str, str]:
    """The environment of a machine where everything is right."""
    bucket = f"angel-{uuid.uuid4().hex[:12]}"
    seaweed.client().create_bucket(Bucket=bucket)
    return {
        **mariadb.env(),
        "AI_DB_USERNAME": worker_user(),
        "AI_DB_PASSWORD": PASSWORD,
        "PBX_RECORDING_URL": pbx.recording_url,
        "PBX_ARCHIVE_URL": pbx.archive_url,
        "R2_ENDPOINT": seaweed.endpoint_url,
        "R2_ACCESS_KEY": ACCESS_KEY,
        "R2_SECRET_KEY": SECRET_KEY,
        "R2_BUCKET": bucket,
        "TEMP_DIR": str(tmp_path / "temp"),
        "MODELS_BASE_PATH": str(tmp_path / "models"),  # missing: the bundled models (dev)
    }


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _by_name(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {check["name"]: check for check in report["checks"]}


def test_on_a_healthy_machine_every_line_is_ok_and_nothing_is_left_behind(
    healthy: dict[str, str], seaweed: SeaweedS3, tmp_path: Path
) -> None:
    result = angel("doctor", "--apex-id", APEX_ID, "--json", cwd=tmp_path, env=healthy)

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    checks = _by_name(report)
    assert report["ok"] is True and tuple(checks) == LINES
    assert {c["status"] for c in checks.values()} == {"OK"}, checks
    assert checks["database"]["detail"].startswith("MariaDB ")
    assert "monitor-2025/01/1737123456.2.gsm (HTTP 200)" in checks["pbx"]["detail"]
    assert "ANALYSIS_MODEL_QUANTIZATION=int8" in checks["model.analysis"]["detail"]
    assert "holds no more than its grants" in checks["database.grants"]["detail"]
    listed = seaweed.client().list_objects_v2(Bucket=healthy["R2_BUCKET"])
    assert listed.get("KeyCount", 0) == 0  # the probe object was deleted
    assert not (tmp_path / "temp").exists() or not any((tmp_path / "temp").iterdir())


def test_every_injected_fault_is_a_fail_on_its_own_line_with_its_fix(
    healthy: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "empty-model").mkdir()
    faulty = {
        **healthy,
        "AI_DB_PASSWORD": "wrong-password",
        "R2_BUCKET": "no-such-bucket-here",
        "PBX_RECORDING_URL": _closed_port_url(),
        "PBX_ARCHIVE_URL": _closed_port_url(),
        "ANALYSIS_MODEL_PATH": str(tmp_path / "empty-model"),
    }

    result = angel("doctor", "--apex-id", APEX_ID, cwd=tmp_path, env=faulty)

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    status = {line.split()[1]: line.split()[0] for line in lines if not line.startswith(" ")}
    assert status == {
        "database": "FAIL",
        "database.skip_locked": "SKIP",
        "database.schema": "SKIP",
        "database.grants": "SKIP",
        "pbx": "FAIL",
        "r2": "FAIL",
        "cuda": "OK",
        "model.whisper": "OK",
        "model.analysis": "FAIL",
        "model.chat": "OK",
        "disk.temp": "OK",
    }

    def fix_after(name: str) -> str:
        index = next(i for i, line in enumerate(lines) if line.split()[1:2] == [name])
        return lines[index] + "\n" + lines[index + 1]

    assert "Access denied" in fix_after("database")
    assert "fix: check AI_DB_USERNAME and AI_DB_PASSWORD" in fix_after("database")
    assert "wrong-password" not in result.stdout
    assert "the PBX did not answer" in fix_after("pbx")
    assert "fix: check PBX_RECORDING_URL and PBX_ARCHIVE_URL" in fix_after("pbx")
    assert "NoSuchBucket" in fix_after("r2")
    assert "fix: create the bucket no-such-bucket-here" in fix_after("r2")
    assert "holds no model" in fix_after("model.analysis")
    assert "fix: put a model directory, LoRA adapter or .gguf file at ANALYSIS_MODEL_PATH" in (
        fix_after("model.analysis")
    )


@pytest.mark.parametrize(
    ("fault", "line", "fix"),
    [
        ({"ai_db_password": "wrong"}, "database", "check AI_DB_USERNAME and AI_DB_PASSWORD"),
        ({"r2_bucket": "missing-bucket"}, "r2", "create the bucket missing-bucket"),
        ({"pbx_recording_url": "closed", "pbx_archive_url": "closed"}, "pbx", "PBX_RECORDING_URL"),
        ({"analysis_model_path": "empty"}, "model.analysis", "ANALYSIS_MODEL_PATH"),
        ({"whisper_model": "./no-whisper-here"}, "model.whisper", "WHISPER_MODEL_PATH"),
        ({"grants": "ALL PRIVILEGES"}, "database.grants", "REVOKE those"),
        ({"grants": "SELECT, INSERT, UPDATE, DELETE"}, "database.grants", "REVOKE those"),
        ({"analysis_model_quantization": "int4"}, "model.analysis", "honours"),
    ],
)
def test_one_fault_fails_only_its_line(
    healthy: dict[str, str],
    worker_user: Callable[..., str],
    tmp_path: Path,
    fault: dict[str, str],
    line: str,
    fix: str,
) -> None:
    values: dict[str, Any] = {key.lower(): value for key, value in healthy.items()}
    for key, value in fault.items():
        if key == "grants":
            values["ai_db_username"] = worker_user(value)
        elif value == "closed":
            values[key] = _closed_port_url()
        elif value == "empty":
            (tmp_path / "empty").mkdir(exist_ok=True)
            values[key] = tmp_path / "empty"
        else:
            values[key] = value

    results = build_doctor(Settings(_env_file=None, **values), apex_id=APEX_ID).run()

    failed = [r for r in results if r.status is CheckStatus.FAIL]
    assert [r.name for r in failed] == [line], failed
    assert fix in failed[0].fix


def test_a_served_models_quantization_is_reported_not_applied(healthy: dict[str, str]) -> None:
    values: dict[str, Any] = {key.lower(): value for key, value in healthy.items()}
    values.update(analysis_llm_url="http://127.0.0.1:9/v1", analysis_llm_model="qwen2.5-7b")

    results = {r.name: r for r in build_doctor(Settings(_env_file=None, **values)).run()}

    served = results["model.analysis"]
    assert served.status is CheckStatus.OK
    assert served.detail == (
        "served at http://127.0.0.1:9/v1 (qwen2.5-7b); ANALYSIS_MODEL_QUANTIZATION=int8 is "
        "reported, not applied: the server's precision holds"
    )
    assert results["pbx"].status is CheckStatus.SKIP  # no --apex-id
