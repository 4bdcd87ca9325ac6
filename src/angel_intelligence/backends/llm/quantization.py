"""`ANALYSIS_MODEL_QUANTIZATION` / `CHAT_MODEL_QUANTIZATION`: how a model's weights are held.

What each backend does with `int8`, `int4` and `none` (docs/decisions.md, 40):

- in-process (transformers) on the CPU: `none` keeps float32; `int8` is PyTorch's dynamic
  quantization of the `Linear` layers (int8 weights, activations quantised per call); `int4` is
  refused: PyTorch has no 4-bit CPU matmul here;
- in-process on CUDA: `none` is bfloat16; `int8` / `int4` load through bitsandbytes (8-bit, or
  4-bit NF4 with bfloat16 compute), refused when bitsandbytes is not installed;
- a GGUF file: a directory holding several picks the one whose llama.cpp type tag in its name
  matches (`Q8_0` for int8, `Q4_K_M`, `Q4_K_S`, `Q4_0`, `Q4_1` for int4, `F16`, `BF16`, `F32`
  for none), and is refused when none does; transformers dequantises the file at load
  (research/ecosystem.md), so the rules above then set the precision in memory;
- a served model (`openai`): the server's own precision, logged, not applied;
- the mock: nothing to quantise.
"""

from __future__ import annotations

import gc
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args

from angel_intelligence.errors import ModelLoadError

Quantization = Literal["int8", "int4", "none"]
QUANTIZATIONS: tuple[Quantization, ...] = get_args(Quantization)

# llama.cpp's file type tags, in the order a directory's files are preferred.
GGUF_TYPES: dict[Quantization, tuple[str, ...]] = {
    "int8": ("Q8_0", "Q8_K"),
    "int4": ("Q4_K_M", "Q4_K_S", "Q4_0", "Q4_1", "IQ4_NL", "IQ4_XS"),
    "none": ("F16", "BF16", "F32"),
}
_TAG = re.compile(r"(?<![A-Za-z0-9])(I?Q\d(?:_[A-Z0-9]+)+|BF16|F16|F32)(?=[.\-]|$)", re.IGNORECASE)


def setting_name(purpose: str) -> str:
    return f"{purpose.upper()}_MODEL_QUANTIZATION"


def gguf_type(path: Path) -> str | None:
    """The llama.cpp type tag in a GGUF file's name (`model.Q4_K_M.gguf` → "Q4_K_M")."""
    tags = _TAG.findall(path.name.removesuffix(".gguf"))
    return tags[-1].upper() if tags else None


def gguf_quantization(path: Path) -> Quantization | None:
    """The quantization a GGUF file's tag stands for, None when it names none of ours."""
    tag = gguf_type(path)
    for quantization, tags in GGUF_TYPES.items():
        if tag in tags:
            return quantization
    return None


def choose_gguf(files: Sequence[Path], quantization: Quantization, *, purpose: str) -> Path:
    """The file among several that matches `quantization`; ModelLoadError naming them if none."""
    for tag in GGUF_TYPES[quantization]:
        for path in sorted(files):
            if gguf_type(path) == tag:
                return path
    found = ", ".join(f"{p.name} ({gguf_type(p) or 'no type tag'})" for p in sorted(files))
    wanted = " or ".join(GGUF_TYPES[quantization])
    raise ModelLoadError(
        f"{setting_name(purpose)}={quantization} needs a {wanted} GGUF file in "
        f"{files[0].parent}, which holds {found}: add one, or set {setting_name(purpose)} to "
        "the quantization of a file that is there"
    )


def check_in_process(quantization: Quantization, device: str, *, purpose: str) -> None:
    """Refuse, at start, a quantization the in-process backend cannot honour on `device`."""
    name = setting_name(purpose)
    if device == "cpu" and quantization == "int4":
        raise ModelLoadError(
            f"{name}=int4 cannot be honoured in-process on the CPU (PyTorch has no 4-bit CPU "
            f"kernels): set {name}=int8 or none, run on a CUDA GPU with bitsandbytes, or serve "
            f"a 4-bit GGUF with llama-server and set {purpose.upper()}_LLM_URL"
        )
    if device == "cuda" and quantization != "none" and not bitsandbytes_usable():
        raise ModelLoadError(
            f"{name}={quantization} on CUDA needs bitsandbytes, which is not installed here: "
            f"`pip install bitsandbytes`, or set {name}=none (bfloat16)"
        )


def bitsandbytes_usable() -> bool:
    import importlib.util

    return importlib.util.find_spec("bitsandbytes") is not None


def bitsandbytes_config(quantization: Quantization) -> Any:
    """The transformers `BitsAndBytesConfig` for a CUDA load (None for `none`)."""
    if quantization == "none":
        return None
    import torch
    from transformers import BitsAndBytesConfig

    if quantization == "int8":
        return BitsAndBytesConfig(load_in_8bit=True)  # type: ignore[no-untyped-call]
    return BitsAndBytesConfig(  # type: ignore[no-untyped-call]
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
    )


def quantize_int8_cpu(model: Any) -> Any:
    """The model with its `Linear` layers dynamically quantised to int8 (CPU inference)."""
    import torch

    with warnings.catch_warnings():
        # torch 2.13 deprecates torch.ao.quantization in favour of torchao (not a dependency
        # here); the eager API still works, and the tests turn warnings into errors.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*quantized tensor creation functions.*")
        # In place: a copy would hold the float32 and int8 weights at once.
        quantized = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
            model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
        )
    # The loader's tensors can be views of one shared buffer (the safetensors file): while the
    # embeddings and norms still view it, the replaced float32 Linear weights stay resident too
    # (+660 MB for the bundled 135M model). Copying what is left, then collecting the cycles
    # that still hold it, lets that buffer go (measured: 1,115 MB → 708 MB resident).
    for tensor in (*quantized.parameters(), *quantized.buffers()):
        tensor.data = tensor.data.clone()
    gc.collect()
    return quantized
