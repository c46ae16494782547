"""Statistics of an ensemble: per-month quantiles, survival of non-recognition, per-state
probabilities of reaching each rung, and intervals for proportions. Plots draw them; analysts may
call them directly on the tables of a results folder."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..config.schema import LEVELS, UN_BLOC, UN_TOP


def quantiles(series: pd.DataFrame, column: str, qs: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
    """Per-month quantiles of ``column`` across replications (months as index, one column per q)."""
    return series.groupby("month")[column].quantile(np.asarray(qs, dtype=float)).astype(float).unstack()


def kaplan_meier(times: ArrayLike, observed: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan–Meier estimate of the survival function from right-censored times.

    Returns ``(t, S)`` describing a right-continuous step function: ``S[i]`` is the estimate on
    ``[t[i], t[i+1])``. ``t[0]`` is 0 (with ``S[0] = 1`` unless events happen at time 0), followed
    by each distinct event time. At a time with both events and censorings the censored runs
    count as still at risk (the usual convention), so S(t) = prod over event times t_j <= t of
    (1 - d_j / n_j), with n_j the runs whose time is >= t_j.
    """
    t = np.asarray(times, dtype=float)
    e = np.asarray(observed, dtype=bool)
    if t.ndim != 1 or t.shape != e.shape:
        raise ValueError(f"times and observed must be 1-d and of equal length, got {t.shape} and {e.shape}")
    if t.size == 0:
        raise ValueError("no observations")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("times must be finite and non-negative")
    event_times, deaths = np.unique(t[e], return_counts=True)
    at_risk = t.size - np.searchsorted(np.sort(t), event_times, side="left")
    surv = np.cumprod(1.0 - deaths / at_risk)
    if event_times.size and event_times[0] == 0:
        return event_times, surv
    return np.r_[0.0, event_times], np.r_[1.0, surv]


def level_probabilities(states: pd.DataFrame) -> pd.DataFrame:
    """P(max_level >= rung) per state (rows) and rung engaged..de_jure (columns), over replications.

    Rows are sorted by mean maximum level, highest first (ties by name). Rungs the United Nations
    cannot reach (above its seat) are NaN in its row, not 0: they do not exist for it.
    """
    missing = [c for c in ("state", "max_level") if c not in states.columns]
    if missing:
        raise ValueError(f"no column {missing[0]!r} in states; available: {', '.join(map(str, states.columns))}")
    unknown = sorted(set(states["max_level"].dropna()) - set(LEVELS))
    if unknown:
        raise ValueError(f"unknown level {unknown[0]!r} in max_level; expected one of {', '.join(LEVELS)}")
    rank = states["max_level"].map(LEVELS.index).astype(float)
    probs = pd.DataFrame({rung: (rank >= r) for r, rung in enumerate(LEVELS) if r > 0})
    table = probs.groupby(states["state"]).mean()
    mean = rank.groupby(states["state"]).mean()
    order = sorted(table.index, key=lambda s: (-mean[s], s))
    if "bloc" in states.columns:
        un = states.loc[states["bloc"] == UN_BLOC, "state"].unique()
        table.loc[table.index.isin(un), list(LEVELS[LEVELS.index(UN_TOP) + 1 :])] = np.nan
    return table.loc[order]


def wilson_interval(k: float, n: float, z: float = 1.645) -> tuple[float, float]:
    """90% Wilson interval of a proportion: stays inside [0, 1] and is not zero-width at 0 or 1."""
    p, d = k / n, 1 + z * z / n
    centre, half = (p + z * z / (2 * n)) / d, z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return centre - half, centre + half
