"""A sweep of one design point x many replications of the baseline on the batch engine: time, the
resident memory of all its processes together, and the size of runs.parquet.

Usage: python benchmarks/bench_scale.py [RUNS] [--workers W]   (defaults: 1,000,000 runs, 2 workers)

Runs ``recogsim sweep`` on an experiment written to a temporary folder (one point: the baseline's
own crackdown, no series, the default outcomes) and polls the resident memory of the command and
its worker processes every 0.1 s (proportional set size, so that pages forked workers share with
their parent count once); prints the peak of their sum. The README quotes its output.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PINNED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=int, nargs="?", default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "scale.yaml"
        exp.write_text(
            f"name: scale\nscenario: {ROOT / 'scenarios' / 'baseline.yaml'}\nreplications: {args.runs}\n"
            "seed: 1\nengine: batch\ndesign: {kind: grid}\n"
            "parameters:\n  - {path: taliban.crackdown, values: [0.3]}\n"
        )
        out = Path(tmp) / "out"
        argv = [sys.executable, "-m", "recogsim", "sweep", str(exp), "--workers", str(args.workers), "--out", str(out)]
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, env={**os.environ, **PINNED}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
        )
        root, peak = psutil.Process(proc.pid), 0
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                # proportional set size: pages the forked workers share with their parent counted once
                peak = max(peak, sum(p.memory_full_info().pss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        if proc.returncode:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"{' '.join(argv)} failed with exit status {proc.returncode}: {err[-500:]}")
        size = (out / "runs.parquet").stat().st_size
    print(
        f"{args.runs:,} runs of the baseline, batch engine, {args.workers} workers, no series: {seconds:,.0f} s "
        f"({args.runs / seconds:,.0f} runs/s); peak resident memory of all processes {peak / 2**20:,.0f} MiB; "
        f"runs.parquet {size / 2**20:,.1f} MiB"
    )


if __name__ == "__main__":
    main()
