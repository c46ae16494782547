"""Ensembles of stochastic replications of one scenario.

Each replication's seed is derived from the root seed and the replication's index through
``numpy.random.SeedSequence(root, spawn_key=(index,))``, so a run's result depends on nothing but
(scenario, root seed, index): not on the number of workers, the chunking or the executor. Sweeps
use the same derivation with ``spawn_key=(point, replication)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .executors import executor, task_size, version_info
from .model import COMPONENTS, RecognitionModel
from .scenario import LEVELS, Scenario, add_month


def replication_seed(root: int, *key: int) -> int:
    """A 63-bit seed for one run, from the root seed and the run's key (index, or point and index)."""
    words = np.random.SeedSequence(root, spawn_key=tuple(key)).generate_state(2, dtype=np.uint32)
    return int((int(words[0]) << 32 | int(words[1])) & 0x7FFF_FFFF_FFFF_FFFF)


@dataclass
class RunResult:
    """Everything one replication produces, in plain arrays (cheap to pickle between processes)."""

    outcome: dict[str, Any]
    series: dict[str, list]
    states: dict[str, Any]


def simulate(scenario: Scenario, seed: int) -> RunResult:
    """Run one replication to the horizon."""
    model = RecognitionModel(scenario, seed=seed)
    model.run()
    months = model.month + 1
    states = {
        "state": [a.name for a in model.state_agents],
        "bloc": [a.bloc for a in model.state_agents],
        "level": [LEVELS[i] for i in model.levels],
        "max_level": [LEVELS[i] for i in model.max_levels],
    }
    for rung, name in enumerate(LEVELS[1:], start=1):
        first = model.first_month[:, rung]
        states[f"month_{name}"] = [None if f < 0 else int(f) for f in first]
    means = model.component_sums / max(model.month, 1)
    for j, comp in enumerate(COMPONENTS):
        states[f"u_{comp}"] = means[:, j].tolist()
    series = {k: list(v) for k, v in model.datacollector.model_vars.items()}
    assert all(len(v) == months for v in series.values())
    return RunResult(model.outcome(), series, states)


def _run_chunk(scenario: Scenario, jobs: Sequence[tuple[int, int]]) -> list[tuple[int, RunResult]]:
    return [(index, simulate(scenario, seed)) for index, seed in jobs]


@dataclass
class EnsembleResult:
    """The three tables of a results directory plus its manifest (see README, "Results")."""

    runs: pd.DataFrame
    series: pd.DataFrame
    states: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)


def execute(scenario: Scenario, jobs: list[tuple[int, int]], workers: int, progress: bool | None = None,
            desc: str = "runs") -> dict[int, RunResult]:
    """Run ``(key, seed)`` jobs in this process or a local pool; results keyed by ``key``."""
    results: dict[int, RunResult] = {}
    # progress=None: a bar only when stderr is a terminal (tqdm's own rule)
    with executor(workers) as (n_workers, submit, as_completed, _), \
            tqdm(total=len(jobs), desc=desc, unit="run", disable=None if progress is None else not progress) as bar:
        size = task_size(len(jobs), n_workers)
        futures = [submit(_run_chunk, scenario, jobs[i:i + size]) for i in range(0, len(jobs), size)]
        for fut in as_completed(futures):
            for key, res in fut.result():
                results[key] = res
                bar.update(1)
    return results


def run_ensemble(
    scenario: Scenario, replications: int, seed: int = 0, workers: int = 1, progress: bool | None = None,
) -> EnsembleResult:
    """Run ``replications`` independent replications of ``scenario``; identical for any ``workers``."""
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    jobs = [(i, replication_seed(seed, i)) for i in range(replications)]
    results = execute(scenario, jobs, workers, progress, desc=scenario.name)
    seeds = dict(jobs)
    return assemble(scenario, [(i, seeds[i], results[i]) for i in range(replications)], seed)


def assemble(scenario: Scenario, runs: list[tuple[int, int, RunResult]], seed: int) -> EnsembleResult:
    """Tables from per-run results, in the order given (callers sort by replication).

    Columns are built as whole arrays rather than per-run frames: a 1,000-run ensemble has
    121,000 series rows, and per-row work there costs more than the simulations' bookkeeping."""
    rows = []
    for index, run_seed, res in runs:
        rows.append({"replication": index, "seed": run_seed, **res.outcome})
    runs_df = pd.DataFrame(rows)
    runs_df["first_recognition_month"] = runs_df["first_recognition_month"].astype("Int64")
    lengths = [len(next(iter(res.series.values()))) for _, _, res in runs]
    months = np.concatenate([np.arange(n) for n in lengths])
    dates = np.array([add_month(scenario.start, m) for m in range(max(lengths))], dtype=object)
    series = {"replication": np.repeat([i for i, _, _ in runs], lengths), "month": months, "date": dates[months]}
    for col in runs[0][2].series:
        series[col] = np.concatenate([np.asarray(res.series[col]) for _, _, res in runs])
    series_df = pd.DataFrame(series)
    n_states = [len(res.states["state"]) for _, _, res in runs]
    states = {"replication": np.repeat([i for i, _, _ in runs], n_states)}
    for col in runs[0][2].states:
        states[col] = [v for _, _, res in runs for v in res.states[col]]
    states_df = pd.DataFrame(states)
    for col in [c for c in states_df.columns if c.startswith("month_")]:
        states_df[col] = states_df[col].astype("Int64")
    return EnsembleResult(runs_df, series_df, states_df, manifest(scenario, seed, len(runs)))


def manifest(scenario: Scenario, seed: int, replications: int) -> dict[str, Any]:
    """What produced a results directory. No timestamps or worker counts: same inputs, same bytes."""
    return {
        "scenario_name": scenario.name,
        "scenario_hash": scenario.digest(),
        "root_seed": seed,
        "replications": replications,
        "horizon_months": scenario.horizon_months,
        "start": scenario.start,
        "versions": version_info(),
        "scenario": scenario.canonical(),
    }
