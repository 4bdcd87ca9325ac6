"""Real-time factor and peak memory of transcription and diarization on a 5-minute call.

A two-party call of about five minutes is synthesised (testing/speech.py, 25 dB SNR, 8 kHz GSM);
each configuration then runs in its own process, so its peak memory (max RSS) is its own:

- Whisper (bundled tiny.en, CPU int8): sequential decoding with beam 5 and beam 1, and
  faster-whisper's batched pipeline (batch 8 and 16), with CTranslate2's default threads
  (WHISPER_CPU_THREADS=0) and with 1 or 2;
- the resemblyzer diarizer, with torch's default threads and with one thread.

RTF = processing seconds / audio seconds (lower is better); load time is excluded and printed
apart. The machine's load average is printed too: other work on a shared CPU slows every row.

    PYTHONPATH=src python benchmarks/transcription.py [--minutes 5]
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

VARIANTS: dict[str, dict[str, int | str]] = {
    "whisper sequential, beam 5": {"kind": "asr", "beam": 5, "batch": 0, "threads": 0},
    "whisper sequential, beam 5, 1 thread": {"kind": "asr", "beam": 5, "batch": 0, "threads": 1},
    "whisper sequential, beam 5, 2 threads": {"kind": "asr", "beam": 5, "batch": 0, "threads": 2},
    "whisper sequential, beam 1": {"kind": "asr", "beam": 1, "batch": 0, "threads": 0},
    "whisper batched 8, beam 5": {"kind": "asr", "beam": 5, "batch": 8, "threads": 0},
    "whisper batched 8, beam 5, 2 threads": {"kind": "asr", "beam": 5, "batch": 8, "threads": 2},
    "whisper batched 16, beam 5": {"kind": "asr", "beam": 5, "batch": 16, "threads": 0},
    "diarization, torch default threads": {"kind": "diarize", "threads": 0},
    "diarization, torch 1 thread (default)": {"kind": "diarize", "threads": 1},
}


def run_variant(name: str, audio: Path, script_text: str) -> dict[str, object]:
    """In a child process: load, warm up on 5 s, then time the whole call."""
    config = VARIANTS[name]
    started = time.perf_counter()
    if config["kind"] == "asr":
        from angel_intelligence.backends.asr.faster_whisper import (
            FasterWhisperTranscriber,
            WhisperOptions,
        )
        from angel_intelligence.testing.scoring import word_error_rate

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
        wer = word_error_rate(script_text, " ".join(s.text for s in transcript.segments))
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--variant")
    parser.add_argument("--audio")
    parser.add_argument("--script")
    args = parser.parse_args()
    if args.variant:  # child process
        result = run_variant(args.variant, Path(args.audio), Path(args.script).read_text())
        print(json.dumps(result))
        return

    from angel_intelligence.testing.call_scripts import long_call
    from angel_intelligence.testing.speech import synthesise_call

    with tempfile.TemporaryDirectory() as tmp:
        call = synthesise_call(
            long_call(args.minutes * 60), Path(tmp), name="long", noise_snr_db=25, seed=3
        )
        script = Path(tmp) / "script.txt"
        script.write_text(call.script_text)
        print(f"call: {call.duration_s:.1f} s of 8 kHz GSM, {len(call.words)} words, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        print(
            f"{'configuration':<38} {'seconds':>8} {'RTF':>7} {'load s':>7} {'peak MB':>8}  notes"
        )
        for name in VARIANTS:
            output = subprocess.run(
                [sys.executable, __file__, "--variant", name, "--audio", str(call.gsm_path),
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
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
