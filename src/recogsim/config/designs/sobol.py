"""Saltelli's extension of Sobol' sampling and Sobol' indices (SALib): first-order, total and,
optionally, second-order indices with bootstrap confidence intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .problem import analysis_seed, needs_support, problem


def fit(design, parameters):
    n = design.samples
    if n is None:
        return "design.samples", "a sobol design needs samples (the base sample N, a power of 2), got none"
    if n & (n - 1):
        return "design.samples", f"must be a power of 2 for Sobol' sequences (e.g. 64, 128, 256), got {n}"
    if len(parameters) < 2:
        return "parameters", f"a sobol design needs at least 2 parameters, got {len(parameters)}"
    if design.trajectories is not None:
        return "design.trajectories", "does not apply to a sobol design"
    return needs_support(parameters, "sobol")


def size(design, parameters) -> int:
    """Saltelli's scheme: N (2k + 2) points with second-order indices, N (k + 2) without."""
    k = len(parameters)
    return design.samples * (2 * k + 2 if design.second_order else k + 2)


def sample(design, parameters, seed: int) -> np.ndarray:
    from SALib.sample import sobol as sobol_sample  # SALib (and scipy) only when sampling

    return sobol_sample.sample(problem(parameters), design.samples, calc_second_order=design.second_order, seed=seed)


def analyze(design, parameters, X, Y, seed: int) -> pd.DataFrame:
    from SALib.analyze import sobol as sobol_analyze

    res = sobol_analyze.analyze(
        problem(parameters), np.asarray(Y, dtype=float), calc_second_order=design.second_order, seed=analysis_seed(seed)
    )
    table = pd.DataFrame(
        {
            "parameter": [p.path for p in parameters],
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )
    if design.second_order:
        rows = []
        for i, a in enumerate(parameters):
            for j in range(i + 1, len(parameters)):
                rows.append(
                    {
                        "parameter": f"{a.path} x {parameters[j].path}",
                        "S2": res["S2"][i, j],
                        "S2_conf": res["S2_conf"][i, j],
                    }
                )
        table = pd.concat([table, pd.DataFrame(rows)], ignore_index=True)
    return table
