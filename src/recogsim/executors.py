"""Where runs execute: in this process, a local process pool, or Dask (a LocalCluster or an
existing scheduler). One interface for ensembles and sweeps: ``executor(...)`` yields
``(n_workers, submit, as_completed, share)``; results never depend on which one ran them,
because every run carries its own seed.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed as local_completed
from importlib.metadata import version
from multiprocessing import get_context
from typing import Iterator

from .errors import InputError

TASKS_PER_WORKER = 8  # enough to balance load and bound what a lost worker costs, few enough to keep messages rare
MAX_RUNS_PER_TASK = 100


class ExecutorError(InputError):
    """A cluster that cannot be reached or whose workers cannot give the same results."""


def version_info() -> dict[str, str]:
    return {pkg: version(pkg) for pkg in ("recogsim", "mesa", "numpy", "pandas", "pyarrow")} | {
        "python": platform.python_version()}


def pool_context():
    """Fork on Linux, so scripts and notebooks need no ``__main__`` guard. Asked for explicitly
    because importing ``mesa`` forces the global start method to "spawn" (mesa/batchrunner.py)."""
    return get_context("fork" if sys.platform.startswith("linux") else "spawn")


def resolve_workers(workers: int) -> int:
    """0 means every core; anything else is taken as given (1 runs in this process)."""
    if workers < 0:
        raise ValueError(f"workers must be 0 (all cores) or more, got {workers}")
    return os.cpu_count() or 1 if workers == 0 else workers


def task_size(n_runs: int, n_workers: int) -> int:
    return max(1, min(MAX_RUNS_PER_TASK, -(-n_runs // (n_workers * TASKS_PER_WORKER))))


@contextlib.contextmanager
def executor(workers: int = 1, scheduler: str | None = None, dask_local: int | None = None,
             connect_timeout: float = 30.0) -> Iterator:
    """Yield ``(n_workers, submit, as_completed, share)``: the local process pool, or Dask (an existing
    scheduler, or a LocalCluster of ``dask_local`` single-threaded worker processes)."""
    if scheduler or dask_local:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed

        cluster = None
        try:
            if scheduler:
                client = Client(scheduler, timeout=f"{connect_timeout}s")
            else:
                cluster = LocalCluster(n_workers=dask_local, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                client = Client(cluster)
        except (OSError, ValueError) as exc:  # unreachable, or an address Dask cannot parse
            raise ExecutorError(scheduler or "LocalCluster", "--scheduler",
                             f"expected a reachable Dask scheduler like tcp://HOST:8786 ({exc})") from None
        try:
            _same_versions(client, scheduler or "LocalCluster")
            # as_completed binds to the *default* client's loop unless told (dask/distributed#4317)
            yield (len(client.nthreads()) or 1, lambda fn, *a: client.submit(fn, *a, pure=False),
                   lambda fs: dask_completed(fs, loop=client.loop),
                   lambda obj: client.scatter(obj, broadcast=True))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    n = resolve_workers(workers)
    if n == 1:
        yield 1, _InlineFuture.submit, lambda fs: iter(fs), lambda obj: obj
        return
    with ProcessPoolExecutor(max_workers=n, mp_context=pool_context()) as pool:
        yield n, pool.submit, local_completed, lambda obj: obj


def _model_versions() -> dict[str, str]:
    return {k: v for k, v in version_info().items() if k in ("recogsim", "mesa", "numpy")}


def _same_versions(client, where: str) -> None:
    """Workers with another recogsim, Mesa or numpy would give other numbers: refuse them."""
    ours = _model_versions()
    for worker, theirs in client.run(_model_versions).items():
        if theirs != ours:
            diff = ", ".join(f"{k} {theirs.get(k)} there, {v} here" for k, v in ours.items() if theirs.get(k) != v)
            raise ExecutorError(where, "--scheduler", f"worker {worker} runs different versions ({diff}); "
                                                   "install the same recogsim environment on every worker")


class _InlineFuture:
    """Runs the task when its result is asked for: the one-worker executor, no processes."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    @classmethod
    def submit(cls, fn, *args):
        return cls(fn, args)

    def result(self):
        return self.fn(*self.args)
