"""Runs per second of the baseline through the command line, Mesa engine against batch engine.

Usage: python benchmarks/bench_engines.py [--mesa R...] [--batch R...]
       (defaults: --mesa 100, --batch 100 1000 10000)

Each measurement is one ``recogsim run scenarios/baseline.yaml -n R --engine E --workers 1
--no-plots`` in a fresh process, with BLAS and OpenMP pinned to one thread: wall time from start
to exit, writing every results table included (reading the scenario and importing included too).
Also the peak resident memory of that process, and per replication above the Mesa run of 100.
Prints one line per measurement, then the ratio of the batch engine's best rate to Mesa's. The
README quotes its output. Not part of the test suite: speed lives here, never in timed unit tests.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PINNED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def measure(engine: str, runs: int) -> tuple[float, float]:
    """Seconds and peak resident bytes of one run of the command line."""
    with tempfile.TemporaryDirectory() as out:
        argv = [sys.executable, "-m", "recogsim", "run", str(ROOT / "scenarios" / "baseline.yaml")]
        argv += ["-n", str(runs), "--engine", engine, "--workers", "1", "--no-plots", "--out", out, "--seed", "1"]
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, env={**os.environ, **PINNED}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
        )
        watch, peak = psutil.Process(proc.pid), 0
        while proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, watch.memory_info().rss)
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        if proc.returncode:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"{' '.join(argv)} failed with exit status {proc.returncode}: {err[-500:]}")
    return seconds, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mesa", type=int, nargs="*", default=[100])
    ap.add_argument("--batch", type=int, nargs="*", default=[100, 1000, 10000])
    args = ap.parse_args()
    print(f"recogsim run scenarios/baseline.yaml, one worker, BLAS threads 1, {os.cpu_count()} cores here")
    rates: dict[str, float] = {}
    base_memory = None
    for engine, sizes in (("mesa", args.mesa), ("batch", args.batch)):
        for runs in sizes:
            seconds, peak = measure(engine, runs)
            rate = runs / seconds
            rates[engine] = max(rates.get(engine, 0.0), rate)
            base_memory = peak if base_memory is None else base_memory
            extra = max(peak - base_memory, 0) / runs / 1024
            print(
                f"{engine:5s} R={runs:>6,}: {seconds:7.1f} s  {rate:8.1f} runs/s  "
                f"peak {peak / 2**20:6.0f} MiB  ({extra:5.1f} KiB per replication above the first line)"
            )
    if "mesa" in rates and "batch" in rates:
        print(f"batch / mesa: {rates['batch'] / rates['mesa']:.0f}x (best batch rate over best Mesa rate)")


if __name__ == "__main__":
    main()
