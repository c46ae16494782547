"""Where runs execute: this process, a local process pool, or Dask (a LocalCluster or a scheduler).

Every kind is a standard :class:`concurrent.futures.Executor` (Dask's through
``Client.get_executor()``), wrapped in a :class:`Pool` that also says how many workers it has and
how to ship a large object to them once. Results never depend on which one ran them, because
every run carries its own seed.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import platform
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from multiprocessing import get_context
from typing import Any

from ..errors import InputError

TASKS_PER_WORKER = 8  # enough to balance load and bound what a lost worker costs, few enough to keep messages rare
MAX_RUNS_PER_TASK = 100
BLOCKS_PER_WORKER = 2  # blocks are large: two per worker balance the load without shrinking them much
IN_FLIGHT_PER_WORKER = 4
"""Tasks handed to a pool ahead per worker: enough that no worker waits for the next task (Dask's
round trips included), few enough that a large design is not handed over all at once."""


class ExecutorError(InputError):
    """A cluster that cannot be reached or whose workers cannot give the same results."""


def version_info() -> dict[str, str]:
    return {pkg: version(pkg) for pkg in ("recogsim", "mesa", "numpy", "pandas", "pyarrow")} | {
        "python": platform.python_version()
    }


class InProcessExecutor(cf.Executor):
    """Runs each task when it is submitted, in this process: one worker, no pickling.

    The runner submits a task only when it is ready to take its result, so finished runs still
    reach the disk as they come."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # delivered through result(), as a pool would
            future.set_exception(exc)
        return future


@dataclass
class Pool:
    """An executor with its number of workers; ``share`` sends a large object to every worker once
    (Dask scatters it; elsewhere it travels with each task)."""

    executor: cf.Executor
    workers: int
    name: str
    share: Callable[[Any], Any] = field(default=lambda obj: obj)

    @property
    def in_flight(self) -> int:
        """Tasks submitted ahead of their results: one in this process, where submitting runs the
        task (so each task's runs reach the sink before the next starts)."""
        return 1 if isinstance(self.executor, InProcessExecutor) else self.workers * IN_FLIGHT_PER_WORKER

    def block_size(self, n_runs: int, largest: int) -> int:
        """Replications per task on the batch engine: the runs shared out so that every worker
        has ``BLOCKS_PER_WORKER`` blocks, at most ``largest`` each (which bounds memory)."""
        return max(1, min(largest, -(-n_runs // (self.workers * BLOCKS_PER_WORKER))))

    def task_size(self, n_runs: int) -> int:
        """Runs per task: about ``TASKS_PER_WORKER`` tasks per worker, at most ``MAX_RUNS_PER_TASK``."""
        return max(1, min(MAX_RUNS_PER_TASK, -(-n_runs // (self.workers * TASKS_PER_WORKER))))


def pool_context():
    """Fork on Linux, so scripts and notebooks need no ``__main__`` guard. Asked for explicitly
    because importing ``mesa`` forces the global start method to "spawn" (mesa/batchrunner.py)."""
    return get_context("fork" if sys.platform.startswith("linux") else "spawn")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and ``taskset`` set)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def resolve_workers(workers: int) -> int:
    """0 means every core; more than the cores is capped at them (a process per run beyond the
    cores only adds memory and switching); 1 runs in this process."""
    if workers < 0:
        raise ValueError(f"workers must be 0 (all cores) or more, got {workers}")
    cores = available_cores()
    return cores if workers == 0 else min(workers, cores)


@contextlib.contextmanager
def open_pool(
    workers: int = 1, scheduler: str | None = None, dask_local: int | None = None, connect_timeout: float = 30.0
) -> Iterator[Pool]:
    """The local process pool (``workers``; 1 = this process), or Dask: an existing scheduler, or a
    LocalCluster of ``dask_local`` single-threaded worker processes."""
    if scheduler or dask_local:
        with _dask_pool(scheduler, dask_local, connect_timeout) as pool:
            yield pool
        return
    n = resolve_workers(workers)
    if n == 1:
        yield Pool(InProcessExecutor(), 1, "this process")
        return
    with cf.ProcessPoolExecutor(max_workers=n, mp_context=pool_context()) as executor:
        yield Pool(executor, n, f"{n} local processes")


@contextlib.contextmanager
def _dask_pool(scheduler: str | None, dask_local: int | None, connect_timeout: float) -> Iterator[Pool]:
    import dask
    from distributed import Client, LocalCluster

    where = scheduler or "LocalCluster"
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=f"{connect_timeout}s")
        else:
            # dashboard on any free port: two local clusters on one machine must not collide on 8787.
            # Without Dask's MALLOC_TRIM_THRESHOLD_ (65536) for its workers: setting it switches off
            # glibc's adaptive mmap threshold, so every large numpy temporary is mapped and unmapped
            # afresh, which made the batch engine three times slower there (benchmarks/bench_dask.py)
            with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
                cluster = LocalCluster(
                    n_workers=dask_local, threads_per_worker=1, processes=True, dashboard_address=":0"
                )
            client = Client(cluster)
    except (OSError, ValueError) as exc:  # unreachable, or an address Dask cannot parse
        raise ExecutorError(
            where, "--scheduler", f"expected a reachable Dask scheduler like tcp://HOST:8786 ({exc})"
        ) from None
    try:
        _same_versions(client, where)
        yield Pool(
            client.get_executor(pure=False),
            len(client.nthreads()) or 1,
            f"Dask at {where}",
            share=lambda obj: client.scatter(obj, broadcast=True),
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _model_versions() -> dict[str, str]:
    return {k: v for k, v in version_info().items() if k in ("recogsim", "mesa", "numpy")}


def _same_versions(client, where: str) -> None:
    """Workers with another recogsim, Mesa or numpy would give other numbers: refuse them."""
    ours = _model_versions()
    for worker, theirs in client.run(_model_versions).items():
        if theirs != ours:
            diff = ", ".join(f"{k} {theirs.get(k)} there, {v} here" for k, v in ours.items() if theirs.get(k) != v)
            raise ExecutorError(
                where,
                "--scheduler",
                f"worker {worker} runs different versions ({diff}); "
                "install the same recogsim environment on every worker",
            )
