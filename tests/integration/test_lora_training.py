"""LoRA fine-tuning with real peft on a real (tiny, random) Llama: the adapter is saved, the
loss falls, the adapter changes the model's outputs, and a diverging run saves nothing."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import pytest

from analysis_samples import VALID_REPLY, sample_transcript, small_config
from angel_intelligence.analysis.prompting import build_prompt
from angel_intelligence.backends.llm.model_files import locate_model
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.backends.training.lora import (
    ChatExample,
    LoraOptions,
    TrainingDivergedError,
    train_lora,
    trainable_base,
)
from angel_intelligence.domain.analysis import AnalysisMode
from tiny_models import save_tiny_llama

MODEL_CACHE = Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache"
PROMPT = build_prompt(sample_transcript(), small_config(), AnalysisMode.TRANSCRIPT)
EXAMPLE = ChatExample(PROMPT.messages, json.dumps(VALID_REPLY))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama(tmp_path_factory.mktemp("tiny-base"))


def test_a_few_steps_save_an_adapter_that_changes_the_outputs(base: Path, tmp_path: Path) -> None:
    steps: list[tuple[int, int, float]] = []
    run = train_lora(
        base,
        [EXAMPLE],
        tmp_path / "adapter",
        LoraOptions(epochs=8, learning_rate=5e-3, lora_rank=8, lora_alpha=16, max_length=1024),
        progress=lambda step, total, loss: steps.append((step, total, loss)),
    )
    assert [s[0] for s in steps] == list(range(1, 9)) and steps[0][1] == 8
    assert run.steps == 8 and run.final_loss < run.first_loss
    assert {"adapter_config.json", "adapter_model.safetensors"} <= {
        p.name for p in (tmp_path / "adapter").iterdir()
    }
    tuned_files = locate_model(tmp_path / "adapter", allow_bundled=False)
    assert tuned_files.kind == "lora" and tuned_files.base_path == base
    tuned = TransformersLanguageModel(tuned_files)
    plain = TransformersLanguageModel(locate_model(base, allow_bundled=False))
    tuned.load()
    plain.load()
    messages = list(PROMPT.messages)
    assert tuned.generate(messages, max_new_tokens=24) != plain.generate(
        messages, max_new_tokens=24
    )


def test_a_diverging_run_stops_and_saves_nothing(base: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainingDivergedError, match="training diverged"):
        train_lora(
            base,
            [EXAMPLE],
            tmp_path / "adapter",
            LoraOptions(epochs=20, learning_rate=1e30, max_length=512),
        )
    assert not (tmp_path / "adapter").exists()


def test_the_bundled_smollm2_is_dequantised_and_fine_tuned_on_a_cpu(tmp_path: Path) -> None:
    files = locate_model(tmp_path / "nothing-here", allow_bundled=True)
    assert files.kind == "gguf"  # the embedded default: SmolLM2-135M-Instruct, Q4_1
    base = trainable_base(files, MODEL_CACHE)
    run = train_lora(
        base,
        [EXAMPLE, EXAMPLE],
        tmp_path / "adapter",
        LoraOptions(epochs=1, learning_rate=1e-4, max_length=256),
        cpu_threads=2,
    )
    assert run.steps == 2 and math.isfinite(run.final_loss)
    adapter = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())
    assert Path(adapter["base_model_name_or_path"]) == base
    assert set(adapter["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj"}
