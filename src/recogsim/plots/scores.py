"""An ensemble against a dated record (:mod:`recogsim.analysis.scores`): per fact, the runs' 5-95%
band and median beside what the record says, and the histogram of the facts' ranks (PIT)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..analysis.scores import BRIER_REFERENCE, SCORED, Scores, unbounded
from ..config.calendar import add_month
from ..model import record
from .common import time_axis

RUNS, RECORD = "tab:blue", "0.15"
ROW_HEIGHT = 0.3
"""Inches per fact in the figure."""


def _scored(scores: Scores, events: bool, column_unit: str | None = None) -> pd.DataFrame:
    t = scores.table[scores.table["status"] == SCORED]
    t = t[(t["kind"] != "count") if events else (t["kind"] == "count")]
    if column_unit is not None:
        t = t[[_unit(c) == column_unit for c in t["column"]]]
    return t


def _unit(column: str) -> str:
    col = record.describe(column)
    return col.unit if col is not None and col.unit else "value"


def _record_mark(ax: Axes, y: float, lo: float, hi: float, left: float, right: float) -> None:
    """The record's value (a dot) or interval (a bar; an arrow where it is open)."""
    if lo == hi:
        ax.plot([lo], [y], "o", color=RECORD, ms=6, mec="white", mew=0.7, zorder=3)
        return
    a, b = (left if unbounded(lo) else lo), (right if unbounded(hi) else hi)
    ax.plot([a, b], [y, y], color=RECORD, lw=6, alpha=0.3, solid_capstyle="butt", zorder=1)
    for end, open_, marker in ((a, unbounded(lo), "<"), (b, unbounded(hi), ">")):
        ax.plot([end], [y], marker if open_ else "|", color=RECORD, ms=6, alpha=0.6, zorder=1)


def _window(scores: Scores, t: pd.DataFrame) -> int:
    """The months the time axis shows: to the horizon, or, when the record's dates end well before
    it, to a little past them (runs later than that sit in one column)."""
    ends = t[["lo", "hi"]].to_numpy(dtype=float)
    dated = ends[(ends >= 0) & (ends <= scores.horizon)]
    last = int(dated.max()) if dated.size else scores.horizon
    return min(scores.horizon, last + max(6, last // 3))


def fact_bands(scores: Scores, events: bool = True, unit: str | None = None, ax: Axes | None = None) -> Axes:
    """One row per scored fact, in the record's order: the runs' 5-95% band (line) and median
    (diamond) against the record's date or value (dot) or interval (grey bar, an arrow where it
    is open). ``events``: state and post facts on a time axis, where a run in which the fact did not
    happen by the horizon sits in the shaded "not by" column; otherwise count facts (of ``unit``,
    if given). Each row is labelled with the probability the runs give the fact, or its CRPS."""
    t = _scored(scores, events, unit)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1 + ROW_HEIGHT * max(len(t), 1)), layout="constrained")
    y = np.arange(len(t))[::-1]
    if events:
        shown = _window(scores, t)
        later = max(2.0, shown * 0.06)  # the width of the column of runs past the window
        left, right = -0.5, shown + 0.5 + later
        x = {c: np.where(t[c] > shown, shown + 0.5 + later / 2, t[c]) for c in ("q05", "median", "q95")}
    else:
        values = t[["q05", "q95", "lo", "hi"]].to_numpy(dtype=float)
        finite = values[np.isfinite(values) & (np.abs(values) < 1e5)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        pad = max((high - low) * 0.08, 0.5)
        left, right = low - pad, high + pad
        x = {c: t[c].to_numpy(dtype=float) for c in ("q05", "median", "q95")}
    ax.hlines(y, x["q05"], x["q95"], color=RUNS, lw=2.5, label="runs, 5-95%")
    ax.plot(x["median"], y, "D", color=RUNS, ms=6, label="runs, median", zorder=2)
    for yi, lo, hi in zip(y, t["lo"], t["hi"], strict=True):
        _record_mark(ax, yi, lo, hi, left, right)
    ax.plot([], [], "o", color=RECORD, ms=5, label="record: date or value")
    ax.plot([], [], color=RECORD, lw=6, alpha=0.3, label="record: interval")
    ax.set_yticks(y, list(t["label"]), fontsize=8)
    ax.set_ylim(-0.7, len(t) - 0.3)
    for yi, p, s in zip(y, t["probability"], t["score"], strict=True):
        note = f"P {p:.2f}" if events else f"CRPS {s:.2g}"
        ax.annotate(note, (1.005, yi), xycoords=("axes fraction", "data"), va="center", fontsize=7, color="0.3")
    if events:
        time_axis(ax, {m: add_month(scores.start, m) for m in range(shown + 1)})
        ax.axvspan(shown + 0.5, right, color="0.9", zorder=0)
        beyond = "not by" if shown == scores.horizon else "after"
        ax.text(
            shown + 0.5 + later / 2,
            len(t) - 0.45,
            f"{beyond}\n{add_month(scores.start, shown)}",
            ha="center",
            va="top",
            fontsize=7,
            color="0.35",
        )
        ax.set_title("When: states' rungs and posts", fontsize=9, loc="left")
    else:
        ax.set_xlabel(unit or "count")
        if unit in ("states", "posts"):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"Counts at a month ({unit})" if unit else "Counts at a month", fontsize=9, loc="left")
    ax.set_xlim(left, right)
    ax.grid(axis="x", color="0.92", lw=0.6)
    ax.set_axisbelow(True)
    return ax


def pit_histogram(scores: Scores, bins: int = 10, ax: Axes | None = None) -> Axes:
    """The histogram of the scored facts' ranks (PIT): a fact with a single rank counts in its bin;
    a fact known only to an interval of ranks is spread evenly over it (the non-randomised PIT
    histogram of Czado, Gneiting & Held 2009). A calibrated ensemble's is flat (dashed line)."""
    t = scores.table[scores.table["status"] == SCORED]
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    edges = np.linspace(0, 1, bins + 1)
    mass = np.zeros(bins)
    for lo, hi in zip(t["pit_lo"], t["pit_hi"], strict=True):
        if hi - lo < 1e-12:
            mass[min(int(lo * bins), bins - 1)] += 1
        else:
            mass += np.clip(np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo), 0, None) / (hi - lo)
    ax.bar(edges[:-1], mass, width=1 / bins, align="edge", color=RUNS, alpha=0.6, edgecolor="white")
    ax.axhline(len(t) / bins, color="0.3", ls="--", lw=1, label="uniform (calibrated)")
    ax.set_xlim(0, 1)
    ax.set_xlabel("rank of the fact in the runs (PIT)")
    ax.set_ylabel("facts")
    ax.set_title(f"Ranks of {len(t)} facts", fontsize=9, loc="left")
    ax.legend(fontsize=7, frameon=False, loc="upper center")
    return ax


def scores_figure(scores: Scores) -> Figure:
    """The events' bands, the counts' bands (one panel per unit), and the PIT histogram."""
    s = scores.summary()
    units = list(dict.fromkeys(_unit(c) for c in _scored(scores, events=False)["column"]))
    panels = [(True, None)] * bool(s["events"]) + [(False, u) for u in units]
    rows = [len(_scored(scores, e, u)) + 2.5 for e, u in panels]
    height = max(4.0, ROW_HEIGHT * sum(rows) + 1.2)
    fig = plt.figure(figsize=(12, height), layout="constrained")
    grid = fig.add_gridspec(len(panels), 2, width_ratios=(3, 1), height_ratios=rows)
    for k, (events, unit) in enumerate(panels):
        fact_bands(scores, events=events, unit=unit, ax=fig.add_subplot(grid[k, 0]))
    first = fig.axes[0]
    first.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.04), ncols=4)
    right = grid[:, 1].subgridspec(2, 1, height_ratios=(3.2, max(sum(rows) * ROW_HEIGHT - 3.2, 0.1)))
    pit_histogram(scores, ax=fig.add_subplot(right[0]))
    parts = []
    if s["events"]:
        parts.append(f"mean Brier {s['mean_brier']:.3f} over {s['events']} events (0.5 forecast: {BRIER_REFERENCE})")
    if s["counts"]:
        parts.append(f"mean CRPS {s['mean_crps']:.3g} over {s['counts']} counts")
    fig.suptitle(
        f"{scores.runs} runs against {scores.record}: " + "; ".join(parts),
        fontsize=10,
    )
    return fig
