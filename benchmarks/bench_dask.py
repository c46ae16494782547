"""The Dask scheduler's overhead per task, and per block of batch-engine replications.

Usage: python benchmarks/bench_dask.py [--workers W] [--tasks N] [--block R]
       (defaults: 2 workers, 2,000 empty tasks, blocks of 1,000 replications)

On a LocalCluster of W single-threaded worker processes (as ``recogsim sweep --dask-local W``):
1. N empty tasks through ``Client.get_executor()`` (the executor the runner uses), W * 4 in flight
   as the runner keeps them: wall time per task is the scheduler's overhead per task;
2. W * 2 tasks of one block each of the baseline (``runs.runner.run_task`` on the batch engine, no series), after
   a small block on each worker (imports and first-call costs), against the same blocks run in this
   process: the overhead per block (the round trip, shipping the results) as a share of its time.
The README's cluster section projects these figures onto 64 and 512 workers.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]


def nothing(i: int) -> int:
    return i


def main() -> None:
    from recogsim import load_scenario
    from recogsim.runs import plan as plans
    from recogsim.runs.executors import open_pool
    from recogsim.runs.runner import run_task

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tasks", type=int, default=2000)
    ap.add_argument("--block", type=int, default=1000)
    args = ap.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    n_blocks = args.workers * 2
    plan = plans.ensemble(scenario, args.block * n_blocks, 1, "batch")
    plan.keep_series = plan.keep_states = False  # as a sweep without series keeps its runs
    schemas = plan.schemas()
    tasks = list(plan.tasks(plan.jobs(), args.block))

    def block(task):
        return run_task(plan.scenario, None, plan.joint, plan.seed, schemas, task, "batch")

    start = time.perf_counter()
    for task in tasks[: args.workers]:
        block(task)
    here = (time.perf_counter() - start) / args.workers

    with open_pool(dask_local=args.workers) as pool:  # the runner's own LocalCluster
        client = pool.executor._client  # type: ignore[attr-defined]
        ex = client.get_executor(pure=False)
        client.run(lambda: __import__("recogsim.runs.runner"))  # workers up, the package imported
        start = time.perf_counter()
        running: set[cf.Future] = set()
        for i in range(args.tasks):
            if len(running) >= args.workers * 4:
                _, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            running.add(ex.submit(nothing, i))
        cf.wait(running)
        per_task = (time.perf_counter() - start) / args.tasks
        shared = client.scatter(plan.scenario, broadcast=True)
        tables = client.scatter(plan.joint, broadcast=True)
        warm = plans.ensemble(scenario, 2 * args.workers, 1, "batch")  # a small block per worker first
        cf.wait([ex.submit(run_task, shared, None, tables, 1, schemas, t, "batch") for t in warm.tasks(warm.jobs(), 2)])
        start = time.perf_counter()
        futures = [
            ex.submit(run_task, shared, None, tables, plan.seed, schemas, task, "batch") for task in tasks[:n_blocks]
        ]
        cf.wait(futures)
        on_dask = (time.perf_counter() - start) / (n_blocks / args.workers)
    print(f"Dask LocalCluster, {args.workers} single-threaded workers:")
    print(f"  empty task: {per_task * 1e3:.2f} ms per task (scheduler round trip, {args.tasks} tasks)")
    print(
        f"  block of {args.block} baseline replications: {here:.2f} s in this process, {on_dask:.2f} s per block "
        f"and worker on Dask: overhead {100 * (on_dask / here - 1):+.1f}%"
    )


if __name__ == "__main__":
    main()
