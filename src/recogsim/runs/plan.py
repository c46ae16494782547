"""The run plan: which runs a design implies, with their seeds, and which tables they fill.

An ensemble is a one-point design without parameters; a sweep is an experiment's design. Both are
a :class:`Plan`, run by the one runner (:mod:`.runner`) into the one store (:mod:`.store`), with
the one manifest below. Building a plan is the last check before a run: outcome names are checked
here against the output record (the config layer, where experiment files are read, sits below it).

A plan never lists its runs: :meth:`Plan.jobs` and :meth:`Plan.tasks` yield them in order, and
the runs already done are held as ranges (:class:`Done`), so a sweep of 10^9 runs (the most an
experiment may ask for: :data:`~recogsim.config.experiment.MAX_RUNS`) needs no memory per run to
start or to resume.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa

from ..config import experiment
from ..config.experiment import Experiment, ExperimentError, LoadedExperiment
from ..config.joint import JointTable
from ..config.references import joint_table
from ..config.schema import JointUncertain, Scenario, Uncertain
from ..errors import InputError
from ..model import record
from .executors import version_info
from .seeds import replication_seed, run_key

Task = list[tuple[int, dict[str, Any], list[tuple[int, int]]]]
"""A unit of work for one worker: [(point, parameter values, [(replication, seed), ...]), ...]."""


class Done:
    """The runs a sink already holds, as sorted half-open ranges of run numbers
    (``point * replications + replication``, the order :meth:`Plan.jobs` yields them in): a
    resumed folder's finished runs lie in a few long stretches, one per task or so, whatever
    their number."""

    def __init__(self, replications: int, starts: np.ndarray, ends: np.ndarray):
        self.replications, self.starts, self.ends = replications, starts, ends

    @classmethod
    def of(cls, runs: Done | Iterable[tuple[int, int]], replications: int) -> Done:
        """From a sink's ``done()``: (point, replication) pairs, or already ranges."""
        if isinstance(runs, Done):
            return runs
        pairs = np.fromiter((v for pair in runs for v in pair), dtype=np.int64).reshape(-1, 2)
        return cls.from_arrays(pairs[:, 0], pairs[:, 1], replications)

    @classmethod
    def from_arrays(cls, points: np.ndarray, replications_done: np.ndarray, replications: int) -> Done:
        """From the point and replication columns of runs tables (what a store can read without
        building a Python object per run)."""
        keys = np.unique(np.asarray(points, dtype=np.int64) * replications + np.asarray(replications_done, np.int64))
        if not len(keys):
            return cls(replications, keys, keys)
        breaks = np.flatnonzero(np.diff(keys) != 1) + 1
        return cls(replications, keys[np.r_[0, breaks]], keys[np.r_[breaks - 1, len(keys) - 1]] + 1)

    def __len__(self) -> int:
        return int((self.ends - self.starts).sum())

    def __contains__(self, run: object) -> bool:
        point, rep = cast("tuple[int, int]", run)
        key = point * self.replications + rep
        i = int(np.searchsorted(self.ends, key, side="right"))
        return i < len(self.starts) and self.starts[i] <= key

    def gaps(self, total: int) -> Iterator[tuple[int, int]]:
        """The half-open ranges of run numbers below ``total`` not yet done, in order."""
        at = 0
        for start, end in zip(self.starts.tolist(), self.ends.tolist(), strict=True):
            if start > at:
                yield at, min(start, total)
            at = max(at, end)
            if at >= total:
                return
        if at < total:
            yield at, total


@dataclass
class Plan:
    """Runs of ``scenario`` at every point of a design (one point for an ensemble), with the
    columns each table keeps."""

    name: str
    scenario: Scenario
    replications: int
    seed: int
    outcomes: list[str]
    keep_series: bool
    keep_states: bool
    experiment: Experiment | None = None
    X: np.ndarray = field(default_factory=lambda: np.empty((1, 0), dtype=object))
    engine: str = "mesa"
    """The engine asked for (``ENGINES``); :meth:`__post_init__` resolves ``auto`` to the one that
    runs: ``batch`` where it is supported (:meth:`batch_unsupported`), else ``mesa``."""
    joint: dict[int, JointTable] = field(init=False)
    """The rows of each ``from:`` block of ``uncertain:``, by entry: read once here, hashed into
    the manifest, and sent to the workers with the tasks (no worker reads the files)."""

    def __post_init__(self) -> None:
        self.joint = {
            i: joint_table(u, i) for i, u in enumerate(self.scenario.uncertain) if isinstance(u, JointUncertain)
        }
        self.requested_engine = self.engine
        self.engine = self.resolve(self.engine)

    def batch_unsupported(self) -> str | None:
        """Why the batch engine cannot run this plan, or None (``model.batch.unsupported``)."""
        from ..model.batch import unsupported

        return unsupported(self.scenario, self.uncertain)

    def resolve(self, engine: str) -> str:
        """The engine that runs: ``mesa`` or ``batch`` (``auto``: batch where it is supported).
        An unknown engine, or ``batch`` where it is not supported, is a one-line error."""
        if engine not in ENGINES:
            raise InputError(None, "--engine", f"expected one of {', '.join(ENGINES)}, got {engine!r}")
        reason = None if engine == "mesa" else self.batch_unsupported()
        if engine == "batch" and reason:
            raise InputError(self.scenario.name, "--engine", f"{reason}; use --engine mesa or auto")
        return "mesa" if engine == "mesa" or reason else "batch"

    def adopt_engine(self, old: dict[str, Any]) -> None:
        """Resuming a folder with ``auto``: keep the engine its runs were started with (folders
        from before the engines were recorded ran on Mesa), so one folder holds one engine's runs."""
        if self.requested_engine == "auto":
            self.engine = self.resolve(str(old.get("engine", "mesa")))

    @property
    def kind(self) -> str:
        return "ensemble" if self.experiment is None else "sweep"

    @property
    def n_points(self) -> int:
        return len(self.X)

    @property
    def parameters(self) -> list[str]:
        return [] if self.experiment is None else [p.path for p in self.experiment.parameters]

    def values(self, point: int) -> dict[str, Any]:
        return {name: _plain(v) for name, v in zip(self.parameters, self.X[point], strict=True)}

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replications

    def jobs(self, done: Done | None = None) -> Iterator[tuple[int, int, int]]:
        """(point, replication, seed) of every run not in ``done``, in order, one at a time."""
        for start, end in (done or Done.of((), self.replications)).gaps(self.n_runs):
            for key in range(start, end):
                pt, rep = divmod(key, self.replications)
                yield pt, rep, replication_seed(self.seed, *run_key(pt, rep, self.n_points))

    def tasks(self, todo: Iterable[tuple[int, int, int]], per_task: int) -> Iterator[Task]:
        """Group pending runs (in :meth:`jobs`' order) into tasks of about ``per_task`` runs, a
        point's runs together: a point's runs in parts of ``per_task``, parts gathered into a
        task until it holds ``per_task`` runs. Yields each task as it fills."""
        current: Task = []
        size = 0
        part: list[tuple[int, int]] = []
        point = -1

        def close() -> bool:  # the point's part joins the task; whether the task is full
            nonlocal size
            current.append((point, self.values(point), part))
            size += len(part)
            return size >= per_task

        for pt, rep, seed in todo:
            if part and (pt != point or len(part) == per_task):
                if close():
                    yield current
                    current, size = [], 0
                part = []
            point = pt
            part.append((rep, seed))
        if part and close():
            yield current
            current = []
        if current:
            yield current

    # ------------------------------------------------------------ tables
    def columns(self) -> dict[record.Table, list[str]]:
        """The columns of each table the runs fill, keys first (``point`` in sweeps only)."""
        return table_columns(
            self.scenario,
            sweep=self.kind == "sweep",
            outcomes=self.outcomes,
            keep_series=self.keep_series,
            keep_states=self.keep_states,
            uncertain=self.uncertain,
        )

    def schemas(self) -> dict[str, pa.Schema]:
        return {t: record.schema(t, cols, self.scenario, self.uncertain) for t, cols in self.columns().items()}

    @property
    def uncertain(self) -> list[str]:
        """The paths each replication draws (the scenario's ``uncertain:``, a ``from:`` block's
        columns in the file's order), in order."""
        return [
            path
            for i, u in enumerate(self.scenario.uncertain)
            for path in ([u.path] if isinstance(u, Uncertain) else self.joint[i].columns)
        ]

    def points_table(self) -> pa.Table | None:
        """One row per design point of a sweep: ``point`` and one column per parameter path."""
        if self.experiment is None:
            return None
        cols: dict[str, Any] = {"point": list(range(self.n_points))}
        types = {}
        for j, name in enumerate(self.parameters):
            column = [_plain(v) for v in self.X[:, j]]
            if any(isinstance(v, str) for v in column):
                types[name] = pa.string()
                cols[name] = [str(v) for v in column]
            else:
                cols[name] = [float(v) for v in column]
        sch = record.schema("points", ["point", *self.parameters], self.scenario, self.parameters, types)
        return pa.table(cols, schema=sch)

    def manifest(self) -> dict[str, Any]:
        """What produced a results folder. No timestamps or worker counts: same inputs, same bytes."""
        meta: dict[str, Any] = {
            "kind": self.kind,
            "scenario_name": self.scenario.name,
            "scenario_hash": self.scenario.digest(),
            "root_seed": self.seed,
            "points": self.n_points,
            "replications": self.replications,
            "runs": self.n_points * self.replications,
            "horizon_months": self.scenario.horizon_months,
            "start": self.scenario.start,
            "outcomes": self.outcomes,
            "tables": sorted([*self.columns(), *(["points"] if self.kind == "sweep" else [])]),
            "engine": self.engine,
            "versions": version_info(),
            "scenario": self.scenario.canonical(),
        }
        if self.joint:  # the files behind from: blocks, by content: --resume refuses a changed one
            meta["uncertain_files"] = [
                {
                    "entry": f"uncertain[{i}]",
                    "file": t.file,
                    "sha256": t.sha256,
                    "rows": t.rows,
                    "columns": [*t.columns],
                }
                for i, t in self.joint.items()
            ]
        if self.experiment is not None:
            meta.update(
                experiment_name=self.experiment.name,
                experiment_hash=self.experiment.digest(),
                design=self.experiment.design.kind,
                experiment=self.experiment.canonical(),
            )
        return meta


def table_columns(
    scenario: Scenario,
    *,
    sweep: bool,
    outcomes: list[str],
    keep_series: bool,
    keep_states: bool,
    uncertain: list[str],
) -> dict[record.Table, list[str]]:
    """The columns of each table a plan's runs fill (and a results folder must hold), keys first."""
    point = ["point"] if sweep else []
    out: dict[record.Table, list[str]] = {"runs": [*point, "replication", "seed", *outcomes]}
    if keep_series:
        out["series"] = [*point, "replication", "month", "date", *record.series_columns(scenario)]
    if keep_states:  # an ensemble's tables per entity: states, and posts beside them
        for table in ("states", "missions"):
            names = record.expand(table, scenario)
            out[table] = [*point, *(n for n in names if n != "point")]
    if uncertain:
        out["parameters"] = [*point, "replication", "draw", *uncertain]
    return out


ENGINES = ("auto", "mesa", "batch")
"""``mesa``: the reference engine, one Mesa model per run; ``batch``: a block of replications at
once as arrays (``model/batch.py``); ``auto``: batch where it is supported, else mesa."""

IDENTITY = {
    "kind": "kind of run",
    "engine": "engine",
    "experiment_hash": "experiment",
    "scenario_hash": "scenario",
    "root_seed": "root seed",
    "replications": "number of replications",
}
"""Manifest keys that must match for ``--resume`` to continue a folder's runs, and what they name."""
IDENTITY_DEFAULTS = {"engine": "mesa"}
"""What a folder written before a key existed holds: runs of the Mesa engine."""


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def ensemble(scenario: Scenario, replications: int, seed: int = 0, engine: str = "auto") -> Plan:
    """An ensemble: ``replications`` runs of one scenario, keeping every table."""
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    return Plan(
        scenario.name,
        scenario,
        replications,
        seed,
        record.ensemble_outcomes(scenario),
        keep_series=True,
        keep_states=True,
        engine=engine,
    )


def outcomes_of(loaded: LoadedExperiment) -> list[str]:
    """The run outcomes an experiment keeps (the record's defaults if it names none), each checked
    against the output record for its scenario."""
    exp, scenario = loaded.experiment, loaded.scenario
    known = record.run_outcomes(scenario)
    outcomes = record.default_outcomes(scenario) if exp.outcomes is None else exp.outcomes
    seen: dict[str, int] = {}
    for i, name in enumerate(outcomes):
        if name not in known:
            raise ExperimentError(
                loaded.file, f"outcomes[{i}]", f"unknown outcome {name!r}; expected one of {', '.join(sorted(known))}"
            )
        if name in seen:
            raise ExperimentError(
                loaded.file, f"outcomes[{i}]", f"duplicate outcome {name!r} (first at outcomes[{seen[name]}])"
            )
        seen[name] = i
    return list(outcomes)


def load_experiment(path: str | Path) -> LoadedExperiment:
    """Read an experiment file and check all of it, its outcomes included, and the rows its
    replications will draw (``recogsim.load_experiment``)."""
    loaded = experiment.load(path)
    outcomes_of(loaded)
    check_draws(loaded.scenario, loaded.experiment.replications, loaded.experiment.seed)
    return loaded


MAX_DRAWS_CHECKED = 100_000
"""Draws of ``uncertain:`` checked before a sweep's first run (a few seconds): a sweep with more
has the draws beyond checked by the runner as it draws them."""


def check_draws(scenario: Scenario, replications: int, seed: int) -> None:
    """The rows of ``from:`` files that the replications will draw, checked before any run.

    Loading a scenario checks every distinct row of a file of up to
    :data:`~recogsim.config.joint.ROW_CHECK_LIMIT` of them, but only the rows holding each
    column's extremes of a larger one. A sweep draws the same rows at every design point (the
    draws are keyed by the replication alone), so which rows it will take is known now: checked
    here, as the runner checks them, a bad row is a one-line error before the folder is started
    rather than after some of its runs."""
    from .runner import _draw, _with_draws  # the runner's own draw and check, not a copy of them

    tables = {i: joint_table(u, i) for i, u in enumerate(scenario.uncertain) if isinstance(u, JointUncertain)}
    if all(t.rows_to_check()[1] for t in tables.values()):
        return  # every row was checked with the scenario (or there are no rows)
    seen: set[tuple[tuple[int, int], ...]] = set()
    for draw in range(min(-(-replications // scenario.runs_per_draw), MAX_DRAWS_CHECKED)):
        rep = draw * scenario.runs_per_draw
        values, rows = _draw(scenario, seed, rep, tables)
        if tuple(rows.items()) not in seen:
            seen.add(tuple(rows.items()))
            _with_draws(scenario, values, rows, tables, f" by replication {rep}")


def sweep(loaded: LoadedExperiment, engine: str | None = None) -> Plan:
    """An experiment's design, its outcomes checked against the output record."""
    exp = loaded.experiment
    outcomes = outcomes_of(loaded)
    X = loaded.design_matrix()
    return Plan(
        exp.name,
        loaded.scenario,
        exp.replications,
        exp.seed,
        outcomes,
        keep_series=exp.keep_series,
        keep_states=False,
        experiment=exp,
        X=X,
        engine=exp.engine if engine is None else engine,
    )


COPIES = 3
"""Copies of a folder's tables held at once while its chunks are consolidated (read, joined, sorted)."""


def table_bytes(plan: Plan) -> int:
    """About how many bytes a plan's tables take in memory (8 bytes a value), from its columns and
    the rows each run adds to each table."""
    rows = record.rows_per_run(plan.scenario)
    per_run = sum(rows[table] * len(columns) for table, columns in plan.columns().items())
    return 8 * per_run * plan.n_points * plan.replications


def check_fits(plan: Plan, file: str | None, flag: str) -> None:
    """Refuse, before anything runs, a plan whose tables could not be consolidated in this
    machine's available memory (a mistyped ``-n 100000000000`` would otherwise run for days, or
    hang building its job list, and then fail)."""
    import psutil

    need, have = COPIES * table_bytes(plan), psutil.virtual_memory().available
    if need > have:
        raise ExperimentError(
            file,
            flag,
            f"{plan.n_points * plan.replications:,} runs would need about {_size(need)} of memory to "
            f"write their tables, and this machine has {_size(have)} available; run fewer "
            "(or, in a sweep, keep fewer outcomes and no series)",
        )


def _size(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB" if n >= 2**30 else f"{n / 2**20:,.0f} MiB"
