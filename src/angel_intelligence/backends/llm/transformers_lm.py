"""A language model run in-process with transformers, with schema-constrained output.

Loads a Hugging Face directory, a LoRA adapter on a local base model (merged at load, so
inference costs nothing extra) or a GGUF file (converted once into `MODEL_CACHE_PATH`; see
`model_files.py`). Text-only models decode through our constrained loop with prefix reuse;
Qwen2.5-Omni (its "thinker", the part that hears audio and writes text) goes through
`generate()` with the recording's Whisper features. The quantization setting is honoured as
`quantization.py` describes: int8 on the CPU, bitsandbytes on CUDA, refused where it cannot be.

The model loads on first use (or `load()`), once, and stays loaded. One generation runs at a
time per instance (a lock), since the prefix cache and the model's buffers are shared.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from angel_intelligence.backends.llm.constrained import Decoded, Sampling
from angel_intelligence.backends.llm.model_files import ModelFiles, convert_gguf, locate_model
from angel_intelligence.backends.llm.options import LanguageModelOptions
from angel_intelligence.backends.llm.quantization import (
    Quantization,
    bitsandbytes_config,
    check_in_process,
    quantize_int8_cpu,
)
from angel_intelligence.errors import ModelLoadError
from angel_intelligence.logging import get_logger

log = get_logger(__name__)
AUDIO_SAMPLE_RATE_HZ = 16_000


class TransformersLanguageModel:
    """`ports.LanguageModel` on transformers + llguidance."""

    def __init__(
        self,
        files: ModelFiles,
        *,
        cache_dir: Path | None = None,
        cpu_threads: int = 0,
        device: str | None = None,
        quantization: Quantization = "none",
        purpose: str = "analysis",
    ) -> None:
        self._files = files
        self._cache_dir = cache_dir
        self._cpu_threads = cpu_threads
        self._device = device or default_device()
        self._quantization: Quantization = quantization
        check_in_process(quantization, self._device, purpose=purpose)  # refused at start
        self._lock = threading.RLock()
        self._model: Any = None
        self._tokenizer: Any = None
        self._feature_extractor: Any = None  # audio models only
        self._grammars: Any = None
        self._prefix: Any = None
        self.last_decoded: Decoded | None = None  # what the last text generation took

    @classmethod
    def from_options(cls, options: LanguageModelOptions) -> TransformersLanguageModel:
        files = locate_model(
            options.model_path,
            allow_bundled=options.allow_bundled,
            base_model=options.base_model,
            quantization=options.quantization,
            purpose=options.purpose,
        )
        return cls(
            files,
            cache_dir=options.cache_dir,
            cpu_threads=options.cpu_threads,
            quantization=options.quantization,
            purpose=options.purpose,
        )

    @property
    def model_name(self) -> str:
        return self._files.name

    @property
    def model_version(self) -> str:
        return self._files.version

    @property
    def supports_audio(self) -> bool:
        return self._files.supports_audio

    @property
    def files(self) -> ModelFiles:
        return self._files

    @property
    def device(self) -> str:
        return self._device

    @property
    def quantization(self) -> Quantization:
        return self._quantization

    @property
    def module(self) -> Any:
        """The loaded torch module (None before `load()`), for hooks and diagnostics."""
        return self._model

    # --- Loading -------------------------------------------------------------------------------

    def load(self) -> None:
        """Load the model now (idempotent); raises ModelLoadError."""
        with self._lock:
            if self._model is not None:
                return
            try:
                self._load()
            except ModelLoadError:
                raise
            except Exception as error:
                raise ModelLoadError(
                    f"cannot load the model {self._files.name} from {self._files.path}: "
                    f"{type(error).__name__}: {error}"
                ) from error

    def _load(self) -> None:
        import torch

        from angel_intelligence.backends.llm.constrained import GrammarCache, PrefixCache

        if self._cpu_threads:
            torch.set_num_threads(self._cpu_threads)  # process-wide: see LLM_CPU_THREADS
        device = self._device
        dtype = torch.bfloat16 if device == "cuda" else torch.float32
        load = self._load_arguments(dtype)
        files = self._files
        if files.supports_audio:
            self._load_omni(load)
        else:
            from transformers import AutoModelForCausalLM, AutoTokenizer

            source, extra = self._weights_location()
            # An adapter directory may carry its own tokenizer (e.g. with added tokens).
            own = files.kind == "lora" and (files.path / "tokenizer_config.json").exists()
            self._tokenizer = AutoTokenizer.from_pretrained(files.path if own else source, **extra)
            self._model = AutoModelForCausalLM.from_pretrained(source, **load, **extra)
            if files.kind == "lora":
                self._model = self._merge_adapter(self._model)
        if "quantization_config" not in load:  # bitsandbytes places the weights itself
            self._model.to(device)
        if device == "cpu" and self._quantization == "int8":
            self._model = quantize_int8_cpu(self._model)
        self._model.eval()
        self._grammars = GrammarCache(self._tokenizer)
        self._prefix = PrefixCache()
        log.info(
            "language_model_loaded",
            model=files.name,
            version=files.version,
            device=device,
            quantization=self._quantization,
        )

    def _load_arguments(self, dtype: Any) -> dict[str, Any]:
        """`from_pretrained`'s precision arguments: bitsandbytes on CUDA when quantised."""
        if self._device == "cuda" and self._quantization != "none":
            return {
                "dtype": dtype,
                "quantization_config": bitsandbytes_config(self._quantization),
                "device_map": {"": 0},
            }
        return {"dtype": dtype}

    def _weights_location(self) -> tuple[Path, dict[str, Any]]:
        files = self._files
        if files.kind == "lora":
            assert files.base_path is not None
            return files.base_path, {}
        if files.kind == "gguf":
            converted = convert_gguf(files.path, self._cache_dir) if self._cache_dir else None
            if converted is not None:
                return converted, {}
            return files.path.parent, {"gguf_file": files.path.name}
        return files.path, {}

    def _merge_adapter(self, model: Any) -> Any:
        from peft import PeftModel

        merged = PeftModel.from_pretrained(model, str(self._files.path)).merge_and_unload()
        return merged

    def _load_omni(self, load: dict[str, Any]) -> None:
        # Only the tokenizer and the Whisper feature extractor are needed for audio and text;
        # Qwen2_5OmniProcessor would also want the image and video processors (torchvision).
        from transformers import (
            AutoTokenizer,
            Qwen2_5OmniForConditionalGeneration,
            Qwen2_5OmniThinkerForConditionalGeneration,
            WhisperFeatureExtractor,
        )

        source, _ = self._weights_location()
        self._tokenizer = AutoTokenizer.from_pretrained(source)
        self._feature_extractor = WhisperFeatureExtractor.from_pretrained(source)
        if self._files.model_type == "qwen2_5_omni_thinker":
            model = Qwen2_5OmniThinkerForConditionalGeneration.from_pretrained(source, **load)
        else:
            # The full Omni checkpoint also holds the talker (speech output), which analysis
            # never uses: load without it and keep only the thinker.
            full = Qwen2_5OmniForConditionalGeneration.from_pretrained(  # type: ignore[no-untyped-call]
                source, enable_audio_output=False, **load
            )
            model = full.thinker
        if self._files.kind == "lora":
            model = self._merge_adapter(model)
        self._model = model

    # --- Generation --------------------------------------------------------------------------

    def generate(
        self,
        messages: list[dict[str, Any]],
        *,
        json_schema: dict[str, Any] | None = None,
        max_new_tokens: int = 512,
        audio_path: Path | None = None,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> str:
        with self._lock:
            self.load()
            if audio_path is not None and not self.supports_audio:
                raise ValueError(f"{self.model_name} cannot take audio")
            sampling = Sampling(temperature, seed)
            if self._feature_extractor is not None:
                return self._generate_multimodal(
                    messages, json_schema, max_new_tokens, audio_path, sampling
                )
            return self._generate_text(messages, json_schema, max_new_tokens, sampling)

    def reply_loss(self, messages: list[dict[str, Any]], reply: str) -> float:
        """`ports.ReplyScorer`: the mean loss on `reply`'s tokens after `messages`, encoded
        exactly as fine-tuning encodes an example (`encode_example`), in one forward pass."""
        import torch

        from angel_intelligence.backends.training.lora import ChatExample, encode_example

        with self._lock:
            self.load()
            limit = getattr(self._model.config.get_text_config(), "max_position_embeddings", 0)
            encoded = encode_example(
                self._tokenizer, ChatExample(messages, reply), int(limit) or 1 << 30
            )
            device = self._model.device
            with torch.inference_mode():
                output = self._model(
                    input_ids=torch.tensor([encoded.ids], device=device),
                    labels=torch.tensor([encoded.labels], device=device),
                )
            return float(output.loss)

    def _eos_ids(self) -> set[int]:
        ids = {int(self._tokenizer.eos_token_id)}
        configured = getattr(self._model.generation_config, "eos_token_id", None)
        if isinstance(configured, int):
            ids.add(configured)
        elif configured:
            ids.update(int(i) for i in configured)
        return ids

    def _generate_text(
        self,
        messages: list[dict[str, Any]],
        json_schema: dict[str, Any] | None,
        max_new_tokens: int,
        sampling: Sampling,
    ) -> str:
        from angel_intelligence.backends.llm.constrained import decode_constrained

        ids = self._tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True
        )
        prompt_ids = [
            int(i)
            for i in (ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)
        ]
        self._check_context(len(prompt_ids), max_new_tokens)
        matcher = self._grammars.matcher(json_schema) if json_schema is not None else None
        decoded = decode_constrained(
            self._model,
            prompt_ids,
            matcher=matcher,
            vocab_size=self._grammars.vocab_size,
            max_new_tokens=max_new_tokens,
            eos_token_ids=self._eos_ids(),
            prefix=self._prefix,
            sampling=sampling,
        )
        self.last_decoded = decoded
        log.info(
            "language_model_decoded",
            prompt_tokens=decoded.prompt_tokens,
            reused_prompt_tokens=decoded.reused_prompt_tokens,
            new_tokens=len(decoded.tokens),
            forced_tokens=decoded.forced_tokens,
            forward_passes=decoded.forward_passes,
        )
        return str(self._tokenizer.decode(decoded.tokens, skip_special_tokens=True))

    def _check_context(self, prompt_tokens: int, max_new_tokens: int) -> None:
        limit = getattr(self._model.config.get_text_config(), "max_position_embeddings", None)
        if limit and prompt_tokens + max_new_tokens > limit:
            raise ValueError(
                f"the prompt is {prompt_tokens} tokens; with {max_new_tokens} for the reply it "
                f"exceeds the model's {limit}-token context"
            )

    def _generate_multimodal(
        self,
        messages: list[dict[str, Any]],
        json_schema: dict[str, Any] | None,
        max_new_tokens: int,
        audio_path: Path | None,
        sampling: Sampling,
    ) -> str:
        import torch
        from transformers import LogitsProcessorList

        from angel_intelligence.backends.llm.constrained import SchemaLogitsProcessor

        inputs = self._omni_inputs(messages, audio_path)
        device = next(self._model.parameters()).device
        inputs = {key: value.to(device) for key, value in inputs.items()}
        prompt_length = int(inputs["input_ids"].shape[1])
        self._check_context(prompt_length, max_new_tokens)
        processors = LogitsProcessorList()
        if json_schema is not None:
            matcher = self._grammars.matcher(json_schema)
            eos = int(self._tokenizer.eos_token_id)
            vocab = self._grammars.vocab_size
            processors.append(SchemaLogitsProcessor(matcher, prompt_length, vocab, eos))
        if sampling.temperature > 0:
            torch.manual_seed(sampling.seed or 0)  # generate() samples from the global RNG
        with torch.inference_mode():
            output = self._model.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                do_sample=sampling.temperature > 0,
                temperature=sampling.temperature or None,
                top_p=None,
                top_k=None,
                logits_processor=processors,
                eos_token_id=sorted(self._eos_ids()),
                pad_token_id=int(self._tokenizer.pad_token_id or self._tokenizer.eos_token_id),
            )
        sequence = output.sequences if hasattr(output, "sequences") else output
        return str(self._tokenizer.decode(sequence[0, prompt_length:], skip_special_tokens=True))

    def _omni_inputs(
        self, messages: list[dict[str, Any]], audio_path: Path | None
    ) -> dict[str, Any]:
        """Token ids with one audio placeholder per chunk, and the chunks' Whisper features.

        As Qwen2_5OmniProcessor does for audio: each chunk of the recording (the feature
        extractor's length, 300 s for Qwen2.5-Omni) is `<|audio_bos|>` + as many `<|AUDIO|>`
        tokens as the encoder will output + `<|audio_eos|>`, at the start of the last user
        message.
        """
        tokenizer, extractor = self._tokenizer, self._feature_extractor
        bos = getattr(tokenizer, "audio_bos_token", None) or "<|audio_bos|>"
        token = getattr(tokenizer, "audio_token", None) or "<|AUDIO|>"
        eos = getattr(tokenizer, "audio_eos_token", None) or "<|audio_eos|>"
        features: dict[str, Any] = {}
        placeholders = ""
        if audio_path is not None:
            wave = _read_audio(audio_path)
            chunk = int(extractor.n_samples)
            chunks = [wave[i : i + chunk] for i in range(0, max(len(wave), 1), chunk)]
            extracted = extractor(
                chunks,
                sampling_rate=AUDIO_SAMPLE_RATE_HZ,
                return_attention_mask=True,
                padding="max_length",
                return_tensors="pt",
            )
            features = {
                "input_features": extracted["input_features"],
                "feature_attention_mask": extracted["attention_mask"],
            }
            for frames in extracted["attention_mask"].sum(-1).tolist():
                placeholders += bos + token * _audio_tokens(int(frames)) + eos
        conversation = [dict(m) for m in messages]
        last_user = max(i for i, m in enumerate(conversation) if m["role"] == "user")
        conversation[last_user]["content"] = placeholders + str(conversation[last_user]["content"])
        text = tokenizer.apply_chat_template(
            conversation, add_generation_prompt=True, tokenize=False
        )
        encoded = tokenizer(text, return_tensors="pt", add_special_tokens=False)
        return {
            "input_ids": encoded["input_ids"],
            "attention_mask": encoded["attention_mask"],
            **features,
        }


def default_device() -> str:
    """CUDA when PyTorch sees a GPU, else the CPU (the device the model will load on)."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _audio_tokens(frames: int) -> int:
    """How many embeddings Qwen2.5-Omni's audio encoder makes of `frames` mel frames."""
    after_conv = (frames - 1) // 2 + 1
    return (after_conv - 2) // 2 + 1


def _read_audio(path: Path) -> Any:
    """The recording as 16 kHz mono float32 (the Omni feature extractor's rate)."""
    from faster_whisper.audio import decode_audio

    return decode_audio(str(path), sampling_rate=AUDIO_SAMPLE_RATE_HZ)
