"""Replications per second of the baseline over its 120 months, one worker and every core.

Usage: python benchmarks/bench_ensemble.py [REPLICATIONS]   (default 200)
Prints one line per configuration; the README quotes its output. Not part of the test suite:
speed targets live here, never in timed unit tests. Target: >= 8 runs/s per core, for the Mesa
engine (the target predates the batch engine, which ``run_ensemble`` picks by default: its speed
is ``bench_engines.py``'s).
"""

import os
import sys
import time

from recogsim import load_scenario, run_ensemble
from recogsim.config.schema import Scenario


def measure(s: Scenario, reps: int, workers: int) -> float:
    start = time.perf_counter()
    run_ensemble(s, reps, seed=1, workers=workers, progress=False, engine="mesa")
    return reps / (time.perf_counter() - start)


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    s = load_scenario("scenarios/baseline.yaml")
    cores = os.cpu_count() or 1
    size = f"{len(s.states)} states, {len(s.missions)} posts, {s.horizon_months} months"
    print(f"baseline: {size}, {reps} replications, Mesa engine")
    for workers in sorted({1, cores}):
        rate = measure(s, reps, workers)
        print(f"workers={workers}: {rate:6.1f} runs/s  ({rate / workers:5.1f} runs/s per core)")


if __name__ == "__main__":
    main()
