"""`angel models` and `angel workers` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from angel_intelligence.db.engine import session_factory
from angel_intelligence.db.workers import WorkerRepository
from angel_intelligence.domain.model_version import ModelInUse
from angel_intelligence.worker.presence import WorkerPresence
from clikit import run_angel
from dbkit import TestDatabase


def test_an_operator_adds_promotes_lists_and_rolls_back(
    tmp_path: Path, sqlite: TestDatabase
) -> None:
    env = {**sqlite.env(), "MODELS_BASE_PATH": str(tmp_path / "models")}
    for name in ("v1", "v2"):
        source = tmp_path / name
        source.mkdir()
        (source / "config.json").write_text(json.dumps({"model_type": "llama"}))
        added = run_angel("models", "add", "analysis", name, str(source), cwd=tmp_path, env=env)
        assert added.returncode == 0, added.stderr
    for name in ("v1", "v2"):
        promoted = run_angel("models", "promote", "analysis", name, cwd=tmp_path, env=env)
        assert promoted.returncode == 0, promoted.stderr
    listed = run_angel("models", "list", "--json", cwd=tmp_path, env=env)
    kinds = {entry["model_type"]: entry for entry in json.loads(listed.stdout)}
    assert kinds["analysis"]["current"] == "v2"
    assert kinds["analysis"]["versions"] == ["v1", "v2"]

    rolled = run_angel("models", "rollback", "analysis", cwd=tmp_path, env=env)
    assert rolled.returncode == 0, rolled.stderr
    assert "rolled back to v1 (was v2)" in rolled.stdout
    with sqlite.engine.connect() as conn:
        current = conn.execute(
            text("SELECT version FROM ai_model_versions WHERE is_current = 1")
        ).scalar_one()
    assert current == "v1"

    refused = run_angel("models", "promote", "analysis", "v9", cwd=tmp_path, env=env)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        "angel: error: no analysis version 'v9' (known: v1, v2)"
    )


def test_workers_list_shows_each_worker_and_what_it_runs(
    tmp_path: Path, sqlite: TestDatabase
) -> None:
    store = WorkerRepository(session_factory(sqlite.engine))
    WorkerPresence(
        store,
        worker_id="pod-a",
        device="cuda",
        models=lambda: {"analysis": ModelInUse("Qwen2.5-Omni-7B+lora", "v1.2.0")},
    ).report(2, starting=True)
    WorkerPresence(store, worker_id="pod-b", device="cpu", models=dict).report(0, status="stopped")
    listed = run_angel("workers", "list", cwd=tmp_path, env=sqlite.env())
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    pod_a = next(line for line in lines if line.startswith("pod-a"))
    assert " live " in pod_a and "cuda" in pod_a and "jobs 2" in pod_a
    assert "analysis v1.2.0 (Qwen2.5-Omni-7B+lora)" in pod_a
    assert " stopped " in next(line for line in lines if line.startswith("pod-b"))
