"""Training jobs on real MariaDB and SQLite: the API queues (or refuses with the reason); one
runner at a time; a killed runner's job is failed; a diverging run fails with no version (on
a real, tiny Llama: cheap). A job trained, evaluated and published end to end on the bundled
SmolLM2: tests/integration/api/test_training_smollm2.py."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from apikit import AUTH, build_app
from sqlalchemy import text
from starlette.testclient import TestClient

from analysis_samples import SMALL_CONFIG_FILE
from angel_intelligence import bootstrap
from angel_intelligence.db.engine import session_factory
from angel_intelligence.db.training_jobs import TrainingJobRepository, TrainingLock
from angel_intelligence.services.training_jobs import ABANDONED, TrainingBusyError
from dbkit import REPO_ROOT, TestDatabase
from tiny_models import save_tiny_llama
from training_samples import add_call


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama(tmp_path_factory.mktemp("tiny-base"))


def overrides(tmp_path: Path, tiny_base: Path) -> dict[str, Any]:
    config = tmp_path / "call_analysis_config.json"
    config.write_text(json.dumps(SMALL_CONFIG_FILE))
    return {
        "call_analysis_config_path": config,
        "models_base_path": tmp_path / "models",
        "analysis_model_path": tiny_base,
        "model_cache_path": tmp_path / "cache",
    }


def seed(db: TestDatabase, calls: int = 5) -> list[int]:
    ids: list[int] = []
    for n in range(calls):
        ids += add_call(db, n, [("sentiment", None, "negative" if n % 2 else "neutral")])
    return ids


def run_once(db: TestDatabase, tmp_path: Path, tiny_base: Path) -> list[str]:
    lines: list[str] = []
    jobs = bootstrap.build_training_jobs(db.settings(**overrides(tmp_path, tiny_base)), db.engine)
    jobs.run(once=True, poll_s=0.1, echo=lines.append, stop=lambda: False)
    return lines


def test_bad_requests_are_refused_with_the_reason_and_nothing_is_queued(
    db: TestDatabase, tmp_path: Path, tiny_base: Path
) -> None:
    (good,) = add_call(db, 1, [("sentiment", None, "neutral")])
    (bad,) = add_call(db, 2, [("tone", "agent_tone", "rude")])
    app, _ = build_app(db, **overrides(tmp_path, tiny_base))
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"model_type": "call_analysis", "training_data": []}, 422, "empty"),
        ({"model_type": "chat", "training_data": [good]}, 422, "only call_analysis"),
        ({"model_type": "call_analysis", "training_data": [424242]}, 422, "424242: not found"),
        ({"model_type": "call_analysis", "training_data": [{"x": 1}]}, 422, "names no annotation"),
        ({"model_type": "call_analysis", "training_data": [bad]}, 422, "cannot be corrected"),
        (
            {"model_type": "call_analysis", "training_data": [good], "options": {"epochs": 0}},
            422,
            "options.epochs must be an integer from 1 to 20",
        ),
        (
            {"model_type": "call_analysis", "training_data": [good], "options": {"lr": 1}},
            422,
            "unknown options ['lr']",
        ),
    ]
    with TestClient(app) as client:
        for body, status, reason in cases:
            response = client.post("/api/training/import", json=body, headers=AUTH)
            assert response.status_code == status, (body, response.text)
            assert reason in response.json()["error"]["message"], (body, response.text)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM ai_training_jobs")).scalar() == 0
        queued = client.post(
            "/api/training/import",
            json={"model_type": "call_analysis", "training_data": [f"annotation_{good}"]},
            headers=AUTH,
        )
        assert queued.status_code == 200, queued.text
        body = queued.json()
        assert body["success"] is True and body["status"] == "queued"
        assert body["job_id"].startswith("training_")
        again = client.post(
            "/api/training/import",
            json={"model_type": "call_analysis", "training_data": [good]},
            headers=AUTH,
        )
        assert again.status_code == 409 and "one job at a time" in again.text
        job = client.get(f"/api/training/jobs/{body['job_id']}", headers=AUTH).json()
        assert (job["status"], job["example_count"]) == ("queued", 1)
        assert client.get("/api/training/jobs/training_nope", headers=AUTH).status_code == 404


def test_a_diverging_run_fails_with_the_reason_and_leaves_no_version(
    db: TestDatabase, tmp_path: Path, tiny_base: Path
) -> None:
    ids = seed(db, 2)
    TrainingJobRepository(session_factory(db.engine)).create(
        "training_diverges",
        model_type="analysis",
        options={"learning_rate": 1e30, "epochs": 20, "max_length": 4096},
        training_data={"annotation_ids": ids},
        example_count=2,
        base_version=None,
    )
    run_once(db, tmp_path, tiny_base)
    job = TrainingJobRepository(session_factory(db.engine)).get("training_diverges")
    assert job is not None and job.status == "failed"
    assert "training diverged" in str(job.error) and job.result_version is None
    versions = tmp_path / "models" / "analysis" / "versions"
    assert not versions.exists() or not list(versions.iterdir())


def test_one_runner_at_a_time(db: TestDatabase, tmp_path: Path, tiny_base: Path) -> None:
    held = TrainingLock(db.engine)
    assert held.acquire()
    try:
        with pytest.raises(TrainingBusyError):
            run_once(db, tmp_path, tiny_base)
        assert not TrainingLock(db.engine).acquire()
    finally:
        held.release()
    assert run_once(db, tmp_path, tiny_base) == []


def test_a_killed_runner_s_job_is_marked_failed(
    mariadb: TestDatabase, tmp_path: Path, tiny_base: Path
) -> None:
    ids = seed(mariadb, 4)
    repository = TrainingJobRepository(session_factory(mariadb.engine))
    repository.create(
        "training_killed",
        model_type="analysis",
        options={"epochs": 20, "learning_rate": 0.001, "max_length": 4096},
        training_data={"annotation_ids": ids},
        example_count=4,
        base_version=None,
    )
    settings = overrides(tmp_path, tiny_base)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO_ROOT / "src"),
        "HF_HUB_OFFLINE": "1",
        **mariadb.env(),
        **{key.upper(): str(value) for key, value in settings.items()},
    }
    runner = subprocess.Popen(
        [sys.executable, "-m", "angel_intelligence", "train", "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while (job := repository.get("training_killed")) is None or "step" not in job.metrics:
            assert time.monotonic() < deadline and runner.poll() is None, job
            time.sleep(0.2)
        runner.send_signal(signal.SIGKILL)
        runner.wait(10)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert repository.get("training_killed").status == "running"  # type: ignore[union-attr]
    lines = run_once(mariadb, tmp_path, tiny_base)
    job = repository.get("training_killed")
    assert job is not None and (job.status, job.error) == ("failed", ABANDONED)
    assert f"training_killed: failed: {ABANDONED}" in lines
