"""Latin hypercube: ``samples`` points, each parameter's range cut into as many strata (SALib latin)."""

from __future__ import annotations

import numpy as np

from .problem import needs_support, problem


def fit(design, parameters):
    if design.samples is None:
        return "design.samples", "an lhs design needs samples (the number of points), got none"
    if design.trajectories is not None:
        return "design.trajectories", "does not apply to an lhs design"
    return needs_support(parameters, "lhs")


def size(design, parameters) -> int:
    return design.samples


def sample(design, parameters, seed: int) -> np.ndarray:
    from SALib.sample import latin  # SALib (and scipy) only when sampling

    return latin.sample(problem(parameters), design.samples, seed=seed)


def analyze(design, parameters, X, Y, seed: int):
    return None
