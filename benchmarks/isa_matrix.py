"""Run one benchmark under each CTranslate2 CPU kernel and print its figures side by side.

CTranslate2 picks AVX-512 or AVX2 kernels by CPU and Whisper's words differ between them
(issue 20), so a speech figure is quoted per kernel, never for one. Each kernel's run is a
child process with `CT2_FORCE_CPU_ISA` set; its whole output is saved under `--out` and the
last `--tail` lines (where each benchmark prints its summary) are printed one after another.

    PYTHONPATH=src python benchmarks/isa_matrix.py --kernels AVX2 AVX512 -- \\
        benchmarks/pii_speech.py --set heldout --no-cache
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

KERNELS = ("GENERIC", "AVX", "AVX2", "AVX512")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernels", nargs="+", default=list(KERNELS), choices=KERNELS)
    parser.add_argument("--tail", type=int, default=25, help="summary lines printed per kernel")
    parser.add_argument("--out", type=Path, default=Path("/tmp/angel-isa-matrix"))
    parser.add_argument("benchmark", nargs=argparse.REMAINDER, help="-- script.py [args]")
    args = parser.parse_args()
    command = [part for part in args.benchmark if part != "--"]
    if not command:
        parser.error("name the benchmark after --")
    args.out.mkdir(parents=True, exist_ok=True)
    print(machine(), flush=True)
    failed = 0
    for kernel in args.kernels:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, *command],
            env={**os.environ, "CT2_FORCE_CPU_ISA": kernel},
            capture_output=True,
            text=True,
            check=False,
        )
        took_s = time.perf_counter() - started
        log = args.out / f"{Path(command[0]).stem}-{kernel}.log"
        log.write_text(result.stdout + result.stderr)
        print(f"== CT2_FORCE_CPU_ISA={kernel}: exit {result.returncode}, {took_s:.0f} s ({log})")
        print("\n".join(result.stdout.rstrip().splitlines()[-args.tail :]), flush=True)
        failed += result.returncode != 0
    return 1 if failed else 0


def machine() -> str:
    """What else a speech figure depends on: the versions that make and decode the test calls,
    and the thread settings (docs/performance.md, "Machine dependence")."""
    import ctranslate2

    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    threads = {k: os.environ.get(k, "unset") for k in ("OMP_NUM_THREADS", "OPENBLAS_CORETYPE")}
    return (
        f"ctranslate2 {ctranslate2.__version__}, espeak-ng {espeak.split(':')[1].split()[0]}, "
        f"{os.cpu_count()} CPUs, " + ", ".join(f"{k}={v}" for k, v in threads.items())
    )


if __name__ == "__main__":
    sys.exit(main())
