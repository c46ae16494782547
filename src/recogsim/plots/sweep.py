"""Figures of parameter sweeps: outcomes over the design's parameters, sensitivity indices and
per-point spreads.

A sweep varies inputs, so these plots put parameters on the axes. They take a
:class:`~recogsim.runs.store.SweepResult` (or its per-point summary from
:func:`recogsim.analysis.sweeps.summarize`) and the outcome names of
:func:`~recogsim.analysis.sweeps.outcome_values`: a run outcome column, or ``recognized`` (1 if the
run has a de jure recognition by the horizon).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.ticker import MaxNLocator

from ..analysis import sweeps as analysis
from ..analysis.statistics import wilson_interval
from ..analysis.sweeps import RECOGNIZED
from ..errors import InputError
from ..runs.store import SweepResult
from .common import new_axes, pretty, shorten


class SweepPlotError(InputError, ValueError):
    """A sweep plot asked for a column or parameter the sweep lacks: a ValueError to Python
    callers, an InputError so the CLI prints it as one line (``path`` names the flag, if any)."""


def _need(table: pd.DataFrame, columns: Sequence[str], what: str, flag: str | None = None) -> None:
    for c in columns:
        if c not in table.columns:
            available = ", ".join(map(str, table.columns))
            raise SweepPlotError(None, flag, f"no column {c!r} in {what}; available: {available}")


def swept(result: SweepResult) -> list[str]:
    """The swept parameters' paths, in the experiment's order (the columns of the points table)."""
    return [c for c in result.points.columns if c != "point"]


def _value_label(value: str) -> str:
    if value == "p_recognition":
        return "P(de jure recognition by the horizon)"
    if value == "median_first_recognition":
        return "median month of first recognition (runs with one)"
    return f"mean {pretty(value[5:])}" if value.startswith("mean_") else pretty(value)


def _outcome_label(outcome: str) -> str:
    return "P(de jure recognition by the horizon)" if outcome == RECOGNIZED else pretty(outcome)


def _tick(v: object) -> str:
    return f"{v:.3g}" if isinstance(v, (int, float, np.number)) else str(v)


def _colorbar(ax: Axes, mappable, label: str) -> None:
    ax.figure.colorbar(mappable, ax=ax, label=label, shrink=0.9)


def sweep_heatmap(summary: pd.DataFrame, x: str, y: str, value: str = "p_recognition", ax: Axes | None = None) -> Axes:
    """An outcome over two swept parameters: annotated cells for a grid, coloured dots otherwise.

    One cell per (x, y) pair of a grid design, so interactions show as a pattern that no single
    response curve reveals. Points that share a cell (the other parameters of a larger design vary)
    are averaged, and the title says so: the picture is then a marginal over those parameters.
    LHS, Sobol' and Morris points do not fill a grid, so they are drawn as a scatter.
    """
    _need(summary, [x, y, value], "the sweep summary")
    if x == y:
        raise SweepPlotError(None, None, f"x and y are both {x!r}; choose two different parameters")
    cells = summary.groupby([x, y])[value].agg(["mean", "size"])
    xs, ys = cells.index.unique(0), cells.index.unique(1)
    ax = ax if ax is not None else new_axes(1, None, 1, (6.4, 4.8))[0]
    prob = value.startswith("p_")
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.85")
    vmin, vmax = (0.0, 1.0) if prob else (None, None)
    shared = int(cells["size"].max())
    up_to = "up to " if cells["size"].min() < shared else ""
    if len(cells) == len(xs) * len(ys):  # a full grid over (x, y)
        table = cells["mean"].unstack(x).reindex(index=ys, columns=xs)
        image = ax.imshow(
            table.to_numpy(dtype=float),
            origin="lower",
            aspect="auto",
            cmap=cmap,
            interpolation="nearest",
            vmin=vmin,
            vmax=vmax,
        )
        norm = cast(Normalize, image.norm)  # imshow without a norm argument makes a plain Normalize
        for (r, c), v in np.ndenumerate(table.to_numpy(dtype=float)):
            text = "n/a" if np.isnan(v) else f"{v:.0%}" if prob else f"{v:.3g}"
            dark = np.isnan(v) or norm(float(v)) > 0.6
            ax.text(c, r, text, ha="center", va="center", fontsize=9, color="black" if dark else "white")
        ax.set_xticks(range(len(xs)), [_tick(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_tick(v) for v in ys])
        mappable, where = image, "cell"
    else:
        pts = cells.reset_index()
        mappable = ax.scatter(
            pts[x],
            pts[y],
            c=pts["mean"],
            cmap=cmap,
            s=70,
            edgecolors="0.3",
            linewidths=0.5,
            plotnonfinite=True,
            vmin=vmin,
            vmax=vmax,
        )
        ax.grid(alpha=0.3)
        where = "dot"
    _colorbar(ax, mappable, _value_label(value))
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    detail = (
        f"each {where} averages {up_to}{shared} points over the other parameters"
        if shared > 1
        else "scattered design: one dot per point"
        if where == "dot"
        else ""
    )
    ax.set_title(_value_label(value) + (f"\n{detail}" if detail else ""), fontsize="medium")
    return ax


def _per_run(result: SweepResult, outcome: str, parameter: str) -> pd.DataFrame:
    """point, the parameter's value (x) and the outcome (value) for every run."""
    _need(result.points, [parameter], "the sweep's points (its parameters)")
    values = analysis.outcome_values(result, outcome)
    x = result.points.set_index("point")[parameter]
    return pd.DataFrame(
        {
            "point": result.runs["point"].to_numpy(),
            "x": result.runs["point"].map(x).to_numpy(),
            "value": values.to_numpy(),
        }
    )


def sweep_response(
    result: SweepResult, parameter: str, outcome: str = RECOGNIZED, ax: Axes | None = None, bins: int = 10
) -> Axes:
    """How one outcome responds to one parameter, with the spread of runs around the mean.

    The line is the mean of the per-point means at each value of the parameter (averaged over the
    other parameters where several points share a value); grey dots are the points themselves, so
    scatter from the other parameters stays visible. The band is stochastic spread: 5-95% of runs,
    or for a 0/1 outcome such as ``recognized`` the 90% Wilson interval of the probability. With
    more than ``bins`` distinct values (LHS, Sobol') x is cut into ``bins`` quantile bins.
    """
    runs = _per_run(result, outcome, parameter)
    points = runs.groupby("point").agg(x=("x", "first"), mean=("value", "mean"))
    numeric = pd.api.types.is_numeric_dtype(points["x"])
    binned = numeric and points["x"].nunique() > bins
    points["key"] = pd.qcut(points["x"], bins, duplicates="drop") if binned else points["x"]
    runs["key"] = runs["point"].map(points["key"])
    binary = bool(runs["value"].isin((0.0, 1.0)).all())
    # pandas-stubs bound a Series' values to scalar types; pandas keeps the (lo, hi) tuples in an object Series
    band = runs.groupby("key", observed=True)["value"].agg(  # type: ignore[type-var]
        lambda v: wilson_interval(v.sum(), len(v)) if binary else tuple(v.quantile([0.05, 0.95]))
    )
    line = points.groupby("key", observed=True).agg(x=("x", "mean" if numeric else "first"), y=("mean", "mean"))
    if not numeric:  # categorical values: one position each, labelled
        line["x"] = range(len(line))
        points["x"] = points["key"].map(dict(zip(line.index, line["x"], strict=True)))
    ax = ax if ax is not None else new_axes(1, None, 1, (6.4, 4.2))[0]
    ax.fill_between(
        line["x"],
        [lo for lo, _ in band[line.index]],
        [hi for _, hi in band[line.index]],
        color="C0",
        alpha=0.2,
        linewidth=0,
        label="90% interval of the probability" if binary else "5-95% of runs",
    )
    ax.scatter(points["x"], points["mean"], s=14, color="0.45", zorder=3, label="design points (mean of runs)")
    ax.plot(
        line["x"],
        line["y"],
        color="C0",
        linewidth=2,
        marker="o",
        markersize=4,
        label=f"mean over points ({len(line)} quantile bins)" if binned else "mean over points",
    )
    if not numeric:
        ax.set_xticks(line["x"], [str(v) for v in line.index])
    if binary:
        ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(parameter)
    ax.set_ylabel(_outcome_label(outcome))
    ax.set_title(f"Response of {_outcome_label(outcome)} to {parameter}", fontsize="medium")
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def sensitivity_bars(indices: pd.DataFrame, ax: Axes | None = None, outcome: str | None = None) -> Axes:
    """Sensitivity indices per parameter with their confidence intervals, most influential on top.

    Sobol' (from analysis.sensitivity): S1 (the parameter alone) and ST (with its interactions)
    side by side; a large gap between them means interactions. Second-order rows are skipped.
    Morris: mu* (mean absolute elementary effect) with its interval, and sigma as markers, which
    flags interactions or non-linearity. The error bars keep a noisy ranking from looking firm.
    """
    if {"S1", "ST"} <= set(indices.columns):
        sobol = True
        table = indices[indices["S2"].isna()] if "S2" in indices.columns else indices
        _need(table, ["parameter", "S1_conf", "ST_conf"], "the Sobol' indices")
        table = table.sort_values("ST", kind="stable")  # ascending: the largest ends on top
    elif "mu_star" in indices.columns:
        sobol = False
        _need(indices, ["parameter", "mu_star_conf", "sigma"], "the Morris indices")
        table = indices.sort_values("mu_star", kind="stable")
    else:
        raise SweepPlotError(
            None,
            None,
            f"expected Sobol' (S1, ST) or Morris (mu_star) indices; got columns {', '.join(map(str, indices.columns))}",
        )
    pos = np.arange(len(table))
    ax = ax if ax is not None else new_axes(1, None, 1, (7.5, 1.8 + 0.6 * len(table)))[0]
    err = {"capsize": 3, "ecolor": "0.2"}
    if sobol:
        for offset, index, colour_, name in ((0.2, "S1", "C0", "S1 (first order)"), (-0.2, "ST", "C1", "ST (total)")):
            _clipped_bars(ax, pos + offset, table[index], table[f"{index}_conf"], colour_, name, err)
        title, note = "Sobol' indices", _sobol_note(table)
        ax.set_xlim(0, 1.0)
        ax.set_xlabel("share of the outcome's variance (bars and 95% intervals clipped to [0, 1])")
    else:
        ax.barh(
            pos,
            table["mu_star"],
            0.6,
            xerr=table["mu_star_conf"],
            color="C0",
            label="mu* (mean |effect|)",
            error_kw=err,
        )
        ax.plot(table["sigma"], pos, "D", color="C3", label="sigma (interactions, non-linearity)")
        title, note = "Morris elementary effects", ""
        ax.set_xlabel("elementary effect (outcome units)")
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_yticks(pos, table["parameter"])
    ax.set_title(title + (f" of {_outcome_label(outcome)}" if outcome else "") + note, fontsize="medium")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")  # outside: bars span the axes
    ax.grid(axis="x", alpha=0.3)
    return ax


def _clipped_bars(ax: Axes, pos: np.ndarray, value: pd.Series, conf: pd.Series, colour_: str, name: str, err) -> None:
    """Bars at an index clipped to [0, 1] (the range a share of variance can take; estimates from
    few samples stray outside it), with the interval clipped the same way, so no bar points left."""
    v = value.to_numpy(dtype=float)
    c = conf.to_numpy(dtype=float)
    shown = np.clip(v, 0.0, 1.0)
    lo, hi = np.clip(v - c, 0.0, 1.0), np.clip(v + c, 0.0, 1.0)
    xerr = np.vstack([shown - lo, hi - shown])
    ax.barh(pos, shown, 0.4, xerr=xerr, color=colour_, label=name, error_kw=err)


SEPARATING_WIDTH = 0.1
"""Largest mean half-width of the S1 or the ST intervals at which a ranking of parameters can be
read: beyond it, parameters a tenth of the variance apart cannot be told apart."""


def _sobol_note(table: pd.DataFrame) -> str:
    """A warning in the title when the design's base sample size is too small for the indices'
    intervals to separate the parameters (wide intervals, or estimates outside [0, 1])."""
    values = table[["S1", "ST"]].to_numpy(dtype=float)
    width = max(float(np.nanmean(table[f"{index}_conf"].to_numpy(dtype=float))) for index in ("S1", "ST"))
    notes = []
    if np.any((values < -0.05) | (values > 1.05)):
        notes.append("some estimates fall outside [0, 1]")
    if width > SEPARATING_WIDTH:
        notes.append(f"intervals are wide (mean ±{width:.2f})")
    if not notes:
        return ""
    return "\nwarning: " + " and ".join(notes) + ": N too small to rank parameters; use more base samples"


MAX_NAMED = 3
"""Most parameters a design point's label names; larger designs name the most telling ones."""


def point_labels(result: SweepResult, points: Sequence[int], values: pd.Series) -> tuple[list[str], str]:
    """Each point's label as its parameters' values (``crackdown 0.3, conditions_weight 0.7``), and
    what they name. A design of more than :data:`MAX_NAMED` parameters names the ones whose values
    rank-correlate most with the points' mean outcome, since a label of ten values is unreadable."""
    table = result.points.set_index("point")
    params = swept(result)
    if len(params) > MAX_NAMED:
        means = values.groupby(result.runs["point"].to_numpy()).mean()
        numeric = [p for p in params if pd.api.types.is_numeric_dtype(table[p])]
        strength = {p: abs(table[p].reindex(means.index).corr(means, method="spearman")) for p in numeric}
        params = sorted(strength, key=lambda p: -np.nan_to_num(strength[p]))[: MAX_NAMED - 1]
    names = _short_names(params)
    labels = [", ".join(f"{names[p]} {_tick(table.at[pt, p])}" for p in params) for pt in points]
    what = ", ".join(names[p] for p in params)
    if len(params) < len(swept(result)):
        what += f" (of {len(swept(result))} parameters: those most rank-correlated with the outcome)"
    return [shorten(label, 60) for label in labels], what


def _short_names(params: Sequence[str]) -> dict[str, str]:
    """A path's last field (``conditions_weight``) where that names it alone, else the whole path."""
    last = {p: p.rsplit(".", 1)[-1] for p in params}
    unique = {n for n in last.values() if list(last.values()).count(n) == 1}
    return {p: last[p] if last[p] in unique else p for p in params}


def point_distributions(
    result: SweepResult, outcome: str = RECOGNIZED, ax: Axes | None = None, max_points: int = 30
) -> Axes:
    """Boxplots of an outcome over the runs of each design point, points ordered by median.

    Per-point means hide whether a point is reliably high or a coin toss; boxes (with the mean as a
    marker, which for a 0/1 outcome is the probability) show the replication spread. With more than
    ``max_points`` points an evenly spaced subset of the median ordering is shown, so the figure
    still spans the lowest to the highest point; the title says how many.
    """
    if max_points < 1:
        raise SweepPlotError(None, None, f"max_points must be at least 1, got {max_points}")
    values = analysis.outcome_values(result, outcome)
    groups = values.groupby(result.runs["point"].to_numpy())
    order = pd.DataFrame({"median": groups.median(), "mean": groups.mean()}).sort_values(["median", "mean"]).index
    shown = list(order)
    if len(shown) > max_points:
        shown = [order[i] for i in np.unique(np.linspace(0, len(order) - 1, max_points).round().astype(int))]
    data = [groups.get_group(p).to_numpy(dtype=float) for p in shown]
    labels, named = point_labels(result, shown, values)
    height = 3.8 + 0.07 * max(map(len, labels))  # room for the boxes above the rotated labels
    ax = ax if ax is not None else new_axes(1, None, 1, (max(6.0, 1.5 + 0.32 * len(shown)), height))[0]
    box = ax.boxplot(
        data,
        positions=range(len(shown)),
        widths=0.6,
        showfliers=False,
        patch_artist=True,
        showmeans=True,
        medianprops={"color": "black"},
        meanprops={"marker": "D", "markerfacecolor": "C3", "markeredgecolor": "C3", "markersize": 4},
    )
    rng = np.random.default_rng(0)
    for i, (v, patch) in enumerate(zip(data, box["boxes"], strict=True)):
        patch.set(facecolor="C0", alpha=0.3)
        ax.scatter(i + rng.uniform(-0.15, 0.15, v.size), v, s=7, color="C0", alpha=0.6, linewidths=0, zorder=3)
    ax.set_xticks(range(len(shown)), labels, rotation=90, fontsize=8)
    if all(np.array_equal(v, np.round(v)) for v in data):  # counts and 0/1: no half ticks
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"design point by {named} (ordered by median, then mean)")
    ax.set_ylabel("de jure recognition by the horizon (1 = yes)" if outcome == RECOGNIZED else pretty(outcome))
    which = (
        f"all {len(order)} points"
        if len(shown) == len(order)
        else f"{len(shown)} of {len(order)} points, evenly spaced in that order"
    )
    ax.set_title(f"{_outcome_label(outcome)} across runs, by design point\n{which}; diamonds: means", fontsize="medium")
    ax.grid(axis="y", alpha=0.3)
    return ax
