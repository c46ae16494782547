"""Calibration plots: what the record taught (prior against posterior) and how well the calibrated
model reproduces the record it was fitted to (posterior-predictive bands against the record's
intervals). Each function takes data and ``ax=None`` and returns the axes."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..config.distributions import Distribution
from ..runs import facts
from ..runs.calibrate import WEIGHT
from .common import pretty, time_axis


def parameter_label(path: str) -> str:
    """``rules.w_durability`` -> ``w durability (rules)``: the field's name first, where it lives after."""
    *where, field = path.split(".")
    return f"{field.replace('_', ' ')}" + (f" ({'.'.join(where)})" if where else "")


def marginal(
    path: str, prior: Distribution | None, values: np.ndarray, weights: np.ndarray, ax: Axes | None = None
) -> Axes:
    """The posterior's weighted histogram of one parameter over its prior's density (or, for a
    nuisance parameter drawn from a file, over its range)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 2.6))
    lo, hi = (prior.min, prior.max) if prior is not None else (float(values.min()), float(values.max()))
    bins = np.linspace(lo, hi, 21).tolist()
    ax.hist(values, bins=bins, weights=weights, density=True, color="tab:blue", alpha=0.6, label="posterior")
    if prior is not None:
        x = np.linspace(lo, hi, 201)
        dens = np.gradient(np.interp(x, prior.ppf(np.linspace(0, 1, 2001)), np.linspace(0, 1, 2001)), x)
        ax.plot(x, dens, color="black", lw=1.2, label="prior")
    ax.set_title(parameter_label(path), fontsize=9)
    ax.set_yticks([])
    ax.set_xlim(lo, hi)
    return ax


def marginals(
    posterior: pd.DataFrame,
    priors: Sequence[tuple[str, Distribution]],
    nuisance: Sequence[str] = (),
    integrated: Sequence[str] = (),
) -> Figure:
    """Every parameter in a grid, prior against posterior: the calibrated ones, those ``integrated``
    out (drawn from their prior in every run), and the ``nuisance`` columns drawn from a file."""
    items = [(p, d) for p, d in priors] + [(p, None) for p in nuisance]
    ncols = 3
    nrows = int(np.ceil(len(items) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4 * ncols, 2.6 * nrows), squeeze=False)
    w = posterior[WEIGHT].to_numpy()
    for ax, (path, dist) in zip(axes.flat, items, strict=False):
        marginal(path, dist, posterior[path].to_numpy(), w, ax=ax)
        if path in integrated or dist is None:
            ax.set_title(ax.get_title() + (" - integrated" if dist is not None else " - drawn from file"), fontsize=9)
    for ax in axes.flat[len(items) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, frameon=False)
    fig.suptitle(
        f"Prior (line) and ABC posterior (bars), {len(posterior)} particles, weighted; "
        "integrated and file-drawn parameters are not perturbed, only selected",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def predictive(series: pd.DataFrame, bound: facts.BoundRecord, column: str, ax: Axes | None = None) -> Axes:
    """Posterior-predictive band of one series (runs drawn from the posterior) against what the
    record allows at each quarter's end, drawn as intervals, and its counts at a month."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.4))
    by_month = series.groupby("month")[column]
    q = by_month.quantile(np.array([0.05, 0.5, 0.95])).unstack()
    ax.fill_between(q.index, q[0.05], q[0.95], color="tab:blue", alpha=0.25, label="runs, 5-95%")
    ax.plot(q.index, q[0.5], color="tab:blue", lw=1.5, label="runs, median")
    bounds = bound.hosting if column == facts.PRESENCE else bound.held if column == facts.HELD else None
    if bounds is not None:
        lo, hi = bounds
        top = max(float(np.nanmax(q[0.95])), float(lo.max())) + 2
        height = np.maximum(np.minimum(hi, top) - lo, 0.25)  # a point the record fixes shows as a sliver
        ax.bar(bound.quarters, height, bottom=lo, width=1.2, color="0.25", alpha=0.35, label="record allows")
        ax.set_ylim(0, top)
    counts = [(m, lo, hi) for _, col, m, lo, hi in bound.counts if col == column]
    for m, c_lo, c_hi in counts:
        ax.errorbar([m], [(c_lo + c_hi) / 2], yerr=[[(c_hi - c_lo) / 2]], fmt="o", color="tab:red", capsize=3)
    if counts:
        ax.plot([], [], "o", color="tab:red", label="record: count at a month")
    dates = dict(zip(series["month"], series["date"], strict=False)) if "date" in series else None
    time_axis(ax, dates)
    ax.set_xlim(-0.7, bound.horizon + 0.7)
    ax.set_ylabel(pretty(column))
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return ax


def predictive_figure(series: pd.DataFrame, bound: facts.BoundRecord, runs: int, seed: int) -> Figure:
    """States hosting Taliban diplomats and Taliban-held posts, side by side."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for ax, column in zip(axes, (facts.PRESENCE, facts.HELD), strict=True):
        predictive(series, bound, column, ax=ax)
    fig.suptitle(
        f"Posterior predictive against {bound.record.name}: {runs} runs (seed {seed}); "
        "bands include parameter uncertainty",
        fontsize=10,
    )
    fig.tight_layout()
    return fig
