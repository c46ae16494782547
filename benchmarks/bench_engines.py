"""Runs per second of the baseline through the command line, Mesa engine against batch engine.

Usage: python benchmarks/bench_engines.py [--mesa R...] [--batch R...] [--reference COMMIT] [--rounds N]
       (defaults: --mesa 100, --batch 100 1000 10000, --reference: the commit that last recorded
       the golden numbers, tests/data/golden.json; --rounds 1)

Each measurement is one ``recogsim run scenarios/baseline.yaml -n R --engine E --workers 1
--no-plots`` in a fresh process, with BLAS and OpenMP pinned to one thread: wall time from start
to exit, writing every results table included (reading the scenario and importing included too).
Also the peak resident memory of that process, and per replication above the same engine's
first line (its smallest run, with the same start-up).

The yardstick is the Mesa engine **at the golden-test commit** (issue 11): that commit's ``src/``,
``scenarios/`` and ``calibration/`` are extracted with ``git archive`` into a temporary folder and
run there with this environment's packages (the same runs: the golden test holds the current Mesa
engine to that commit's numbers). A fixed yardstick, because the Mesa engine's own speed moves
with the code the engines share: the current Mesa engine is measured too, on the same sizes.
``--rounds N`` repeats the whole plan N times, one engine after the other in each round, so that
each sees the machine as it drifts (it does, here, by a quarter within minutes). Prints one line
per measurement; then, for the batch engine's largest size, how much of a run's wall time is spent
outside the engine (start-up, drawing parameters, building tables, writing files: one more run, in
one process with the engine's ``Batch`` methods timed); then the batch engine's best rate over each
Mesa engine's best.
The README quotes its output. Not part of the test suite: speed lives here, never in timed unit
tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PINNED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def golden_commit() -> str:
    """The commit that last recorded the golden numbers: the reference Mesa engine."""
    out = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%H", "--", "tests/data/golden.json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def extract(commit: str, into: Path) -> Path:
    """``src/``, ``scenarios/`` and ``calibration/`` of ``commit`` under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "src", "scenarios", "calibration"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def command(runs: int, out: str, engine: str | None, tree: Path) -> list[str]:
    """The command line of one measurement; ``engine`` None: the reference tree's own CLI on its
    Mesa engine (a tree may predate ``--engine``, the batch engine and ``python -m recogsim``; one
    that has them would otherwise pick the batch engine by default)."""
    args = ["run", "scenarios/baseline.yaml", "-n", str(runs), "--workers", "1", "--no-plots", "--out", out]
    args += ["--seed", "1"]
    if engine is None:
        if (tree / "src" / "recogsim" / "model" / "batch.py").exists():
            args += ["--engine", "mesa"]
        return [sys.executable, "-c", "import sys; from recogsim.cli import main; sys.exit(main())", *args]
    return [sys.executable, "-m", "recogsim", *args, "--engine", engine]


def engine_of(out: str) -> str:
    """The engine a results folder under ``out`` records (``mesa`` for a tree from before the batch
    engine, whose manifests name none)."""
    manifest = json.loads(next(Path(out).glob("*/manifest.json")).read_text())
    return str(manifest.get("engine", "mesa"))


def measure(engine: str | None, runs: int, tree: Path = ROOT) -> tuple[float, float]:
    """Seconds and peak resident bytes of one run of the command line, in ``tree`` (its ``src``
    first on the path); refuses a run whose folder records another engine than the one meant."""
    env = {**os.environ, **PINNED, "PYTHONPATH": str(tree / "src")}
    with tempfile.TemporaryDirectory() as out:
        argv = command(runs, out, engine, tree)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tree)
        watch, peak = psutil.Process(proc.pid), 0
        while proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, watch.memory_info().rss)
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        if proc.returncode:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"{' '.join(argv)} failed with exit status {proc.returncode}: {err[-500:]}")
        if engine_of(out) != (engine or "mesa"):
            raise SystemExit(f"{' '.join(argv)} ran the {engine_of(out)} engine, not {engine or 'mesa'}")
    return seconds, peak


ENGINE_SHARE = """
import time
start = time.perf_counter()
import sys
from recogsim.cli import main
from recogsim.model.batch import Batch
inside = 0.0
def timed(fn):
    def wrapper(*args, **kwargs):
        global inside
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            inside += time.perf_counter() - t
    return wrapper
Batch.__init__, Batch.run = timed(Batch.__init__), timed(Batch.run)
code = main(sys.argv[1:])
print(inside, time.perf_counter() - start)
sys.exit(code)
"""
"""The batch engine's share of a command line run, in one process: the time spent constructing and
running its ``Batch`` objects (every month of every block), against the process's wall time from
its first line (imports included; the interpreter's own start, some 20 ms, is not)."""


def engine_share(runs: int) -> tuple[float, float]:
    """Seconds inside the batch engine and in all, for one ``recogsim run`` of ``runs`` replications
    (the command :func:`command` gives, run in one process with the engine's methods timed)."""
    env = {**os.environ, **PINNED, "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory() as out:
        args = command(runs, out, "batch", ROOT)[3:]  # after ``python -m recogsim``
        cmd = [sys.executable, "-c", ENGINE_SHARE, *args]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)  # its paths are relative
        if proc.returncode:
            raise SystemExit(f"the engine's share of {runs} runs failed: {proc.stderr[-500:]}")
    inside, total = map(float, proc.stdout.split()[-2:])
    return inside, total


def imported_from(tree: Path) -> Path:
    """Where ``recogsim`` is imported from with ``tree``'s ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    code = "import recogsim; print(recogsim.__file__)"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tree, capture_output=True, text=True, check=True)
    return Path(out.stdout.strip()).resolve()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mesa", type=int, nargs="*", default=[100])
    ap.add_argument("--batch", type=int, nargs="*", default=[100, 1000, 10000])
    ap.add_argument("--reference", default=None, help="commit of the reference Mesa engine (default: golden)")
    ap.add_argument("--rounds", type=int, default=1, help="repeat the whole plan this many times")
    args = ap.parse_args()
    reference = args.reference or golden_commit()
    known = ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{reference}^{{commit}}"]
    if subprocess.run(known, capture_output=True).returncode:
        print(
            f"bench_engines.py: --reference: expected a commit of this repository, got {reference!r}", file=sys.stderr
        )
        sys.exit(2)
    print(f"recogsim run scenarios/baseline.yaml, one worker, BLAS threads 1, {os.cpu_count()} cores here")
    rates: dict[str, float] = {}
    base_memory: dict[str, float] = {}  # each engine's first line
    with tempfile.TemporaryDirectory() as tmp:
        tree = extract(reference, Path(tmp))
        if not imported_from(tree).is_relative_to(tree.resolve()):
            raise SystemExit(f"the reference tree's recogsim is not the one imported ({imported_from(tree)})")
        label = f"mesa@{reference[:7]}"
        same = ["git", "-C", str(ROOT), "diff", "--quiet", reference, "--", "scenarios", "calibration"]
        if subprocess.run(same).returncode:
            print(f"note: {reference[:7]}'s scenarios/ or calibration/ differ from this tree's (not the same runs)")
        plan = [(label, None, args.mesa, tree), ("mesa", "mesa", args.mesa, ROOT), ("batch", "batch", args.batch, ROOT)]
        for name, engine, sizes, where in plan * max(args.rounds, 1):  # round after round
            for runs in sizes:
                seconds, peak = measure(engine, runs, where)
                rate = runs / seconds
                rates[name] = max(rates.get(name, 0.0), rate)
                extra = max(peak - base_memory.setdefault(name, peak), 0) / runs / 1024
                print(
                    f"{name:13s} R={runs:>6,}: {seconds:7.1f} s  {rate:8.1f} runs/s  "
                    f"peak {peak / 2**20:6.0f} MiB  ({extra:5.1f} KiB per replication above its first line)"
                )
    if args.batch:
        inside, total = engine_share(max(args.batch))
        print(
            f"batch         R={max(args.batch):>6,}: {total:7.1f} s in one process, {inside:.1f} s of it in the engine "
            f"(its blocks' set-up and months): {1 - inside / total:.0%} of the wall time outside the engine"
        )
    if "batch" in rates:
        for name in (label, "mesa"):
            if name in rates:
                what = "the reference, golden-test commit" if name == label else "this commit's Mesa engine"
                print(f"batch / {name}: {rates['batch'] / rates[name]:.0f}x (best batch rate over {what})")


if __name__ == "__main__":
    main()
