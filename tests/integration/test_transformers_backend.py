"""The in-process backend on a tiny random model: constrained output is always schema-valid.

A randomly initialised model writes nonsense; with llguidance masking its choices, the nonsense
is still exactly the schema's shape. Also: prefix reuse changes nothing in the output, sampling
is reproducible, a LoRA adapter is merged, and model files are found (or refused) correctly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema_rs
import pytest

from analysis_samples import sample_transcript, small_config
from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import resolve_config
from angel_intelligence.analysis.prompting import build_prompt
from angel_intelligence.analysis.schema import COMPACT_LIMITS, OutputLimits, build_output_schema
from angel_intelligence.backends.llm.model_files import BUNDLED_NAME, locate_model
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.errors import AnalysisFailedError, ModelLoadError
from tiny_models import save_lora_adapter, save_tiny_llama


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="module")
def tiny(tiny_dir: Path) -> TransformersLanguageModel:
    model = TransformersLanguageModel(locate_model(tiny_dir, allow_bundled=False))
    model.load()
    return model


@pytest.mark.parametrize(
    ("mode", "limits", "full_config"),
    [
        (AnalysisMode.TRANSCRIPT, COMPACT_LIMITS, False),
        (AnalysisMode.AUDIO, COMPACT_LIMITS, False),
        (AnalysisMode.TRANSCRIPT, OutputLimits(), True),
    ],
)
def test_a_random_model_constrained_by_the_schema_writes_schema_valid_json(
    tiny: TransformersLanguageModel, mode: AnalysisMode, limits: OutputLimits, full_config: bool
) -> None:
    config = resolve_config(None, []) if full_config else small_config(mode)
    schema = build_output_schema(config, mode, duration_s=24.0, limits=limits)
    prompt = build_prompt(sample_transcript(), config, AnalysisMode.TRANSCRIPT)
    text = tiny.generate(
        list(prompt.messages), json_schema=schema, max_new_tokens=6000, temperature=1.0, seed=1
    )
    data = json.loads(text)
    jsonschema_rs.validate(schema, data)
    assert set(data["performance_scores"]) == set(config.performance_rubric)
    assert {t["name"] for t in data["key_topics"]} <= set(config.topics)


def test_reusing_the_previous_prompt_changes_nothing(tiny_dir: Path) -> None:
    schema = {  # small, so the test is quick; keys and the enum value are forced
        "type": "object",
        "properties": {
            "summary": {"type": "string", "maxLength": 30},
            "topic": {"type": "string", "enum": ["Gift Aid explanation/enrolment"]},
            "score": {"type": "integer", "minimum": 1, "maximum": 10},
        },
        "required": ["summary", "topic", "score"],
        "additionalProperties": False,
    }
    messages = list(
        build_prompt(sample_transcript(), small_config(), AnalysisMode.TRANSCRIPT).messages
    )
    fresh = TransformersLanguageModel(locate_model(tiny_dir, allow_bundled=False))
    reused = TransformersLanguageModel(locate_model(tiny_dir, allow_bundled=False))
    other = [
        messages[0],
        {"role": "user", "content": messages[1]["content"].replace("Hope Trust", "Hope Fund")},
    ]
    reused.generate(other, json_schema=schema, max_new_tokens=300)
    expected = fresh.generate(messages, json_schema=schema, max_new_tokens=300)
    assert fresh.last_decoded is not None and fresh.last_decoded.reused_prompt_tokens == 0
    assert reused.generate(messages, json_schema=schema, max_new_tokens=300) == expected
    jsonschema_rs.validate(schema, json.loads(expected))
    decoded = reused.last_decoded
    assert decoded is not None
    assert 0 < decoded.reused_prompt_tokens < decoded.prompt_tokens  # shared up to the transcript
    assert decoded.forced_tokens > 0 and decoded.forward_passes < len(
        decoded.tokens
    )  # fast-forward


def test_sampling_is_reproducible_with_a_seed(tiny: TransformersLanguageModel) -> None:
    messages = [{"role": "user", "content": "Say something."}]
    first = tiny.generate(messages, max_new_tokens=40, temperature=1.0, seed=5)
    assert tiny.generate(messages, max_new_tokens=40, temperature=1.0, seed=5) == first
    assert tiny.generate(messages, max_new_tokens=40, temperature=1.0, seed=6) != first


def test_a_lora_adapter_is_loaded_on_its_local_base_and_merged(
    tiny_dir: Path, tmp_path: Path
) -> None:
    adapter = save_lora_adapter(tiny_dir, tmp_path / "adapter")
    files = locate_model(adapter, allow_bundled=False)
    assert files.kind == "lora" and files.base_path == tiny_dir and files.name.endswith("+lora")
    tuned = TransformersLanguageModel(files)
    base = TransformersLanguageModel(locate_model(tiny_dir, allow_bundled=False))
    messages = [{"role": "user", "content": "Hello"}]
    assert tuned.generate(messages, max_new_tokens=30) != base.generate(messages, max_new_tokens=30)


def test_a_lora_adapter_without_a_local_base_is_a_model_load_error(tmp_path: Path) -> None:
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": "Qwen/Qwen2.5-Omni-7B"})
    )
    with pytest.raises(
        ModelLoadError,
        match=re.escape("needs its base model 'Qwen/Qwen2.5-Omni-7B' as a local directory"),
    ):
        locate_model(adapter, allow_bundled=False)


def test_model_files_are_found_or_refused(tmp_path: Path) -> None:
    development = locate_model(tmp_path / "missing", allow_bundled=True)
    assert (
        development.kind == "gguf"
        and development.name == BUNDLED_NAME
        and development.version == "bundled"
    )
    with pytest.raises(ModelLoadError, match="no model at"):
        locate_model(tmp_path / "missing", allow_bundled=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="holds no model"):
        locate_model(tmp_path / "empty", allow_bundled=False)
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(ModelLoadError, match=r"not a \.gguf model"):
        locate_model(tmp_path / "weights.bin", allow_bundled=False)


def test_the_version_is_the_directory_behind_current(tiny_dir: Path, tmp_path: Path) -> None:
    versions = tmp_path / "analysis" / "versions"
    versions.mkdir(parents=True)
    (versions / "v3").symlink_to(tiny_dir, target_is_directory=True)
    (tmp_path / "analysis" / "current").symlink_to(versions / "v3", target_is_directory=True)
    # `current` -> versions/v3 -> the model: the version is the name under versions/
    assert locate_model(tmp_path / "analysis" / "current", allow_bundled=False).version == "v3"
    assert locate_model(tiny_dir, allow_bundled=False).version == "base"


def test_a_prompt_longer_than_the_context_is_analysis_failed(
    tiny: TransformersLanguageModel,
) -> None:
    analyser = CallAnalyser(tiny, max_new_tokens=20000)
    with pytest.raises(AnalysisFailedError, match=r"exceeds the model's 16384-token context"):
        analyser.analyse(sample_transcript(), small_config())


def test_a_broken_model_directory_is_a_model_load_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text(json.dumps({"model_type": "llama"}))
    model = TransformersLanguageModel(locate_model(broken, allow_bundled=False))
    with pytest.raises(ModelLoadError, match="cannot load the model"):
        model.generate([{"role": "user", "content": "Hello"}])
