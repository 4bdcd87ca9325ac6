"""LoRA fine-tuning of the analysis model with peft (issue 18; docs/models.md "Fine-tuning").

The base is a Hugging Face directory: the model itself, a LoRA version's base, or the bundled
GGUF dequantised once into the model cache (`convert_gguf`). A plain training loop (AdamW,
one example a step, gradient accumulation) with the loss on the reply tokens only: the prompt
is the worker's own, so the model learns to answer it, not to repeat it. On the bundled
SmolLM2-135M a step over a ~1,000-token example takes a few seconds on two CPU cores.

A loss that is not finite stops the run (`TrainingDivergedError`) before anything is saved.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from angel_intelligence.backends.llm.model_files import ModelFiles, convert_gguf
from angel_intelligence.errors import ModelLoadError
from angel_intelligence.logging import get_logger

log = get_logger(__name__)

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj")
"""The attention projections of Llama-style models (SmolLM2, Qwen2.5)."""


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite: the run is stopped and nothing is saved."""


@dataclass(frozen=True, slots=True)
class LoraOptions:
    """The training options of `POST /api/training/import` (`options`)."""

    epochs: int = 1
    learning_rate: float = 1e-4
    lora_rank: int = 8
    lora_alpha: int = 16
    max_steps: int | None = None
    max_length: int = 4096
    seed: int = 0
    gradient_accumulation: int = 1
    gradient_checkpointing: bool = True


@dataclass(frozen=True, slots=True)
class ChatExample:
    """The prompt messages and the reply to learn."""

    messages: Sequence[dict[str, str]]
    response: str
    transcript: str | None = None
    """The transcript as it appears in the last message (`transcript_for_prompt`): the part
    an example too long for `max_length` loses lines from. None: the example cannot be cut."""


CUT_MARKER = "[… {lines} lines of the call left out for length …]"
"""What stands in a cut transcript for the lines left out of its middle."""


@dataclass(frozen=True, slots=True)
class Encoded:
    """One example's input ids and labels (-100 on the prompt), and how many transcript
    lines were left out to fit `max_length`."""

    ids: list[int]
    labels: list[int]
    cut_lines: int


@dataclass(frozen=True, slots=True)
class TrainingRun:
    """What a finished run reports (stored in the version's `metrics`)."""

    steps: int
    examples: int
    first_loss: float
    final_loss: float
    seconds: float
    tokens: int
    cut_examples: int = 0
    """Examples that lost transcript lines to fit `max_length`."""
    cut_lines: int = 0
    longest_tokens: int = 0
    """The longest example as trained (after any cut)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "examples": self.examples,
            "first_loss": round(self.first_loss, 4),
            "final_loss": round(self.final_loss, 4),
            "seconds": round(self.seconds, 1),
            "tokens": self.tokens,
            "cut_examples": self.cut_examples,
            "cut_lines": self.cut_lines,
            "longest_tokens": self.longest_tokens,
        }


Progress = Callable[[int, int, float], None]
"""Called after each optimiser step: (step, total steps, loss)."""


def trainable_base(files: ModelFiles, cache_dir: Path) -> Path:
    """The Hugging Face directory to train on for `files` (converting a GGUF file once)."""
    if files.kind == "hf":
        return files.path
    if files.kind == "lora" and files.base_path is not None:
        return files.base_path
    if files.kind == "gguf":
        converted = convert_gguf(files.path, cache_dir)
        if converted is None:
            raise ModelLoadError(
                f"cannot convert {files.path} for training: {cache_dir} unwritable"
            )
        return converted
    raise ModelLoadError(f"no trainable base for {files.path}")


def _chat_ids(tokenizer: Any, messages: Sequence[dict[str, str]]) -> list[int]:
    text = tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _with_transcript(
    messages: Sequence[dict[str, str]], old: str, new: str
) -> list[dict[str, str]]:
    """The messages with the transcript text in the last one replaced."""
    *before, last = (dict(m) for m in messages)
    head, found, tail = last["content"].rpartition(old)
    return [*before, {**last, "content": head + new + tail if found else last["content"]}]


def _cut_transcript(text: str, keep: int) -> str:
    """`text` with all but `keep` of its lines left out from the middle, marked as such."""
    lines = text.split("\n")
    if keep >= len(lines):
        return text
    head, tail = lines[: (keep + 1) // 2], lines[len(lines) - keep // 2 :] if keep // 2 else []
    return "\n".join([*head, CUT_MARKER.format(lines=len(lines) - keep), *tail])


def encode_example(tokenizer: Any, example: ChatExample, max_length: int) -> Encoded:
    """Input ids and labels, the prompt masked (-100) so only the reply is learnt.

    An example longer than `max_length` loses lines from the middle of its transcript (the
    start and the end of a call say most about it), never its reply nor the instructions;
    one that cannot fit even with no transcript line left is refused (ValueError)."""

    def encoded(messages: Sequence[dict[str, str]]) -> tuple[list[int], list[int]]:
        prompt_ids = _chat_ids(tokenizer, messages)
        full = tokenizer.apply_chat_template(
            [*messages, {"role": "assistant", "content": example.response}], tokenize=False
        )
        ids = list(tokenizer(full, add_special_tokens=False)["input_ids"])
        return ids, [-100] * len(prompt_ids) + ids[len(prompt_ids) :]

    ids, labels = encoded(example.messages)
    if len(ids) <= max_length:
        return Encoded(ids, labels, cut_lines=0)
    transcript = example.transcript
    if not transcript or transcript not in example.messages[-1]["content"]:
        transcript = None  # nothing this example may lose
    lines = transcript.count("\n") + 1 if transcript else 0
    low, high, best = 0, lines - 1, None  # the most transcript lines that fit
    while low <= high:
        keep = (low + high) // 2
        assert transcript is not None  # lines > 0
        messages = _with_transcript(example.messages, transcript, _cut_transcript(transcript, keep))
        trial = encoded(messages)
        if len(trial[0]) <= max_length:
            best, low = (trial, keep), keep + 1
        else:
            high = keep - 1
    if best is None:
        reply = sum(1 for label in labels if label != -100)
        raise ValueError(
            f"max_length {max_length} is too short: an example takes {len(ids)} tokens "
            f"({reply} of them its reply) and cannot fit with its transcript left out; "
            "raise options.max_length"
        )
    (ids, labels), keep = best
    return Encoded(ids, labels, cut_lines=lines - keep)


def train_lora(
    base_dir: Path,
    examples: Sequence[ChatExample],
    out_dir: Path,
    options: LoraOptions,
    *,
    progress: Progress | None = None,
    cpu_threads: int = 0,
) -> TrainingRun:
    """Fine-tune a LoRA adapter on `base_dir` and save it (with the tokenizer) in `out_dir`."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not examples:
        raise ValueError("no examples to train on")
    if cpu_threads:
        torch.set_num_threads(cpu_threads)
    torch.manual_seed(options.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model: Any = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    model = model.to(device)
    present = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    targets = [m for m in TARGET_MODULES if m in present]
    config = LoraConfig(
        r=options.lora_rank,
        lora_alpha=options.lora_alpha,
        lora_dropout=0.0,
        target_modules=targets,
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, config)
    if options.gradient_checkpointing:
        # Keeps each layer's input, not its attention weights: without it a 3,500-token
        # example held 11 GiB on the CPU (benchmarks/training.py, docs/performance.md).
        model.config.use_cache = False  # nothing to cache while training
        model.activation_checkpointing_enable(
            activation_checkpointing_kwargs={"use_reentrant": False}
        )
    model.train()
    encoded = [encode_example(tokenizer, e, options.max_length) for e in examples]
    cut = [e.cut_lines for e in encoded if e.cut_lines]
    if cut:
        log.warning(
            "training_examples_cut",
            examples=len(cut),
            lines=sum(cut),
            max_length=options.max_length,
        )
    optimiser = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=options.learning_rate
    )
    per_epoch = math.ceil(len(encoded) / options.gradient_accumulation)
    total = per_epoch * options.epochs
    if options.max_steps is not None:
        total = min(total, options.max_steps)
    started = time.perf_counter()
    step, first_loss, loss_value, tokens = 0, math.nan, math.nan, 0
    order = torch.Generator().manual_seed(options.seed)
    while step < total:
        batch_losses = []
        for index in torch.randperm(len(encoded), generator=order).tolist():
            ids, labels = encoded[index].ids, encoded[index].labels
            tokens += len(ids)
            output = model(
                input_ids=torch.tensor([ids], device=device),
                labels=torch.tensor([labels], device=device),
            )
            loss = output.loss / options.gradient_accumulation
            if not torch.isfinite(loss):
                raise TrainingDivergedError(
                    f"the loss is {loss.item()} at step {step + 1}: training diverged "
                    "(try a lower learning_rate)"
                )
            loss.backward()
            batch_losses.append(float(output.loss.item()))
            if len(batch_losses) < options.gradient_accumulation:
                continue
            optimiser.step()
            optimiser.zero_grad()
            step += 1
            loss_value = sum(batch_losses) / len(batch_losses)
            batch_losses = []
            if math.isnan(first_loss):
                first_loss = loss_value
            if progress is not None:
                progress(step, total, loss_value)
            if step >= total:
                break
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir))
    tokenizer.save_pretrained(out_dir)
    return TrainingRun(
        steps=step,
        examples=len(encoded),
        first_loss=first_loss,
        final_loss=loss_value,
        seconds=time.perf_counter() - started,
        tokens=tokens,
        cut_examples=len(cut),
        cut_lines=sum(cut),
        longest_tokens=max(len(e.ids) for e in encoded),
    )
