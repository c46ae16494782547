"""Run an experiment's design: every point x every replication, locally or on Dask, resumable.

Seeds come from (root seed, point, replication) only, and finished runs are written in chunks with
a fixed Arrow schema, then consolidated sorted by (point, replication). So the final files are the
same bit for bit whatever the executor, the number of workers, the order runs finish in, or how
many times the sweep was interrupted and resumed.

Results directory: ``points.parquet``, ``runs.parquet``, ``series.parquet`` (if ``keep_series``),
``manifest.json``; while running, finished runs accumulate in ``chunks/`` (each chunk written to a
temporary name and renamed), which the final consolidation removes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from . import experiment as ex
from .designs import DESIGNS
from .ensemble import replication_seed, simulate
from .scenario import add_month
from .executors import executor, task_size, version_info
from .errors import InputError
from .model import is_index_column, slug
from .scenario import LEVELS
from .store import atomic_write, write_json

STRING_COLUMNS = {"first_recognizer", "first_recognition_date", "date"}
CHUNK = re.compile(r"^runs-(\d{6})\.parquet$")


class SweepError(InputError):
    """A results folder that cannot be started, resumed or consolidated as asked."""


def arrow_type(column: str) -> pa.DataType:
    if column in STRING_COLUMNS:
        return pa.string()
    if is_index_column(column):
        return pa.float64()
    return pa.int64()


def schema(columns: list[str]) -> pa.Schema:
    return pa.schema([(c, arrow_type(c)) for c in columns])


@dataclass
class Plan:
    """The design matrix and the runs it implies."""

    loaded: ex.LoadedExperiment
    X: np.ndarray

    @property
    def n_points(self) -> int:
        return len(self.X)

    def values(self, point: int) -> dict[str, Any]:
        return {p.path: _plain(v) for p, v in zip(self.loaded.experiment.parameters, self.X[point])}

    def points_table(self) -> pa.Table:
        exp = self.loaded.experiment
        cols: dict[str, Any] = {"point": pa.array(range(self.n_points), pa.int64())}
        for j, p in enumerate(exp.parameters):
            column = [_plain(v) for v in self.X[:, j]]
            kind = pa.string() if any(isinstance(v, str) for v in column) else pa.float64()
            cols[p.path] = pa.array([str(v) if kind == pa.string() else float(v) for v in column], kind)
        return pa.table(cols)

    def jobs(self) -> list[tuple[int, int, int]]:
        exp = self.loaded.experiment
        return [(pt, rep, replication_seed(exp.seed, pt, rep))
                for pt in range(self.n_points) for rep in range(exp.replications)]


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def plan(loaded: ex.LoadedExperiment) -> Plan:
    exp = loaded.experiment
    X = DESIGNS[exp.design.kind].sample(exp.design, exp.parameters, exp.seed)
    return Plan(loaded, np.asarray(X, dtype=object))


def manifest(p: Plan) -> dict[str, Any]:
    exp, scen = p.loaded.experiment, p.loaded.scenario
    return {
        "experiment_name": exp.name,
        "experiment_hash": exp.digest(),
        "scenario_name": scen.name,
        "scenario_hash": scen.digest(),
        "design": exp.design.kind,
        "points": p.n_points,
        "replications": exp.replications,
        "runs": p.n_points * exp.replications,
        "root_seed": exp.seed,
        "horizon_months": scen.horizon_months,
        "start": scen.start,
        "versions": version_info(),
        "experiment": exp.canonical(),
        "scenario": scen.canonical(),
    }


# ---------------------------------------------------------------- the work a worker does
def run_task(scenario, experiment, task: list[tuple[int, dict, list[tuple[int, int]]]], outcomes: list[str],
             keep_series: bool) -> list[dict[str, Any]]:
    """Simulate a batch of (point, values, [(replication, seed)]) and keep the chosen outcomes."""
    out = []
    for point, values, reps in task:
        scen = ex.point_scenario(scenario, experiment, values)
        for rep, seed in reps:
            res = simulate(scen, seed)
            outcome = {**res.outcome,
                       **{f"max_level_{slug(n)}": LEVELS.index(lv)
                          for n, lv in zip(res.states["state"], res.states["max_level"])}}
            row = {"point": point, "replication": rep, "seed": seed, **{k: outcome[k] for k in outcomes}}
            series = None
            if keep_series:
                n = len(next(iter(res.series.values())))
                # arrays, not lists: they pickle in one piece on their way back from a worker
                series = {"point": np.full(n, point), "replication": np.full(n, rep), "month": np.arange(n),
                          **{k: np.asarray(v) for k, v in res.series.items()}}
            out.append({"row": row, "series": series})
    return out


def batches(p: Plan, todo: list[tuple[int, int, int]], per_task: int) -> list[list[tuple[int, dict, list]]]:
    """Group pending runs into tasks of about ``per_task`` runs, a point's runs together."""
    by_point: dict[int, list[tuple[int, int]]] = {}
    for pt, rep, seed in todo:
        by_point.setdefault(pt, []).append((rep, seed))
    tasks, current, size = [], [], 0
    for pt, reps in by_point.items():
        for i in range(0, len(reps), per_task):
            part = reps[i:i + per_task]
            current.append((pt, p.values(pt), part))
            size += len(part)
            if size >= per_task:
                tasks.append(current)
                current, size = [], 0
    if current:
        tasks.append(current)
    return tasks


# ---------------------------------------------------------------- chunks on disk
class ChunkStore:
    """Finished runs on disk in numbered chunks; a chunk counts only once its runs file exists."""

    def __init__(self, out: Path, outcomes: list[str], series_columns: list[str] | None, start: str, horizon: int):
        self.dir = out / "chunks"
        self.dates = np.array([add_month(start, m) for m in range(horizon + 1)], dtype=object)
        self.runs_schema = schema(["point", "replication", "seed", *outcomes])
        self.series_schema = schema(["point", "replication", "month", "date", *series_columns]) if series_columns else None
        self.dir.mkdir(parents=True, exist_ok=True)
        for tmp in self.dir.glob(".*.tmp"):  # debris of a write that was killed
            tmp.unlink()
        numbers = [int(m.group(1)) for f in self.dir.iterdir() if (m := CHUNK.match(f.name))]
        for orphan in self.dir.glob("series-*.parquet"):  # series written, runs not: redo those runs
            if int(orphan.stem.split("-")[1]) not in numbers:
                orphan.unlink()
        self.next = max(numbers, default=-1) + 1

    def done(self) -> set[tuple[int, int]]:
        done = set()
        for f in sorted(self.dir.glob("runs-*.parquet")):
            t = pq.read_table(f, columns=["point", "replication"])
            done.update(zip(t["point"].to_pylist(), t["replication"].to_pylist()))
        return done

    def write(self, results: list[dict[str, Any]]) -> None:
        n = self.next
        if self.series_schema is not None:
            cols = {c: np.concatenate([r["series"][c] for r in results])
                    for c in self.series_schema.names if c != "date"}
            cols["date"] = self.dates[cols["month"]]
            self._put(pa.table(cols, schema=self.series_schema), self.dir / f"series-{n:06d}.parquet")
        rows = pa.Table.from_pylist([r["row"] for r in results], schema=self.runs_schema)
        self._put(rows, self.dir / f"runs-{n:06d}.parquet")
        self.next += 1

    @staticmethod
    def _put(table: pa.Table, path: Path) -> None:
        atomic_write(path, lambda tmp: pq.write_table(table, tmp))

    def consolidate(self, out: Path) -> None:
        for kind, sch in (("series", self.series_schema), ("runs", self.runs_schema)):
            if sch is None:
                continue
            files = sorted(self.dir.glob(f"{kind}-*.parquet"))
            table = pa.concat_tables([pq.read_table(f, schema=sch) for f in files]) if files else sch.empty_table()
            keys = [("point", "ascending"), ("replication", "ascending")] + ([("month", "ascending")] if kind == "series" else [])
            table = table.sort_by(keys).combine_chunks()
            atomic_write(out / f"{kind}.parquet", lambda tmp, t=table: pq.write_table(t, tmp))


# ---------------------------------------------------------------- the sweep
def run_sweep(
    loaded: ex.LoadedExperiment, out: str | Path, *, workers: int = 1, scheduler: str | None = None,
    dask_local: int | None = None, resume: bool = False, chunk_runs: int = 500, progress: bool | None = None,
    on_result: Callable[[int], None] | None = None, connect_timeout: float = 30.0,
) -> Path:
    """Run (or finish) the sweep into ``out``; returns ``out``. ``on_result(n_done)`` is called
    after each finished task (for progress hooks and tests)."""
    out = Path(out)
    p = plan(loaded)
    meta = manifest(p)
    if _check_folder(out, meta, resume) == "complete":
        return out  # resuming a finished sweep: nothing to run, nothing to rewrite
    exp = loaded.experiment
    with executor(workers, scheduler, dask_local, connect_timeout) as (n_workers, submit, as_completed, share):
        _start(out, meta, p.points_table())  # written only once the workers are there
        series_cols = _series_columns(loaded) if exp.keep_series else None
        store = ChunkStore(out, exp.outcomes, series_cols, loaded.scenario.start, loaded.scenario.horizon_months)
        done = store.done()
        todo = [j for j in p.jobs() if (j[0], j[1]) not in done]
        bar = tqdm(total=len(p.jobs()), initial=len(done), desc=exp.name, unit="run",
                   disable=None if progress is None else not progress)
        scen, expr = share(loaded.scenario), share(exp)
        tasks = batches(p, todo, task_size(len(todo), n_workers))
        futures = [submit(run_task, scen, expr, task, exp.outcomes, exp.keep_series) for task in tasks]
        pending: list[dict[str, Any]] = []
        finished = len(done)
        try:
            for fut in as_completed(futures):
                results = fut.result()
                pending.extend(results)
                finished += len(results)
                bar.update(len(results))
                if len(pending) >= chunk_runs:
                    store.write(pending)
                    pending = []
                if on_result is not None:
                    on_result(finished)
        finally:  # whatever stops the sweep, finished runs reach the disk for --resume
            if pending:
                store.write(pending)
            bar.close()
    store.consolidate(out)
    _finish(out, meta, store)
    return out


def _series_columns(loaded: ex.LoadedExperiment) -> list[str]:
    from .model import RecognitionModel

    return RecognitionModel.columns_for(loaded.scenario)


def _check_folder(out: Path, meta: dict[str, Any], resume: bool) -> str:
    """Refuse a folder that cannot take this sweep; returns its state: "new", "running" or "complete"."""
    man = out / "manifest.json"
    if man.exists():
        try:
            old = json.loads(man.read_text())
        except (OSError, json.JSONDecodeError):
            raise SweepError(str(man), None, "unreadable manifest; cannot tell what this folder holds") from None
        if not resume:
            raise SweepError(str(out), "--out", "already holds sweep results; use --resume to continue it "
                                                "or choose another folder")
        for key in ("experiment_hash", "scenario_hash"):
            if old.get(key) != meta[key]:
                what = key.split("_")[0]
                raise SweepError(str(out), "--resume", f"the {what} changed since this sweep started "
                                                       f"({what} hash {str(old.get(key))[:12]} there, "
                                                       f"{meta[key][:12]} now); start a new folder")
        if old.get("status") == "complete" and (out / "runs.parquet").exists():
            _remove_chunks(out / "chunks")  # a kill between marking complete and tidying up
            return "complete"
        return "running"
    elif out.exists() and not out.is_dir():
        raise SweepError(str(out), "--out", "expected a folder, found a file")
    elif out.exists() and any(f.name != "chunks" for f in out.iterdir()):
        raise SweepError(str(out), "--out", "folder is not empty and holds no sweep manifest; choose another folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SweepError(str(out), "--out", f"cannot create folder ({exc.strerror})") from None
    return "new"


def _start(out: Path, meta: dict[str, Any], points: pa.Table) -> None:
    write_json({**meta, "status": "running"}, out / "manifest.json")
    atomic_write(out / "points.parquet", lambda tmp: pq.write_table(points, tmp))


def _finish(out: Path, meta: dict[str, Any], store: ChunkStore) -> None:
    """Mark complete, then drop the chunks: in this order a kill in between loses nothing."""
    write_json({**meta, "status": "complete"}, out / "manifest.json")
    _remove_chunks(store.dir)


def _remove_chunks(folder: Path) -> None:
    if folder.is_dir():
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()
