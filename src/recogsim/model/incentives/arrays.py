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
    # the common cases first: one run calls this some eighty times a month
    if type(x) is np.ndarray and x.dtype.char in "fd" and x.dtype.isnative:
        return x
    if type(x) is float:
        return np.asarray(x)  # float64
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


SMALL = 4096
"""Arrays of fewer elements than this (one run's, as the Mesa engine holds) take the plainest numpy,
fewest calls: a call costs more there than the arithmetic. Larger ones (a block of runs) take the
paths that spare the arithmetic and memory (:func:`select`, ``states.state_utility``), which give
the same values bit for bit."""
_BITS = {4: np.int32, 8: np.int64}


def select(condition: ArrayLike, x: ArrayLike, y: ArrayLike) -> Array:
    """``np.where(condition, x, y)`` for floats, the same values bit for bit and the same dtype,
    without a branch per element: ``y ^ ((x ^ y) & mask)`` over the numbers' bits, ``mask`` all
    ones where ``condition`` holds. ``np.where`` branches on each element, and over a block's
    irregular masks (which states may climb, which posts are open) mispredicts about half the
    time: 5 to 8 times as long as an addition; this takes about as long as three."""
    size = condition.size if type(condition) is np.ndarray else np.size(condition)
    if size < SMALL:  # first, so that a small array costs little more than np.where
        return np.where(condition, x, y)
    x, y = (v if isinstance(v, (float, np.ndarray)) else np.asarray(v) for v in (x, y))  # lists too
    dtype = np.result_type(x, y)
    if dtype.kind != "f" or dtype.itemsize not in _BITS:
        return np.where(condition, x, y)
    shape = np.broadcast_shapes(np.shape(condition), np.shape(x), np.shape(y))
    bits = _BITS[dtype.itemsize]
    xb, yb = np.asarray(x, dtype).view(bits), np.asarray(y, dtype).view(bits)
    mask = np.asarray(condition, dtype=bool).astype(bits)  # any truthy value as 1
    np.negative(mask, out=mask)  # -1: every bit set
    out = np.bitwise_xor(xb, yb, out=np.empty(shape, bits))
    out &= mask
    out ^= yb
    return out.view(dtype)


def logistic(x: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * x))
