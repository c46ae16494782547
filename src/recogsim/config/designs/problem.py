"""The SALib problem dictionary built from experiment parameters (shared by the SALib designs)."""

from __future__ import annotations

from typing import Any

import numpy as np


def problem(parameters) -> dict[str, Any]:
    """Bounds and distributions in SALib's format: ``unif`` [lo, hi], ``triang`` [lo, hi, peak
    fraction], ``truncnorm`` [lo, hi, mean, sd]."""
    bounds, dists = [], []
    for p in parameters:
        name, bound = ("unif", list(p.range)) if p.distribution is None else p.distribution.salib()
        bounds.append(bound)
        dists.append(name)
    return {"num_vars": len(parameters), "names": [p.path for p in parameters], "bounds": bounds, "dists": dists}


def needs_support(parameters, design: str):
    for i, p in enumerate(parameters):
        if p.values is not None:
            return (
                f"parameters[{i}].values",
                f"a {design} design samples a range or distribution, got a list of values for {p.path!r}",
            )
        if p.steps is not None:
            return f"parameters[{i}].steps", f"steps belong to grid designs, got steps with a {design} design"
    return None


def analysis_seed(seed: int) -> int:
    """A non-zero seed for SALib's bootstrap, derived from the experiment's seed.

    SALib's ``analyze.sobol`` seeds its bootstrap only ``if seed:``, so the default seed 0 would
    leave confidence intervals to numpy's global generator and make them differ from call to call.
    """
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) or 1
