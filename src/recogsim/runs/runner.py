"""The one runner: every run of a plan, in tasks on an executor, into a sink.

An ensemble (:func:`run_ensemble`) and a sweep (:func:`run_sweep`) are both a :class:`~.plan.Plan`
run by :func:`run_plan`; they differ only in the plan (one point and every table, or a design and
the chosen outcomes) and in the sink (memory, or a results folder that can be resumed).
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import ValidationError
from tqdm.auto import tqdm

from ..config import paths
from ..config.calendar import month_labels
from ..config.diagnostics import describe, format_loc
from ..config.experiment import Experiment, LoadedExperiment, point_scenario
from ..config.joint import JointTable
from ..config.references import check_references, joint_table, set_values
from ..config.schema import JointUncertain, Scenario, Uncertain
from ..errors import ScenarioError
from . import plan as plans
from .executors import Pool, open_pool
from .folders import check_folder, check_writable, finish_folder, locked, remove_new, start_folder
from .plan import IDENTITY, Plan, Task
from .seeds import draw_uniforms, replication_seed, run_key
from .store import ChunkStore, EnsembleResult, MemorySink, frame, read_manifest


# ---------------------------------------------------------------- the work a worker does
def draws(
    scenario: Scenario, root: int, replication: int, tables: Mapping[int, JointTable] | None = None
) -> dict[str, float]:
    """The values one replication draws for the scenario's ``uncertain:`` entries, one per path
    and one per column of each ``from:`` block (as they enter the scenario: whole-number fields
    rounded). Replications share a draw ``runs_per_draw`` at a time. ``tables``: the blocks' rows
    by entry (:attr:`.plan.Plan.joint`; read from their files if not given)."""
    if tables is None:
        tables = {i: joint_table(u, i) for i, u in enumerate(scenario.uncertain) if isinstance(u, JointUncertain)}
    return _draw(scenario, root, replication, tables)[0]


def _draw(
    scenario: Scenario, root: int, replication: int, tables: Mapping[int, JointTable]
) -> tuple[dict[str, float], dict[int, int]]:
    """The drawn values, and the row each ``from:`` block took. Per-path entries take the draw's
    first uniforms, in order, and blocks one each after them: adding a block leaves every per-path
    value as it was, and without blocks the draws are those of a scenario that has none."""
    values, rows = draw_block(scenario, root, np.array([replication]), tables)
    return {p: float(v[0]) for p, v in values.items()}, {i: int(r[0]) for i, r in rows.items()}


def draw_block(
    scenario: Scenario, root: int, replications: np.ndarray, tables: Mapping[int, JointTable]
) -> tuple[dict[str, np.ndarray], dict[int, np.ndarray]]:
    """:func:`_draw` for many replications at once: each path's values and each block's rows, one
    per replication. Per-path entries take the draw's first uniforms, in order, and blocks one
    each after them: adding a block leaves every per-path value as it was, and without blocks the
    draws are those of a scenario that has none."""
    per_path = [u for u in scenario.uncertain if isinstance(u, Uncertain)]
    blocks = [i for i, u in enumerate(scenario.uncertain) if isinstance(u, JointUncertain)]
    draws, inverse = np.unique(np.asarray(replications) // scenario.runs_per_draw, return_inverse=True)
    u = np.stack([draw_uniforms(root, int(d), len(per_path) + len(blocks)) for d in draws])
    data = scenario.canonical()

    def entering(path: str, value: np.ndarray) -> np.ndarray:  # as coerce() makes them: whole numbers rounded
        like = paths.get(data, path)[0]
        whole = isinstance(like, int) and not isinstance(like, bool)
        return (np.round(value) if whole else np.asarray(value, dtype=float))[inverse]

    values = {spec.path: entering(spec.path, spec.distribution.ppf(u[:, j])) for j, spec in enumerate(per_path)}
    rows: dict[int, np.ndarray] = {}
    for j, i in enumerate(blocks, start=len(per_path)):
        picked = tables[i].picks(u[:, j])
        rows[i] = picked[inverse]
        values.update({path: entering(path, tables[i].values[picked, c]) for c, path in enumerate(tables[i].columns)})
    return values, rows


def _with_draws(
    scenario: Scenario, drawn: dict[str, float], rows: dict[int, int], tables: Mapping[int, JointTable], where: str
) -> Scenario:
    """The scenario a run simulates. Rows of ``from:`` files are checked here, in full: up front,
    a large file has only some rows checked, and a sweep's design points none (a one-line error,
    as up front, not a traceback from the middle of a run)."""
    if not rows:
        return set_values(scenario, drawn)
    try:
        drawn_scenario = set_values(scenario, drawn)
        check_references(drawn_scenario, lambda _: "", uncertain=False)
        return drawn_scenario
    except (ValidationError, ScenarioError, paths.PathError) as exc:  # PathError: a file changed after its check
        if isinstance(exc, ValidationError):
            err = exc.errors()[0]
            found = f"{format_loc(tuple(err['loc']))} {describe(err)}"
        else:
            found = f"{exc.path}: {exc.message}" if isinstance(exc, ScenarioError) else str(exc)
        first = next(iter(rows))
        taken = ", ".join(f"row {r} of {tables[i].name} (uncertain[{i}])" for i, r in rows.items())
        raise ScenarioError(
            tables[first].file, f"uncertain[{first}].from", f"{taken} cannot be drawn{where}: {found}"
        ) from None


def _drawn_scenario(
    scenario: Scenario, root: int, replication: int, tables: Mapping[int, JointTable], where: str
) -> tuple[Scenario, dict[str, float]]:
    """The scenario one replication simulates, and the values it drew (none without ``uncertain:``)."""
    drawn, rows = _draw(scenario, root, replication, tables) if scenario.uncertain else ({}, {})
    return (_with_draws(scenario, drawn, rows, tables, where) if drawn else scenario), drawn


def replication(scenario: Scenario, root: int, replication: int) -> tuple[Scenario, int]:
    """The scenario replication ``replication`` of an ensemble with root seed ``root`` simulates
    (its ``uncertain:`` draws set) and its model's seed. ``RecognitionModel(scenario, seed=seed)``
    stepped to the horizon is that run of ``recogsim run --seed root --engine mesa``: the page
    steps it month by month."""
    tables = {i: joint_table(u, i) for i, u in enumerate(scenario.uncertain) if isinstance(u, JointUncertain)}
    return _drawn_scenario(scenario, root, replication, tables, "")[0], replication_seed(
        root, *run_key(0, replication, 1)
    )


def run_task(
    scenario: Scenario,
    experiment: Experiment | None,
    tables: Mapping[int, JointTable],
    root: int,
    schemas: dict[str, pa.Schema],
    task: Task,
    engine: str = "mesa",
) -> dict[str, pa.Table]:
    """Simulate a task's runs and return their rows of each table, typed by the output record. On
    the batch engine each point's part of the task is one block (``blocks.run_block``)."""
    from .blocks import run_block

    cols: dict[str, dict[str, list]] = {name: {c: [] for c in sch.names} for name, sch in schemas.items()}
    parts: list[dict[str, pa.Table]] = []
    for point, values, reps in task:
        at_point = scenario if experiment is None else point_scenario(scenario, experiment, values)
        where = "" if experiment is None else f" at design point {point}"
        if engine == "batch":
            parts.append(run_block(at_point, where, point, reps, root, tables, schemas))
            continue
        for rep, seed in reps:
            scen, drawn = _drawn_scenario(at_point, root, rep, tables, where)
            from ..model.model import RecognitionModel  # Mesa only for the Mesa engine

            model = RecognitionModel(scen, seed=seed)
            model.run()
            keys: dict[str, int | np.ndarray] = {
                "point": point,
                "replication": rep,
                "seed": seed,
                "draw": rep // scen.runs_per_draw,
            }
            outcome = model.outcome()
            if "parameters" in cols:
                for c in cols["parameters"]:
                    cols["parameters"][c].append(keys[c] if c in keys else drawn[c])
            for c in cols["runs"]:
                cols["runs"][c].append(keys[c] if c in keys else outcome[c])
            if "series" in cols:
                series = model.datacollector.model_vars
                n = model.month + 1
                keys.update(month=np.arange(n), date=np.array(month_labels(scen.start, n - 1), dtype=object))
                for c in cols["series"]:
                    cols["series"][c].append(np.broadcast_to(keys[c], n) if c in keys else np.asarray(series[c]))
            for name, table in (("states", model.state_table), ("missions", model.mission_table)):
                if name in cols:
                    per_entity = table()
                    n = len(next(iter(per_entity.values())))
                    for c in cols[name]:
                        cols[name][c].append(np.full(n, keys[c]) if c in keys else per_entity[c])
    if engine == "batch":
        return {name: pa.concat_tables([p[name] for p in parts]) for name in schemas}
    out: dict[str, pa.Table] = {
        name: pa.table(
            {c: pa.array(v, schemas[name].field(c).type) for c, v in cols[name].items()}, schema=schemas[name]
        )
        for name in ("runs", "parameters")
        if name in cols
    }
    for name in ("series", "states", "missions"):
        if name in cols:
            out[name] = pa.table(
                {c: pa.array(_joined(v), schemas[name].field(c).type) for c, v in cols[name].items()},
                schema=schemas[name],
            )
    return out


def _joined(pieces: list) -> np.ndarray | list:
    """A column's pieces, one per run, end to end. Empty pieces are left out: a scenario without
    posts gives empty lists, which numpy would join as floats, not the column's type."""
    pieces = [p for p in pieces if len(p)]
    return np.concatenate(pieces) if pieces else []


# ---------------------------------------------------------------- the runner
def run_plan(
    plan: Plan,
    sink: MemorySink | ChunkStore,
    pool: Pool,
    *,
    progress: bool | None = None,
    chunk_runs: int = 500,
    on_result: Callable[[int], None] | None = None,
) -> None:
    """Run every run of ``plan`` that ``sink`` does not hold yet. Finished runs reach the sink
    every ``chunk_runs`` runs and whenever the run stops, for whatever reason.
    ``on_result(n_done)`` is called after each finished task (for progress hooks and tests)."""
    from .blocks import BLOCK

    done = plans.Done.of(sink.done(), plan.replications)  # as ranges, and the runs to do streamed
    todo = plan.n_runs - len(done)
    batch = plan.engine == "batch"  # blocks of replications, else a few runs a task
    tasks = plan.tasks(plan.jobs(done), pool.block_size(todo, BLOCK) if batch else pool.task_size(todo))
    scenario = pool.share(plan.scenario)
    experiment = None if plan.experiment is None else pool.share(plan.experiment)
    tables = pool.share(plan.joint) if plan.joint else {}
    schemas = plan.schemas()
    # progress=None: a bar only when stderr is a terminal (tqdm's own rule)
    bar = tqdm(
        total=plan.n_runs,
        initial=len(done),
        desc=plan.name,
        unit="run",
        disable=None if progress is None else not progress,
    )
    pending: list[dict[str, pa.Table]] = []
    running: set[cf.Future] = set()
    finished, queue = len(done), tasks
    try:
        while True:
            while len(running) < pool.in_flight:
                task = next(queue, None)
                if task is None:
                    break
                running.add(
                    pool.executor.submit(run_task, scenario, experiment, tables, plan.seed, schemas, task, plan.engine)
                )
            if not running:
                break
            ready, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for fut in ready:
                result = fut.result()
                pending.append(result)
                n = result["runs"].num_rows
                finished += n
                bar.update(n)
                if sum(r["runs"].num_rows for r in pending) >= chunk_runs:
                    sink.write(pending)
                    pending = []
                if on_result is not None:
                    on_result(finished)
    finally:  # whatever stops the run, finished runs reach the sink for --resume
        for fut in running:
            fut.cancel()
        if pending:
            sink.write(pending)
        bar.close()


def _run_into_folder(
    plan: Plan,
    out: Path,
    *,
    resume: bool,
    flag: str,
    progress: bool | None,
    chunk_runs: int,
    on_result: Callable[[int], None] | None,
    **where: Any,
) -> Path:
    plans.check_fits(plan, None, "replications")
    with locked(out, flag):  # one writer per folder: a second process gets a one-line error
        if resume and (out / "manifest.json").exists():
            plan.adopt_engine(read_manifest(out))
        meta = plan.manifest()
        state = check_folder(out, meta, IDENTITY, resume, flag, plans.IDENTITY_DEFAULTS)
        if state == "complete":
            return out  # resuming finished runs: nothing to run, nothing to rewrite
        check_writable(out, flag)  # before any run, not after all of them
        before = {p.name for p in out.iterdir()}
        with open_pool(**where) as pool:
            start_folder(out, meta, plan.points_table())  # written only once the workers are there
            store = ChunkStore(out, plan.schemas())
            try:
                run_plan(plan, store, pool, progress=progress, chunk_runs=chunk_runs, on_result=on_result)
            except ScenarioError:  # a draw refused as a run made it (a row of a large from: file)
                if state == "new":  # the runs drew from a file that must change: nothing to resume
                    remove_new(out, before)
                raise
        finish_folder(store, meta)
    return out


def run_ensemble(
    scenario: Scenario,
    replications: int,
    seed: int = 0,
    workers: int = 1,
    progress: bool | None = None,
    engine: str = "auto",
) -> EnsembleResult:
    """``replications`` independent runs of ``scenario``, in memory; identical for any ``workers``
    (and, on the batch engine, any block size). ``engine``: ``mesa``, ``batch`` or ``auto``."""
    plan = plans.ensemble(scenario, replications, seed, engine)
    plans.check_fits(plan, None, "replications")
    sink = MemorySink(plan.schemas())
    with open_pool(workers) as pool:
        run_plan(plan, sink, pool, progress=progress)
    tables = {name: frame(t) for name, t in sink.tables().items()}
    manifest = {**plan.manifest(), "status": "complete"}
    return EnsembleResult(
        tables["runs"], tables["series"], tables["states"], manifest, tables.get("parameters"), tables["missions"]
    )


def run_ensemble_to(
    scenario: Scenario,
    replications: int,
    out: str | Path,
    seed: int = 0,
    workers: int = 1,
    resume: bool = False,
    progress: bool | None = None,
    chunk_runs: int = 500,
    on_result: Callable[[int], None] | None = None,
    engine: str = "auto",
) -> Path:
    """An ensemble written to a results folder as its runs finish (resumable with ``resume``)."""
    return _run_into_folder(
        plans.ensemble(scenario, replications, seed, engine),
        Path(out),
        resume=resume,
        flag="--out",
        progress=progress,
        chunk_runs=chunk_runs,
        on_result=on_result,
        workers=workers,
    )


def run_sweep(
    loaded: LoadedExperiment,
    out: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    dask_local: int | None = None,
    resume: bool = False,
    chunk_runs: int = 500,
    progress: bool | None = None,
    on_result: Callable[[int], None] | None = None,
    connect_timeout: float = 30.0,
    engine: str | None = None,
) -> Path:
    """Run (or finish) an experiment's design into the folder ``out``; returns ``out``.
    ``engine`` overrides the experiment's ``engine`` key."""
    return _run_into_folder(
        plans.sweep(loaded, engine),
        Path(out),
        resume=resume,
        flag="--out",
        progress=progress,
        chunk_runs=chunk_runs,
        on_result=on_result,
        workers=workers,
        scheduler=scheduler,
        dask_local=dask_local,
        connect_timeout=connect_timeout,
    )
