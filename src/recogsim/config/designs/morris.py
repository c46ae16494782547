"""Morris elementary effects: ``trajectories`` one-at-a-time paths on a ``levels`` grid (SALib);
mu* ranks influence, sigma flags interactions or non-linearity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .problem import analysis_seed, needs_support, problem


def fit(design, parameters):
    if design.trajectories is None:
        return "design.trajectories", "a morris design needs trajectories, got none"
    if design.levels % 2:
        return "design.levels", f"must be even for Morris sampling, got {design.levels}"
    if design.samples is not None:
        return "design.samples", "does not apply to a morris design (use trajectories)"
    for i, p in enumerate(parameters):
        if p.distribution is not None and p.distribution.kind != "uniform":
            return (
                f"parameters[{i}].distribution",
                f"a morris design samples uniform ranges, got a {p.distribution.kind} distribution",
            )
    return needs_support(parameters, "morris")


def size(design, parameters) -> int:
    """A trajectory moves one parameter at a time: k + 1 points each."""
    return design.trajectories * (len(parameters) + 1)


def sample(design, parameters, seed: int) -> np.ndarray:
    from SALib.sample import morris as morris_sample  # SALib (and scipy) only when sampling

    return morris_sample.sample(problem(parameters), design.trajectories, num_levels=design.levels, seed=seed)


def analyze(design, parameters, X, Y, seed: int) -> pd.DataFrame:
    from SALib.analyze import morris as morris_analyze

    res = morris_analyze.analyze(
        problem(parameters),
        np.asarray(X, dtype=float),
        np.asarray(Y, dtype=float),
        num_levels=design.levels,
        seed=analysis_seed(seed),
    )
    return pd.DataFrame(
        {
            "parameter": [p.path for p in parameters],
            "mu": res["mu"],
            "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"],
            "sigma": res["sigma"],
        }
    )
