"""The run plan: which runs a design implies, with their seeds, and which tables they fill.

An ensemble is a one-point design without parameters; a sweep is an experiment's design. Both are
a :class:`Plan`, run by the one runner (:mod:`.runner`) into the one store (:mod:`.store`), with
the one manifest below. Building a plan is the last check before a run: outcome names are checked
here against the output record (the config layer, where experiment files are read, sits below it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..config import experiment
from ..config.designs import DESIGNS
from ..config.experiment import Experiment, ExperimentError, LoadedExperiment
from ..config.joint import JointTable
from ..config.references import joint_table
from ..config.schema import JointUncertain, Scenario, Uncertain
from ..model import record
from .executors import version_info
from .seeds import replication_seed, run_key

Task = list[tuple[int, dict[str, Any], list[tuple[int, int]]]]
"""A unit of work for one worker: [(point, parameter values, [(replication, seed), ...]), ...]."""


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
    joint: dict[int, JointTable] = field(init=False)
    """The rows of each ``from:`` block of ``uncertain:``, by entry: read once here, hashed into
    the manifest, and sent to the workers with the tasks (no worker reads the files)."""

    def __post_init__(self) -> None:
        self.joint = {
            i: joint_table(u, i) for i, u in enumerate(self.scenario.uncertain) if isinstance(u, JointUncertain)
        }

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

    def jobs(self) -> list[tuple[int, int, int]]:
        """(point, replication, seed) of every run, in order."""
        return [
            (pt, rep, replication_seed(self.seed, *run_key(pt, rep, self.n_points)))
            for pt in range(self.n_points)
            for rep in range(self.replications)
        ]

    def tasks(self, todo: list[tuple[int, int, int]], per_task: int) -> list[Task]:
        """Group pending runs into tasks of about ``per_task`` runs, a point's runs together."""
        by_point: dict[int, list[tuple[int, int]]] = {}
        for pt, rep, seed in todo:
            by_point.setdefault(pt, []).append((rep, seed))
        tasks: list[Task] = []
        current: Task = []
        size = 0
        for pt, reps in by_point.items():
            for i in range(0, len(reps), per_task):
                part = reps[i : i + per_task]
                current.append((pt, self.values(pt), part))
                size += len(part)
                if size >= per_task:
                    tasks.append(current)
                    current, size = [], 0
        if current:
            tasks.append(current)
        return tasks

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


IDENTITY = {
    "kind": "kind of run",
    "experiment_hash": "experiment",
    "scenario_hash": "scenario",
    "root_seed": "root seed",
    "replications": "number of replications",
}
"""Manifest keys that must match for ``--resume`` to continue a folder's runs, and what they name."""


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def ensemble(scenario: Scenario, replications: int, seed: int = 0) -> Plan:
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
    """Read an experiment file and check all of it, its outcomes included (``recogsim.load_experiment``)."""
    loaded = experiment.load(path)
    outcomes_of(loaded)
    return loaded


def sweep(loaded: LoadedExperiment) -> Plan:
    """An experiment's design, its outcomes checked against the output record."""
    exp = loaded.experiment
    outcomes = outcomes_of(loaded)
    X = DESIGNS[exp.design.kind].sample(exp.design, exp.parameters, exp.seed)
    return Plan(
        exp.name,
        loaded.scenario,
        exp.replications,
        exp.seed,
        outcomes,
        keep_series=exp.keep_series,
        keep_states=False,
        experiment=exp,
        X=np.asarray(X, dtype=object),
    )


COPIES = 3
"""Copies of a folder's tables held at once while its chunks are consolidated (read, joined, sorted)."""


def table_bytes(plan: Plan) -> int:
    """About how many bytes a plan's tables take in memory (8 bytes a value), from its columns and
    the rows each run adds to each table."""
    rows = {
        "runs": 1,
        "parameters": 1,
        "series": plan.scenario.horizon_months + 1,
        "states": len(plan.scenario.states),
        "missions": len(plan.scenario.missions),
    }
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
