"""Runs per second of a 1,000-run sweep of the baseline: local process pool vs Dask LocalCluster,
and each executor's overhead against ``run_ensemble`` of the same 1,000 runs.

The sweep's design is one point (the baseline's own lobbying value) x 1,000 replications, keeping
the monthly series, so it does exactly the simulations ``run_ensemble(baseline, 1000)`` does and
writes the same kind of tables; the difference is the cost of
the sweep machinery (point scenarios, tasks, chunked Parquet writes, consolidation) and of the
executor. Wall-clock times include starting the pool or the cluster. On the Mesa engine, as when
the target was set (a run of the batch engine is a hundredth of the work per task, so the same
overhead would weigh differently; ``bench_dask.py`` measures the batch engine's blocks on Dask).

Usage: python benchmarks/bench_sweep.py [RUNS]   (default 1000; every core is used)
Target: overhead under 15%.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

from recogsim import load_experiment, load_scenario, run_ensemble, run_sweep

ROOT = Path(__file__).resolve().parents[1]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    cores = os.cpu_count() or 1
    baseline = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(
            yaml.safe_dump(
                {
                    "name": "bench",
                    "scenario": str(ROOT / "scenarios" / "baseline.yaml"),
                    "replications": runs,
                    "seed": 1,
                    "design": {"kind": "grid"},
                    "keep_series": True,  # like run_ensemble, which always keeps them
                    "engine": "mesa",
                    "parameters": [{"path": "taliban.lobbying", "values": [baseline.taliban.lobbying]}],
                }
            )
        )
        loaded = load_experiment(path)
        ref = timed(lambda: run_ensemble(baseline, runs, seed=1, workers=cores, progress=False, engine="mesa"))
        local = timed(lambda: run_sweep(loaded, Path(tmp) / "local", workers=cores, progress=False))
        dask = timed(lambda: run_sweep(loaded, Path(tmp) / "dask", dask_local=cores, progress=False))
    print(f"{runs} runs of the baseline (120 months), {cores} cores, Mesa engine")
    for label, secs in (("run_ensemble", ref), ("sweep, local pool", local), ("sweep, Dask LocalCluster", dask)):
        extra = "" if label == "run_ensemble" else f"   overhead {100 * (secs / ref - 1):+5.1f}%"
        print(f"{label:26s} {secs:6.1f} s  {runs / secs:6.1f} runs/s{extra}")


if __name__ == "__main__":
    main()
