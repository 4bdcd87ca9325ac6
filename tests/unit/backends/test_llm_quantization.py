"""Which GGUF file a quantization picks, and the refusal when a directory has no match."""

from __future__ import annotations

from pathlib import Path

import pytest

from angel_intelligence.backends.llm.model_files import locate_model
from angel_intelligence.backends.llm.quantization import gguf_quantization, gguf_type
from angel_intelligence.errors import ModelLoadError


@pytest.mark.parametrize(
    ("name", "tag", "quantization"),
    [
        ("SmolLM2-135M-Instruct.Q4_1.gguf", "Q4_1", "int4"),
        ("qwen2.5-7b-instruct-q4_k_m.gguf", "Q4_K_M", "int4"),
        ("Qwen2.5-7B-Instruct-Q8_0.gguf", "Q8_0", "int8"),
        ("model-f16.gguf", "F16", "none"),
        ("model.BF16.gguf", "BF16", "none"),
        ("model.Q5_K_M.gguf", "Q5_K_M", None),
        ("model.gguf", None, None),
    ],
)
def test_a_gguf_files_type_comes_from_its_llama_cpp_tag(
    name: str, tag: str | None, quantization: str | None
) -> None:
    assert gguf_type(Path(name)) == tag
    assert gguf_quantization(Path(name)) == quantization


@pytest.fixture
def several(tmp_path: Path) -> Path:
    for name in ("m.Q4_0.gguf", "m.Q4_K_M.gguf", "m.Q8_0.gguf", "m.F16.gguf"):
        (tmp_path / name).write_bytes(b"GGUF")
    return tmp_path


@pytest.mark.parametrize(
    ("quantization", "chosen"),
    [("int8", "m.Q8_0.gguf"), ("int4", "m.Q4_K_M.gguf"), ("none", "m.F16.gguf")],
)
def test_among_several_gguf_files_the_quantization_chooses(
    several: Path, quantization: str, chosen: str
) -> None:
    files = locate_model(several, allow_bundled=False, quantization=quantization)  # type: ignore[arg-type]
    assert files.kind == "gguf" and files.path.name == chosen


def test_a_directory_without_the_matching_file_is_refused_with_what_it_holds(
    tmp_path: Path,
) -> None:
    for name in ("m.Q4_K_M.gguf", "m.Q5_K_M.gguf"):
        (tmp_path / name).write_bytes(b"GGUF")
    with pytest.raises(ModelLoadError) as refused:
        locate_model(tmp_path, allow_bundled=False, quantization="int8", purpose="chat")
    message = str(refused.value)
    assert "CHAT_MODEL_QUANTIZATION=int8 needs a Q8_0 or Q8_K GGUF file" in message
    assert "m.Q4_K_M.gguf (Q4_K_M), m.Q5_K_M.gguf (Q5_K_M)" in message


def test_a_single_gguf_file_is_used_whatever_the_quantization(tmp_path: Path) -> None:
    (tmp_path / "m.Q4_K_M.gguf").write_bytes(b"GGUF")
    assert locate_model(tmp_path, allow_bundled=False, quantization="int8").path.name == (
        "m.Q4_K_M.gguf"
    )
