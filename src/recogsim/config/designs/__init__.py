"""Sampling designs, one module each, with ``fit``, ``sample`` and ``analyze`` side by side (as in SALib).

Every design module satisfies :class:`DesignModule`; ``DESIGNS`` maps the ``design.kind`` of an
experiment file to its module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from . import grid, lhs, morris, sobol


class DesignModule(Protocol):
    """What a design offers: checks before sampling, the sample, and the analysis of its results."""

    def fit(self, design: Any, parameters: Sequence[Any]) -> tuple[str, str] | None:
        """``None`` if the design can be built from these parameters, else ``(key path, message)``."""

    def size(self, design: Any, parameters: Sequence[Any]) -> int:
        """The number of points :meth:`sample` would give, without sampling (to refuse a design too
        large to hold or to run before building it)."""

    def sample(self, design: Any, parameters: Sequence[Any], seed: int) -> np.ndarray:
        """The design matrix: one row per point, one column per parameter, in the parameters' units."""

    def analyze(
        self, design: Any, parameters: Sequence[Any], X: np.ndarray, Y: np.ndarray, seed: int
    ) -> pd.DataFrame | None:
        """Sensitivity indices with confidence intervals, or ``None`` for designs that have none
        (grid, lhs: their per-point summaries are the analysis)."""


DESIGNS: dict[str, DesignModule] = {"grid": grid, "lhs": lhs, "sobol": sobol, "morris": morris}
