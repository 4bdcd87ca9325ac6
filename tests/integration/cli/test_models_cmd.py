"""`angel models` as an operator runs it: add, promote, list, rollback, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

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
