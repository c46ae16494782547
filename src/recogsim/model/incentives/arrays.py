"""How the rules read their arguments as arrays: every number as float64, except that single
precision (float32) is kept as it is, so an engine may evaluate a month's utilities in single
precision (the batch engine does) while an engine passing Python or float64 numbers (the Mesa
engine) gets exactly the float64 arithmetic of ``np.asarray(x, dtype=float)``."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

Array = np.ndarray


def real(x: ArrayLike) -> Array:
    """``x`` as a float array: float32 kept, anything else as ``np.asarray(x, dtype=float)``."""
    a = np.asarray(x)
    return a if a.dtype == np.float32 else np.asarray(a, dtype=float)


def per_entity(coefficient: ArrayLike, axes: int) -> Array:
    """A coefficient (a scalar, or one value per replication or candidate: the leading axes) with
    ``axes`` entity axes appended, so that it broadcasts against (..., entities) arrays."""
    c = real(coefficient)
    return c.reshape(c.shape + (1,) * axes)


def at_rung(values: Array, rungs: Array) -> Array:
    """``values[rung]`` per entity; ``values`` may carry the leading axes of ``rungs``."""
    if values.ndim == 1:
        return values[rungs]
    if values.ndim == 2 and rungs.ndim == 2 and len(values) == len(rungs):  # a block: one flat lookup
        return values.ravel()[rungs + (np.arange(len(values)) * values.shape[1])[:, None]]
    return np.take_along_axis(values, rungs, axis=-1)


def logistic(x: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * x))
