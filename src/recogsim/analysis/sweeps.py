"""Analysing a finished sweep: per-point summaries and sensitivity indices (EMA Workbench's split:
:mod:`recogsim.runs` runs experiments, this module analyses them; it never runs the model)."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from ..config.designs import DESIGNS
from ..config.experiment import Experiment
from ..errors import InputError
from ..model import record
from ..runs.store import SweepResult

RECOGNIZED = "recognized"
"""Derived outcome: 1 if the run has a de jure recognition by the horizon, else 0; its mean over a
point's replications is the probability of recognition."""


def censored(column: str) -> bool:
    """A month that is null where the event never happened by the horizon: a mean would be biased."""
    col = record.describe(column)
    return col is not None and col.kind == "month" and col.nullable


def experiment_of(result: SweepResult) -> Experiment:
    return Experiment.model_validate(result.manifest["experiment"])


def outcome_values(result: SweepResult, outcome: str, where: str = "--outcome") -> pd.Series:
    """One number per run for ``outcome``; a censored or non-numeric column is a one-line error."""
    runs = result.runs
    if outcome == RECOGNIZED:
        if "first_recognition_month" not in runs:
            raise InputError(None, where, "'recognized' needs first_recognition_month among the sweep's outcomes")
        return runs["first_recognition_month"].notna().astype(float)
    if censored(outcome):
        raise InputError(
            None,
            where,
            f"{outcome} is censored at the horizon (null where it never happened) and cannot be averaged"
            + (
                "; use 'recognized' (the probability of a recognition) or median_first_recognition"
                if outcome == "first_recognition_month"
                else ""
            ),
        )
    numeric = [
        c for c in runs.columns if c not in ("point", "replication", "seed") and pd.api.types.is_numeric_dtype(runs[c])
    ]
    if outcome not in numeric:
        raise InputError(
            None,
            where,
            f"unknown or non-numeric outcome {outcome!r}; expected one of {', '.join([RECOGNIZED, *sorted(numeric)])}",
        )
    return runs[outcome].astype(float)


def summarize(result: SweepResult) -> pd.DataFrame:
    """Per point: its parameter values, runs, P(recognition by the horizon), the median month of
    first recognition among runs that have one, and the mean of every numeric outcome."""
    runs = result.runs
    g = runs.groupby("point", sort=True)
    table = result.points.set_index("point").copy()
    table["runs"] = g.size()
    if "first_recognition_month" in runs:
        table["p_recognition"] = g["first_recognition_month"].apply(lambda s: s.notna().mean())
        table["median_first_recognition"] = g["first_recognition_month"].median().astype(float)
    for col in runs.columns:
        if col in record.KEYS or censored(col):
            continue
        if pd.api.types.is_numeric_dtype(runs[col]):
            table[f"mean_{col}"] = g[col].mean()
    return table.reset_index()


def sensitivity(result: SweepResult, method: str | None = None, outcome: str = RECOGNIZED) -> pd.DataFrame:
    """SALib indices of ``outcome``'s per-point mean for a sobol or morris sweep, with confidence intervals."""
    exp = experiment_of(result)
    design = exp.design.kind
    if method is None and design not in ("sobol", "morris"):
        raise InputError(
            None,
            None,
            f"sensitivity indices need a sobol or morris design; this sweep used {design} "
            "(its per-point summary is the analysis)",
        )
    method = method or design
    if method not in ("sobol", "morris"):
        raise InputError(None, "--method", f"must be sobol or morris, got {method!r}")
    if method != design:
        raise InputError(None, "--method", f"a {method} analysis needs a {method} design; this sweep used {design}")
    y = outcome_values(result, outcome).groupby(result.runs["point"]).mean().sort_index()
    names = [p.path for p in exp.parameters]
    X = result.points.sort_values("point")[names].to_numpy(dtype=float)
    if len(y) != len(X):
        raise InputError(None, None, f"the sweep has results for {len(y)} of {len(X)} points")
    if np.nanstd(y.to_numpy()) == 0:
        raise InputError(
            None,
            "--outcome",
            f"{outcome} does not vary across the design (always {y.iloc[0]:g}); no sensitivity to measure",
        )
    # sobol and morris (the only designs that reach here) always return indices
    return cast(pd.DataFrame, DESIGNS[design].analyze(exp.design, exp.parameters, X, y.to_numpy(), exp.seed))
