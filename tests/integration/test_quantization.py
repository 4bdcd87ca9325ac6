"""ANALYSIS_MODEL_QUANTIZATION / CHAT_MODEL_QUANTIZATION on the real bundled model (CPU).

`none` and `int8` load SmolLM2-135M and answer with a schema-valid analysis reply; int8 really
replaces the Linear layers with int8 ones; `int4` (no CPU kernels) and int8/int4 on CUDA without
bitsandbytes are refused at start with the fix in the message. The CUDA bitsandbytes load itself
needs a GPU and is not exercised here.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import jsonschema_rs
import pytest

from analysis_samples import sample_transcript, small_config
from angel_intelligence.analysis.prompting import build_prompt
from angel_intelligence.analysis.schema import COMPACT_LIMITS, build_output_schema
from angel_intelligence.backends.llm.options import LanguageModelOptions
from angel_intelligence.backends.llm.quantization import (
    bitsandbytes_usable,
    check_in_process,
)
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.backends.registry import Role, backend
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.errors import ModelLoadError

pytestmark = [pytest.mark.models, pytest.mark.slow]

MODEL_CACHE = Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache"


def _bundled(quantization: str, purpose: str = "analysis") -> TransformersLanguageModel:
    options = LanguageModelOptions(
        purpose="chat" if purpose == "chat" else "analysis",
        model_path=Path("missing-so-bundled"),
        cache_dir=MODEL_CACHE,
        cpu_threads=1,
        quantization=quantization,  # type: ignore[arg-type]
    )
    model = backend(Role.LANGUAGE_MODEL, "transformers").build(options)
    assert isinstance(model, TransformersLanguageModel)
    return model


@pytest.mark.parametrize("quantization", ["none", "int8"])
def test_each_cpu_quantization_loads_the_bundled_model_and_it_answers(quantization: str) -> None:
    import torch

    model = _bundled(quantization)
    model.load()
    assert model.quantization == quantization and model.device == "cpu"
    linear = [m for m in model.module.modules() if isinstance(m, torch.nn.Linear)]
    dynamic = [
        m for m in model.module.modules() if isinstance(m, torch.ao.nn.quantized.dynamic.Linear)
    ]
    if quantization == "int8":
        assert dynamic and not linear  # every projection runs on int8 weights
    else:
        assert linear and not dynamic

    config = small_config(AnalysisMode.TRANSCRIPT)
    schema = build_output_schema(
        config, AnalysisMode.TRANSCRIPT, duration_s=24.0, limits=COMPACT_LIMITS
    )
    prompt = build_prompt(sample_transcript(), config, AnalysisMode.TRANSCRIPT)
    reply = model.generate(list(prompt.messages), json_schema=schema, max_new_tokens=700)
    jsonschema_rs.validate(schema, json.loads(reply))


def test_int4_on_the_cpu_is_refused_at_start_with_what_to_do_instead() -> None:
    with pytest.raises(ModelLoadError) as refused:
        _bundled("int4", purpose="chat")
    message = str(refused.value)
    assert message.startswith("MODEL_LOAD_ERROR: CHAT_MODEL_QUANTIZATION=int4 cannot be honoured")
    assert "CHAT_MODEL_QUANTIZATION=int8 or none" in message and "CHAT_LLM_URL" in message


@pytest.mark.skipif(bitsandbytes_usable(), reason="bitsandbytes is installed here")
@pytest.mark.parametrize("quantization", ["int8", "int4"])
def test_quantization_on_cuda_without_bitsandbytes_is_refused(quantization: str) -> None:
    with pytest.raises(ModelLoadError, match="on CUDA needs bitsandbytes"):
        check_in_process(quantization, "cuda", purpose="analysis")  # type: ignore[arg-type]
    check_in_process("none", "cuda", purpose="analysis")  # bfloat16 needs nothing more


def _cuda_with_bitsandbytes() -> bool:
    import torch

    return torch.cuda.is_available() and bitsandbytes_usable()


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda_with_bitsandbytes(), reason="needs CUDA and bitsandbytes")
@pytest.mark.parametrize("quantization", ["int8", "int4"])
def test_on_cuda_bitsandbytes_loads_the_model_quantised_and_it_answers(
    tmp_path: Path, quantization: str
) -> None:
    from angel_intelligence.backends.llm.model_files import locate_model
    from tiny_models import save_tiny_llama

    files = locate_model(save_tiny_llama(tmp_path / "tiny"), allow_bundled=False)
    model = TransformersLanguageModel(files, device="cuda", quantization=quantization)  # type: ignore[arg-type]
    model.load()
    assert getattr(model.module, f"is_loaded_in_{quantization[-1]}bit", False)
    config = small_config(AnalysisMode.TRANSCRIPT)
    schema = build_output_schema(
        config, AnalysisMode.TRANSCRIPT, duration_s=24.0, limits=COMPACT_LIMITS
    )
    prompt = build_prompt(sample_transcript(), config, AnalysisMode.TRANSCRIPT)
    reply = model.generate(list(prompt.messages), json_schema=schema, max_new_tokens=2000)
    jsonschema_rs.validate(schema, json.loads(reply))
