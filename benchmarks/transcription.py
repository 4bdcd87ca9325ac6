"""Whisper on telephone calls: plain faster-whisper beside our pipeline, on the same audio.

    PYTHONPATH=src python benchmarks/transcription.py [--split tuning|heldout|all]
        [--calls N] [--variant NAME=JSON ...] [--speed-table [--minutes 5]]

Accuracy and speed (default): the calls of `benchmarks/asr_calls.py` (PII-dense two-party
calls and scripted calls, GSM, clean to 10 dB SNR; a `tuning` split and a `heldout` split that
was never tuned on). For each call, in one process and one after the other, so both see the
same machine load:

- `plain`: `WhisperModel.transcribe` as the library's README runs it: beam 5, word
  timestamps, no VAD, everything else the library's default (temperature fallback, compression
  and log-probability checks, conditioning on the previous text);
- `pipeline`: `FasterWhisperTranscriber` with the default `WhisperOptions` (VAD windows, batched
  first pass, re-decoding of bad windows, loops cut: docs/transcription.md);
- any `--variant name='{"redecode": false}'`: the pipeline with those `WhisperOptions` fields.

Printed per split: seconds (transcription only, the model loaded before), RTF, WER and its
substitutions, deletions and insertions (digits spelled out on both sides: `scoring.word_errors`),
the share of the scripted speech the VAD missed, and what the pipeline re-decoded. The machine
is shared: compare rows of one run, not runs.

`--speed-table`: the older table of configurations on one 5-minute call, each in its own
process so peak memory is its own (sequential/batched, beam, threads; the diarizer).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

SPEED_VARIANTS: dict[str, dict[str, int | str]] = {
    "whisper sequential, beam 5": {"kind": "asr", "beam": 5, "batch": 0, "threads": 0},
    "whisper sequential, beam 5, 1 thread": {"kind": "asr", "beam": 5, "batch": 0, "threads": 1},
    "whisper sequential, beam 1": {"kind": "asr", "beam": 1, "batch": 0, "threads": 0},
    "whisper batched 8, beam 5": {"kind": "asr", "beam": 5, "batch": 8, "threads": 0},
    "whisper batched 16, beam 5": {"kind": "asr", "beam": 5, "batch": 16, "threads": 0},
    "diarization, torch default threads": {"kind": "diarize", "threads": 0},
    "diarization, torch 1 thread (default)": {"kind": "diarize", "threads": 1},
}


# --- Plain faster-whisper beside the pipeline ----------------------------------------------


class Tally:
    """One configuration's totals over a split."""

    def __init__(self) -> None:
        from angel_intelligence.testing.scoring import WordErrors

        self.seconds = 0.0
        self.errors = WordErrors(0, 0, 0, 0)
        self.redecoded: Counter[str] = Counter()
        self.kept = 0
        self.cut = 0

    def row(self, name: str, audio_s: float, missed: float | None) -> str:
        e = self.errors
        cells = (
            f"{name:<28} {self.seconds:>8.1f} {self.seconds / audio_s:>6.3f} {e.rate:>6.3f} "
            f"{e.substitutions:>5} {e.deletions:>5} {e.insertions:>5}"
        )
        if missed is None:
            return cells
        redecoded = ", ".join(f"{k} {v}" for k, v in sorted(self.redecoded.items())) or "none"
        return (
            f"{cells} {missed:>7.3f}  re-decoded: {redecoded} (kept {self.kept}); "
            f"loop words cut {self.cut}"
        )


def missed_speech(words: list[tuple[float, float]], windows: list[tuple[float, float]]) -> float:
    """Seconds of scripted words outside every decoded window."""
    missed = 0.0
    for start_s, end_s in words:
        inside = sum(max(0.0, min(end_s, b) - max(start_s, a)) for a, b in windows)
        missed += max(0.0, (end_s - start_s) - inside)
    return missed


def compare(split: str, limit: int | None, variants: dict[str, dict[str, Any]]) -> None:
    from asr_calls import calls
    from faster_whisper import WhisperModel

    from angel_intelligence.audio_io import load_audio
    from angel_intelligence.backends.asr.decoding import WindowedDecoder
    from angel_intelligence.backends.asr.faster_whisper import (
        FasterWhisperTranscriber,
        WhisperOptions,
    )
    from angel_intelligence.testing.scoring import word_errors

    todo = calls(split, Path(tempfile.gettempdir()) / "angel-asr-calls")[:limit]
    pipelines = {"pipeline": FasterWhisperTranscriber()}
    for name, fields in variants.items():
        pipelines[name] = FasterWhisperTranscriber(dataclasses.replace(WhisperOptions(), **fields))
    plain = WhisperModel(
        pipelines["pipeline"].resolved.location,
        device=pipelines["pipeline"].device,
        compute_type=pipelines["pipeline"].compute_type,
        local_files_only=True,
    )
    tallies = {name: Tally() for name in ["plain", *pipelines]}
    audio_s = missed_s = speech_s = 0.0
    for call in todo:
        samples = load_audio(Path(call.audio))
        audio_s += call.duration_s
        started = time.perf_counter()
        found, _info = plain.transcribe(
            samples, beam_size=5, word_timestamps=True, vad_filter=False, language="en"
        )
        text = " ".join(s.text for s in found)
        tallies["plain"].seconds += time.perf_counter() - started
        tallies["plain"].errors += word_errors(call.reference, text)
        for name, pipeline in pipelines.items():
            transcript = pipeline.transcribe(Path(call.audio))
            tally = tallies[name]
            tally.seconds += transcript.processing_time_s
            tally.errors += word_errors(
                call.reference, " ".join(s.text for s in transcript.segments)
            )
            tally.redecoded.update(transcript.metadata.get("redecoded", {}))  # type: ignore[arg-type]
            tally.kept += int(transcript.metadata.get("redecode_kept", 0))  # type: ignore[call-overload]
            tally.cut += int(transcript.metadata.get("loop_words_cut", 0))  # type: ignore[call-overload]
        decoder = pipelines["pipeline"]
        windows = WindowedDecoder(decoder._model, None, decoder.options, "en").windows(samples)
        missed_s += missed_speech(call.words, [(w.start_s, w.end_s) for w in windows])
        speech_s += sum(end - start for start, end in call.words)
    print(f"\n{split}: {len(todo)} calls, {audio_s:.0f} s of 8 kHz GSM, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'configuration':<28} {'seconds':>8} {'RTF':>6} {'WER':>6} {'subs':>5} {'dels':>5} "
          f"{'ins':>5} {'missed':>7}")  # fmt: skip
    for name, tally in tallies.items():
        print(tally.row(name, audio_s, None if name == "plain" else missed_s / speech_s))
    ratio = tallies["plain"].seconds / tallies["pipeline"].seconds
    delta = tallies["pipeline"].errors.rate - tallies["plain"].errors.rate
    print(f"pipeline: {ratio:.2f}x plain's speed, WER {delta:+.3f} against plain", flush=True)


# --- The older speed table: one 5-minute call, each configuration in its own process -------


def run_speed_variant(name: str, audio: Path, script_text: str) -> dict[str, object]:
    """In a child process: load, then time the whole call."""
    config = SPEED_VARIANTS[name]
    started = time.perf_counter()
    if config["kind"] == "asr":
        from angel_intelligence.backends.asr.faster_whisper import (
            FasterWhisperTranscriber,
            WhisperOptions,
        )
        from angel_intelligence.testing.scoring import word_errors

        model = FasterWhisperTranscriber(
            WhisperOptions(
                beam_size=int(config["beam"]),
                batch_size=int(config["batch"]),
                cpu_threads=int(config["threads"]),
            )
        )
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        transcript = model.transcribe(audio)
        elapsed = time.perf_counter() - started
        wer = word_errors(script_text, " ".join(s.text for s in transcript.segments)).rate
        extra = {"wer": round(wer, 3), "device": f"{model.device}/{model.compute_type}"}
    else:
        import torch

        from angel_intelligence.backends.diarization.resemblyzer import (
            ResemblyzerDiarizer,
            ResemblyzerEmbedder,
        )

        diarizer = ResemblyzerDiarizer(ResemblyzerEmbedder(torch_threads=int(config["threads"])))
        diarizer.embedder._model()  # load now, not inside the timing
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        diarization = diarizer.diarize(audio)
        elapsed = time.perf_counter() - started
        threads = int(config["threads"]) or torch.get_num_threads()
        extra = {"speakers": len(diarization.speakers), "torch_threads": threads}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"elapsed_s": elapsed, "load_s": load_s, "peak_mb": peak_mb, **extra}


def speed_table(minutes: float) -> None:
    from angel_intelligence.testing.call_scripts import long_call
    from angel_intelligence.testing.speech import synthesise_call

    with tempfile.TemporaryDirectory() as tmp:
        call = synthesise_call(
            long_call(minutes * 60), Path(tmp), name="long", noise_snr_db=25, seed=3
        )
        script = Path(tmp) / "script.txt"
        script.write_text(call.script_text)
        print(f"call: {call.duration_s:.1f} s of 8 kHz GSM, {len(call.words)} words, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        print(
            f"{'configuration':<38} {'seconds':>8} {'RTF':>7} {'load s':>7} {'peak MB':>8}  notes"
        )
        for name in SPEED_VARIANTS:
            output = subprocess.run(
                [sys.executable, __file__, "--speed-variant", name, "--audio", str(call.gsm_path),
                 "--script", str(script)],
                capture_output=True, text=True, check=True,
            ).stdout.strip().splitlines()[-1]  # fmt: skip
            result = json.loads(output)
            notes = ", ".join(
                f"{k}={v}" for k, v in result.items() if k not in ("elapsed_s", "load_s", "peak_mb")
            )
            print(
                f"{name:<38} {result['elapsed_s']:>8.1f} "
                f"{result['elapsed_s'] / call.duration_s:>7.3f} {result['load_s']:>7.1f} "
                f"{result['peak_mb']:>8.0f}  {notes}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=["tuning", "heldout", "all"], default="all")
    parser.add_argument("--calls", type=int, help="only the first N calls of each split")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=JSON")
    parser.add_argument("--speed-table", action="store_true")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--speed-variant")
    parser.add_argument("--audio")
    parser.add_argument("--script")
    args = parser.parse_args()
    if args.speed_variant:  # child process of --speed-table
        result = run_speed_variant(
            args.speed_variant, Path(args.audio), Path(args.script).read_text()
        )
        print(json.dumps(result))
        return
    if args.speed_table:
        speed_table(args.minutes)
        return
    variants = dict(v.split("=", 1) for v in args.variant)
    parsed = {name: json.loads(fields) for name, fields in variants.items()}
    started = time.perf_counter()
    for split in ["tuning", "heldout"] if args.split == "all" else [args.split]:
        compare(split, args.calls, parsed)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
