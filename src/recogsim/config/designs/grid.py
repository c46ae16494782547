"""Full factorial grid: every combination of every parameter's values."""

from __future__ import annotations

import itertools
import math

import numpy as np


def levels(p) -> list:
    if p.values is not None:
        return list(p.values)
    return [float(v) for v in np.round(np.linspace(p.range[0], p.range[1], p.steps), 12)]


def fit(design, parameters):
    for i, p in enumerate(parameters):
        if p.distribution is not None or (p.range is not None and p.steps is None):
            return (f"parameters[{i}]", f"a grid needs values, or range with steps, for {p.path!r}")
    for key in ("samples", "trajectories"):
        if getattr(design, key) is not None:
            return f"design.{key}", f"does not apply to a grid design, got {getattr(design, key)}"
    return None


def size(design, parameters) -> int:
    return math.prod(len(p.values) if p.values is not None else p.steps for p in parameters)


def sample(design, parameters, seed: int) -> np.ndarray:
    """Rows in lexicographic order of the parameters as listed (the last varies fastest)."""
    return np.array(list(itertools.product(*(levels(p) for p in parameters))), dtype=object)


def analyze(design, parameters, X, Y, seed: int):
    return None
