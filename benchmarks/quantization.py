"""Load time, memory, speed and analysis validity of each quantization on the bundled model.

For `none`, `int8` and `int4`, in a fresh child process each (so peak memory is that option's
own): loads SmolLM2-135M-Instruct in-process the way the worker does (ANALYSIS_MODEL_QUANTIZATION
through `LanguageModelOptions`), then analyses `--count` of the synthetic calls of
`benchmarks/analysis.py` with the spec's full config, and prints:

- load seconds, resident memory after load and after the analyses (float32 weights are
  mmapped from the safetensors file, so they become resident as they are first used), and
  peak resident memory (ru_maxrss);
- generated tokens per second over all replies (constrained decoding, prefix reuse on);
- how many analyses were valid (schema, enums, timestamps, prompt leaks), first time or after
  re-prompts, and the mean seconds per analysis.

An option the backend refuses on this machine (int4 on a CPU) prints its refusal.

    PYTHONPATH=src python benchmarks/quantization.py [--count 5] [--threads 1] [--options none,int8]
    PYTHONPATH=src python benchmarks/quantization.py --interleaved 7   # decode speed only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from analysis import scenarios, transcript

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import resolve_config
from angel_intelligence.analysis.schema import COMPACT_LIMITS
from angel_intelligence.backends.llm.options import LanguageModelOptions
from angel_intelligence.backends.llm.quantization import QUANTIZATIONS
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.errors import AnalysisParseError, AnalysisValidationError, ModelLoadError
from angel_intelligence.testing.recording_model import RecordingLanguageModel


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(quantization: str, count: int, threads: int, cache: Path) -> dict[str, object]:
    """One option, in this process: what `main` prints a row of."""
    options = LanguageModelOptions(
        purpose="analysis",
        model_path=Path("missing-so-bundled"),
        cache_dir=cache,
        cpu_threads=threads,
        quantization=quantization,  # type: ignore[arg-type]
    )
    started = time.monotonic()
    try:
        model = TransformersLanguageModel.from_options(options)
        model.load()
    except ModelLoadError as error:
        return {"quantization": quantization, "refused": error.message}
    load_s = time.monotonic() - started
    rss_mb = _rss_mb()
    recording = RecordingLanguageModel(model)
    analyser = CallAnalyser(recording, limits=COMPACT_LIMITS, max_reprompts=3, max_new_tokens=1024)
    config = resolve_config(None, [])
    valid = first_valid = 0
    seconds = []
    for lines in scenarios()[:count]:
        before = len(recording.calls)
        call_started = time.monotonic()
        try:
            analyser.analyse(transcript(lines), config)
            valid += 1
            first_valid += len(recording.calls) - before == 1
        except (AnalysisParseError, AnalysisValidationError):
            pass
        seconds.append(time.monotonic() - call_started)
    tokens = sum(len(call["decoded"].tokens) for call in recording.calls)
    rss_after_mb = _rss_mb()  # every weight touched by now (float32 ones are mmapped at load)
    decode_s = sum(call["seconds"] for call in recording.calls)
    return {
        "quantization": quantization,
        "load_s": load_s,
        "rss_mb": rss_mb,
        "rss_after_mb": rss_after_mb,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "tokens_per_s": tokens / decode_s if decode_s else 0.0,
        "valid": valid,
        "first_valid": first_valid,
        "count": count,
        "seconds_per_analysis": sum(seconds) / len(seconds) if seconds else 0.0,
    }


def interleaved(rounds: int, threads: int, cache: Path) -> None:
    """Decode speed of `none` and `int8` in one process, taking turns, so a machine whose load
    changes (a shared CI box) slows both alike: median tokens/s of 64-token replies."""
    models = {}
    for quantization in ("none", "int8"):
        options = LanguageModelOptions(
            purpose="analysis",
            model_path=Path("missing-so-bundled"),
            cache_dir=cache,
            cpu_threads=threads,
            quantization=quantization,  # type: ignore[arg-type]
        )
        models[quantization] = TransformersLanguageModel.from_options(options)
        models[quantization].load()
    lines = scenarios()[0]
    messages = [{"role": "user", "content": "Summarise this call.\n" + str(transcript(lines))}]
    speeds: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            started = time.monotonic()
            model.generate(messages, max_new_tokens=64)
            decoded = model.last_decoded
            assert decoded is not None
            speeds[name].append(len(decoded.tokens) / (time.monotonic() - started))
    medians = {name: sorted(v)[len(v) // 2] for name, v in speeds.items()}
    print(
        f"interleaved, {rounds} rounds of 64-token replies, load average "
        f"{os.getloadavg()[0]:.1f}: none {medians['none']:.1f} tok/s, int8 "
        f"{medians['int8']:.1f} tok/s (median), int8/none {medians['int8'] / medians['none']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=5, help="analyses per option")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument(
        "--options", default="none,int8,int4", help="comma-separated quantizations to measure"
    )
    parser.add_argument(
        "--interleaved",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="instead: none and int8 decode speed in one process, taking turns",
    )
    parser.add_argument("--only", choices=QUANTIZATIONS, help=argparse.SUPPRESS)  # the child
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache",
    )
    args = parser.parse_args()
    if args.interleaved:
        interleaved(args.interleaved, args.threads, args.cache)
        return
    if args.only:
        print(json.dumps(measure(args.only, args.count, args.threads, args.cache)))
        return

    print(
        f"bundled SmolLM2-135M-Instruct, {args.count} analyses per option, threads "
        f"{args.threads}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'option':>6} {'load s':>6} {'RSS MB':>7} {'after':>7} {'peak MB':>7} {'tok/s':>6} "
        f"{'s/call':>6}  valid (first time)"
    )
    for quantization in args.options.split(","):
        child = subprocess.run(
            [sys.executable, __file__, "--only", quantization, *sys.argv[1:]],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(child.stdout.strip().splitlines()[-1])
        if "refused" in row:
            print(f"{quantization:>6}  refused: {row['refused']}")
            continue
        print(
            f"{quantization:>6} {row['load_s']:>6.1f} {row['rss_mb']:>7.0f} "
            f"{row['rss_after_mb']:>7.0f} "
            f"{row['peak_rss_mb']:>7.0f} {row['tokens_per_s']:>6.1f} "
            f"{row['seconds_per_analysis']:>6.1f}  {row['valid']}/{row['count']} "
            f"({row['first_valid']})"
        )


if __name__ == "__main__":
    main()
